import { resolve } from 'node:path';
import type { BounceMailbox } from '../../bounces/bounce-mailbox.js';
import { fetchBounces, type FetchReport } from '../../bounces/fetch-bounces.js';
import { readImapPassword, type BouncesConfig } from '../../bounces/fetch-config.js';
import { loadCommandConfig } from '../../config/load-config.js';
import { DEFAULT_DB_PATH } from '../history-options.js';
import { openImapSource } from '../../bounces/imap-source.js';
import { openMaildirSource } from '../../bounces/maildir-source.js';
import { openMboxSource } from '../../bounces/mbox-source.js';
import { openSympaDirSource } from '../../bounces/sympa-dir-source.js';
import { InputError } from '../../errors.js';
import { langFromEnv, render, type Lang, type Text } from '../../i18n.js';
import { openDatabase } from '../../store/database.js';
import { EXIT } from '../exit-codes.js';
import { langOption } from '../options.js';
import { withInterrupt } from '../interrupt.js';
import { plainText } from '../../plain-text.js';
import { noticePrefix } from '../notice-prefix.js';
import { stderrTrace } from '../stderr-trace.js';

/** Options of `facteur bounces fetch`, as commander hands them over. */
export interface BouncesFetchOptions {
  config?: string;
  maildir?: string[];
  mbox?: string[];
  sympaDir?: string[];
  db?: string;
  json: boolean;
  quiet: boolean;
  verbose?: boolean;
  lang?: Lang;
}

/** What `facteur bounces fetch --json` prints. */
export interface BouncesFetchJson extends FetchReport {
  schemaVersion: 1;
}

const TEXTS = {
  untiedVerp: {
    en: '{count|bounce went|bounces went} to facteur\'s VERP addresses (bounces+…) of a campaign that "{db}" does not hold: recorded by address only, tied to no campaign; fetch a campaign\'s bounces into its database with --db (facteur.sqlite beside the campaign\'s config, unless "send run --db" named another)',
    fr: '{count|rebond est adressé|rebonds sont adressés} aux adresses VERP de facteur (bounces+…) d’une campagne que « {db} » ne contient pas : {count:enregistré|enregistrés} à l’adresse seulement, sans campagne ; relevez les rebonds d’une campagne dans sa base avec --db (facteur.sqlite à côté de la configuration de la campagne, sauf si « send run --db » en a nommé une autre)',
  },
  source: {
    en: '{source}: {seen} seen, {recorded} recorded, {already} already recorded, {odd} set aside, {events|event|events}; {moved} moved, {flagged} flagged, {left} left in place',
    fr: '{source} : {seen|vu|vus}, {recorded|enregistré|enregistrés}, {already|déjà enregistré|déjà enregistrés}, {odd} mis de côté, {events|événement|événements} ; {moved|déplacé|déplacés}, {flagged|marqué|marqués}, {left|laissé|laissés} en place',
  },
  failed: {
    en: '{source}: stopped early: {error} (rerunning is safe: nothing is lost or counted twice)',
    fr: '{source} : arrêt prématuré : {error} (relancer est sans risque : rien n’est perdu ni compté deux fois)',
  },
  uidValidity: {
    en: '{source}: the folder was recreated (UIDVALIDITY changed); its messages were read again, known ones not counted twice',
    fr: '{source} : le dossier a été recréé (UIDVALIDITY a changé) ; ses messages ont été relus, sans recompter ceux déjà connus',
  },
  notPutAway: {
    en: '{source}: {failed|recorded message|recorded messages} could not be put away: {reason}; they stay where they are, and the next run tries again without counting them twice',
    fr: '{source} : {failed|message enregistré n’a pas pu être rangé|messages enregistrés n’ont pas pu être rangés} : {reason} ; ils restent où ils sont, et la prochaine exécution réessaiera sans les compter deux fois',
  },
  refusedFolder: {
    en: '{source}: the server would not create folder "{folder}" ({reason}); its messages were left in place, flagged {keyword}',
    fr: '{source} : le serveur n’a pas voulu créer le dossier « {folder} » ({reason}) ; ses messages ont été laissés sur place, marqués {keyword}',
  },
  total: {
    en: 'This run: {messages|message|messages}, {events|recipient event|recipient events}, {hard|hard bounce|hard bounces}',
    fr: 'Cette exécution : {messages|message|messages}, {events|événement destinataire|événements destinataires}, {hard|rejet définitif|rejets définitifs} (hard bounces)',
  },
  byKind: { en: 'By kind', fr: 'Par nature' },
  byReason: { en: 'By reason', fr: 'Par raison' },
  byCampaign: { en: 'By campaign', fr: 'Par campagne' },
  byList: { en: 'By list', fr: 'Par liste' },
  interrupted: {
    en: 'Interrupted: what was recorded stays recorded; rerun to continue',
    fr: 'Interrompu : ce qui est enregistré le reste ; relancez pour continuer',
  },
  unreadable: {
    en: 'Cannot read "{file}": {reason}; it stays where it is, unrecorded: give facteur the right to read it, then rerun',
    fr: 'Impossible de lire « {file} » : {reason} ; il reste où il est, sans être enregistré : donnez à facteur le droit de le lire, puis relancez',
  },
  noSource: {
    en: 'Cannot fetch bounces: no source; give --config with a "bounces.imap" section, --maildir, --mbox or --sympa-dir',
    fr: 'Impossible de relever les rebonds : aucune source ; donnez --config avec une section « bounces.imap », --maildir, --mbox ou --sympa-dir',
  },
} satisfies Record<string, Text>;

/** Kind names for people; the JSON keeps the English ids. */
const KIND_NAMES: Record<string, Text> = {
  bounce: { en: 'bounce', fr: 'rebond' },
  autoreply: { en: 'auto-reply', fr: 'réponse automatique' },
  feedback: { en: 'complaint (ARF)', fr: 'plainte (ARF)' },
  delivered: { en: 'delivered', fr: 'distribué' },
  other: { en: 'not a bounce', fr: 'pas un rebond' },
  unparseable: { en: 'unreadable', fr: 'illisible' },
};

/** Renders the end-of-run summary for people. */
export function renderFetchText(report: FetchReport, lang: Lang): string {
  const lines: string[] = [];
  for (const s of report.sources) {
    lines.push(
      render(TEXTS.source, lang, {
        source: s.source,
        seen: s.seen,
        recorded: s.recorded,
        already: s.alreadyRecorded,
        odd: s.odd,
        events: s.events,
        moved: s.settled.moved,
        flagged: s.settled.flagged,
        left: s.settled.left,
      }),
    );
    if (s.uidValidityChanged) lines.push(render(TEXTS.uidValidity, lang, { source: s.source }));
    if (s.settled.failed > 0)
      lines.push(
        render(TEXTS.notPutAway, lang, {
          source: s.source,
          failed: s.settled.failed,
          reason: s.settled.failure?.[lang] ?? '',
        }),
      );
    for (const refused of s.refusedFolders)
      lines.push(render(TEXTS.refusedFolder, lang, { source: s.source, ...refused }));
    if (s.errorText !== null) lines.push(render(TEXTS.failed, lang, { source: s.source, error: s.errorText[lang] }));
  }
  const summary = report.summary;
  lines.push(
    render(TEXTS.total, lang, { messages: summary.messages, events: summary.events, hard: summary.hardbounces }),
  );
  const table = (title: Text, rows: [string, number][]): void => {
    if (rows.length === 0) return;
    lines.push(`${title[lang]}${lang === 'fr' ? ' :' : ':'}`);
    for (const [name, n] of rows) lines.push(`  ${String(n).padStart(6)}  ${name}`);
  };
  table(
    TEXTS.byKind,
    Object.entries(summary.messagesByKind).map(([kind, n]) => [KIND_NAMES[kind]?.[lang] ?? kind, n]),
  );
  table(TEXTS.byReason, Object.entries(summary.eventsByReason));
  table(
    TEXTS.byCampaign,
    summary.byCampaign.map((c) => [c.campaign, c.events]),
  );
  table(
    TEXTS.byList,
    summary.byList.map((l) => [l.list, l.events]),
  );
  if (report.interrupted) lines.push(TEXTS.interrupted[lang]);
  return plainText(`${lines.join('\n')}\n`);
}

/** Builds the sources a run reads, in the order given: the configured IMAP folder first, then the local ones. */
export function sourcesFor(
  options: BouncesFetchOptions,
  config: BouncesConfig | null,
  env: NodeJS.ProcessEnv = process.env,
): BounceMailbox[] {
  const sources: BounceMailbox[] = [];
  if (config?.imap != null) {
    const trace = stderrTrace(options.verbose, options.lang ?? langFromEnv(env));
    sources.push(openImapSource(readImapPassword(config.imap, env), trace === undefined ? {} : { trace }));
  }
  for (const dir of options.maildir ?? []) sources.push(openMaildirSource(dir));
  for (const file of options.mbox ?? []) sources.push(openMboxSource(file));
  for (const dir of options.sympaDir ?? []) sources.push(openSympaDirSource(dir));
  return sources;
}

/** Runs `facteur bounces fetch` and returns its report; never prints. */
export async function runBouncesFetch(
  options: BouncesFetchOptions,
  hooks: { signal?: AbortSignal; onProgress?: (source: string, done: number, total: number | null) => void } = {},
): Promise<{ report: FetchReport; warnings: Text[] }> {
  const fileConfig = loadCommandConfig(options.config);
  const config = fileConfig.bounces ?? null;
  const db = options.db ?? fileConfig.db ?? DEFAULT_DB_PATH;
  const sources = sourcesFor(options, config);
  if (sources.length === 0) throw new InputError(TEXTS.noSource);
  const store = openDatabase(db);
  try {
    const report = await fetchBounces(store, sources, {
      keepRaw: config?.keepRaw ?? false,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      ...(hooks.onProgress === undefined ? {} : { onProgress: hooks.onProgress }),
    });
    const warnings = [...(config?.warnings ?? [])];
    const untied = report.sources.reduce((sum, source) => sum + source.untiedVerp, 0);
    // Bounces of a campaign sent from another database would otherwise be recorded there silently, never reaching
    // `dormant --campaign` nor the queue's rows.
    if (untied > 0) {
      const values = { count: untied, db: resolve(db) };
      warnings.push({ en: render(TEXTS.untiedVerp, 'en', values), fr: render(TEXTS.untiedVerp, 'fr', values) });
    }
    return { report, warnings };
  } finally {
    store.close();
  }
}

/**
 * Exit code of a fetch run: 130 interrupted, 2 a file could not be read or a recorded message not put away (the
 * user must give the rights, or see why the server refused),
 * 3 a source stopped early (rerun is safe), else 0.
 */
export function fetchExitCode(report: FetchReport): number {
  if (report.interrupted) return EXIT.interrupted;
  if (report.sources.some((s) => s.unreadable.length > 0 || s.settled.failed > 0)) return EXIT.usage;
  return report.complete ? EXIT.ok : EXIT.incomplete;
}

/** One line per file a source could not read, for stderr. */
export function renderUnreadable(report: FetchReport, lang: Lang): string {
  return report.sources
    .flatMap((s) => s.unreadable)
    .map(
      ({ file, reason }) => `${noticePrefix(lang)}${render(TEXTS.unreadable, lang, { file, reason: reason[lang] })}\n`,
    )
    .join('');
}

/** `facteur bounces fetch`: records the bounces of every source, then prints the report. */
export async function runBouncesFetchCommand(options: BouncesFetchOptions): Promise<void> {
  const lang = options.lang ?? langOption(undefined);
  const progress =
    process.stderr.isTTY && !options.quiet
      ? (source: string, done: number, total: number | null): void => {
          process.stderr.write(`\r${source} ${done}${total === null ? '' : `/${total}`} `);
        }
      : undefined;
  const { report, warnings } = await withInterrupt((signal) =>
    runBouncesFetch(options, { signal, ...(progress === undefined ? {} : { onProgress: progress }) }),
  );
  if (progress !== undefined) process.stderr.write('\n');
  for (const warning of warnings) process.stderr.write(`${noticePrefix(lang)}${warning[lang]}\n`);
  process.stderr.write(renderUnreadable(report, lang));
  const json: BouncesFetchJson = { schemaVersion: 1, ...report };
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : renderFetchText(report, lang));
  process.exitCode = fetchExitCode(report);
}
