import { userInfo } from 'node:os';
import { loadCommandConfig } from '../../config/load-config.js';
import { DEFAULT_DORMANT_CONFIG, type DormantConfig } from '../../dormant/dormant-config.js';
import { importMembersFile, importSympaDatabase } from '../../dormant/import-members.js';
import { readMailboxActivity } from '../../dormant/read-mailbox-activity.js';
import { checkPasswdFiles, disablePasswdUsers } from '../../dormant/disable-passwd-users.js';
import type { DormantEntry, DormantReason } from '../../dormant/judge-address.js';
import {
  countEntry,
  createDormantRenderer,
  emptySummary,
  renderUndecidedDomains,
  type DormantFormat,
  type DormantSummary,
} from '../../dormant/render-dormant.js';
import { renderLimeSurveyTokens } from '../../dormant/render-limesurvey-tokens.js';
import { encodingNotice } from '../../parse/text-encoding.js';
import { dormantEntries, probeScopeDomains } from '../../dormant/run-dormant.js';
import { InputError } from '../../errors.js';
import { render, type Lang } from '../../i18n.js';
import {
  preflightSender,
  preflightSummary,
  type PreflightFinding,
  type PreflightReport,
} from '../../send/preflight.js';
import { normaliseEmail } from '../../send/read-recipients.js';
import { openDatabase, type Db } from '../../store/database.js';
import { forgetAddress, type DormantScope } from '../../store/dormant.js';
import {
  acquireApplyLock,
  countListRemovalsInForce,
  listRemovalsInForce,
  recordListRemovals,
  recordRemovalIntents,
  releaseApplyLock,
  removalIntents,
  type ListRemoval,
  type RemovalIntent,
  type RemovalRecord,
} from '../../store/list-removals.js';
import { commandOf } from '../../store/lock-holder.js';
import { isProcessAlive } from '../../is-process-alive.js';
import { readSympaConf, sympaDatabasePlace, type SympaDatabase } from '../../sympa/read-sympa-conf.js';
import { renderSympaMailCommands } from '../../sympa/render-sympa-mail-commands.js';
import { isSympaDelAddress, runSympaDel, type SympaDelAddressResult } from '../../sympa/run-sympa-del.js';
import {
  sendSympaMail,
  type SympaMailAddressResult,
  type SympaMailOutcome,
  type SympaMailResult,
} from '../../sympa/send-sympa-mail.js';
import { loadSympaMailConfig, type SympaMailConfig } from '../../sympa/sympa-mail-config.js';
import { createDnsResolver, type DnsOptions } from '../dns-options.js';
import { stderrTrace } from '../stderr-trace.js';
import { preflightFindingText } from './send.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { langOption, progressReporter } from '../options.js';
import type { Format } from './register-dormant.js';
import { withInterrupt } from '../interrupt.js';
import { noticePrefix } from '../notice-prefix.js';

/** The options of `facteur dormant`, as commander hands them over. */
export interface DormantCommandOptions extends DnsOptions {
  db?: string;
  list?: string;
  campaign?: string;
  format: Format;
  json: boolean;
  minDays?: number;
  config?: string;
  dns: boolean;
  concurrency: number;
  members?: string;
  sympaDb?: string;
  sympaConf?: string;
  lastLogins?: string;
  lastLoginsCsv?: string;
  inboxSaved?: string;
  limesurvey?: string;
  passwdFile?: string;
  passwdOut?: string;
  lang?: string;
}

const TEXT = {
  passwd: {
    en: 'facteur: wrote "{file}" with {count|user|users} set to nologin; check it, then move it in place yourself\n',
    fr: 'facteur : "{file}" écrit avec {count|utilisateur|utilisateurs} en nologin ; vérifiez-le puis mettez-le en place vous-même\n',
  },
  limesurvey: {
    en: 'facteur: {matched|LimeSurvey participant|LimeSurvey participants} matched\n',
    fr: 'facteur : {matched|participant LimeSurvey retrouvé|participants LimeSurvey retrouvés}\n',
  },
  forgot: {
    en: 'Forgot the bounce history of {address}: {count|event no longer counts|events no longer count} (recorded as done by {actor})\n',
    fr: 'Historique de rebonds de {address} oublié : {count|événement ne compte|événements ne comptent} plus (enregistré comme fait par {actor})\n',
  },
  dryRun: {
    en: 'Dry run: would run {command} with these addresses on stdin\n',
    fr: 'Essai : lancerait {command} avec ces adresses sur son entrée\n',
  },
  ran: { en: 'Ran {command}:\n', fr: 'Lancé {command} :\n' },
  recovered: {
    en: 'removed by an earlier apply, stopped before it recorded it ({at}, {command}); Sympa now says: {message}',
    fr: 'retirée par un apply précédent, arrêté avant de l’enregistrer ({at}, {command}) ; Sympa dit maintenant : {message}',
  },
  removedBefore: {
    en: 'removed {at} by {command}; an import from Sympa that still lists it makes it a member again',
    fr: 'retirée le {at} par {command} ; un import depuis Sympa qui la contient encore la rend de nouveau abonnée',
  },
  confirm: { en: 'Run again with --yes to remove them\n', fr: 'Relancez avec --yes pour les retirer\n' },
  imported: {
    en: 'facteur: {lists|list|lists}, {members|member|members} imported from {source}\n',
    fr: 'facteur : {lists|liste|listes}, {members|abonné importé|abonnés importés} de {source}\n',
  },
  importedFile: {
    en: 'facteur: {list}: {count|member|members} imported from "{file}"\n',
    fr: 'facteur : {list} : {count|abonné importé|abonnés importés} de « {file} »\n',
  },
  included: {
    en: 'facteur: {count|of these addresses comes|of these addresses come} from Sympa data sources ({sources}): sympa del only excludes {count:it|them} from the list, the sources still hold {count:it|them}; fix {count:it|them} there too\n',
    fr: 'facteur : {count|de ces adresses vient|de ces adresses viennent} de sources de données Sympa ({sources}) : sympa del ne fait que {count:l’|les }exclure de la liste, les sources {count:la|les} contiennent toujours ; corrigez-{count:la|les} là aussi\n',
  },
  unnamed: { en: '(unnamed)', fr: '(sans nom)' },
  mailDryRun: {
    en: 'Dry run: would mail {count|message|messages} to {robot} from {from} through {server}; nothing is sent\n',
    fr: 'Essai : enverrait {count|courriel|courriels} à {robot} de la part de {from} par {server} ; rien n’est envoyé\n',
  },
  mailHeading: {
    en: '\n--- message {part}/{parts}: {count|command|commands}\n',
    fr: '\n--- courriel {part}/{parts} : {count|commande|commandes}\n',
  },
  mailConfirm: {
    en: 'Run again with --yes to send them\n',
    fr: 'Relancez avec --yes pour les envoyer\n',
  },
  nothingToMail: {
    en: 'No command to mail to {robot}\n',
    fr: 'Aucune commande à envoyer à {robot}\n',
  },
  mailLine: {
    en: '  {outcome} {messageId}  {count|command|commands}  {reply}\n',
    fr: '  {outcome} {messageId}  {count|commande|commandes}  {reply}\n',
  },
  mailed: {
    en: 'Mailed {sent} of {count|message|messages} to {robot} from {from} through {server}:\n',
    fr: '{sent|courriel envoyé|courriels envoyés} sur {count} à {robot} de la part de {from} par {server} :\n',
  },
  sympaRuns: {
    en: 'Sympa runs the commands when the mail reaches it and reports to {from}. Under its default "del" scenario (owner) a list owner\'s commands run at once; under "auth", or "ownerdkim" and "authdkim" without a DKIM signature Sympa verifies, it mails {from} one confirmation request per address instead\n',
    fr: 'Sympa exécute les commandes à l’arrivée du courriel et en rend compte à {from}. Avec son scénario "del" par défaut (owner), les commandes d’un propriétaire de la liste s’exécutent aussitôt ; avec "auth", ou "ownerdkim" et "authdkim" sans signature DKIM que Sympa vérifie, il envoie plutôt à {from} une demande de confirmation par adresse\n',
  },
  mailedBefore: {
    en: 'mailed {at} in {messageId}',
    fr: 'envoyée le {at} dans {messageId}',
  },
  maybeMailedBefore: {
    en: 'maybe mailed {at} in {messageId} (no reply of the server was recorded)',
    fr: 'peut-être envoyée le {at} dans {messageId} (aucune réponse du serveur n’a été enregistrée)',
  },
  stillMember: {
    en: 'mailed {at} in {messageId}, still a member at a later import',
    fr: 'envoyée le {at} dans {messageId}, toujours membre à un import ultérieur',
  },
  skippedNote: {
    en: '{count|address was|addresses were} mailed before and {count:is|are} not mailed again; --force mails {count:it|them} again\n',
    fr: '{count|adresse a|adresses ont} déjà été {count:envoyée|envoyées} et ne {count:l’est|le sont} pas à nouveau ; --force {count:la|les} renvoie\n',
  },
  unappliedNote: {
    en: '{count|address is still a member|addresses are still members} at an import made after {count:its|their} command was mailed: Sympa did not remove {count:it|them}. Read its reply to {from} (a confirmation to give, a refusal), then use --force to mail {count:it|them} again\n',
    fr: '{count|adresse est toujours membre|adresses sont toujours membres} à un import fait après l’envoi de leur commande : Sympa ne {count:l’a pas retirée|les a pas retirées}. Lisez sa réponse à {from} (une confirmation à donner, un refus), puis --force pour {count:la|les} renvoyer\n',
  },
  stopped: {
    config: {
      en: 'facteur: stopped: {message}; check the smtp and from settings of the send config\n',
      fr: 'facteur : arrêt : {message} ; vérifiez les réglages smtp et from de la configuration d’envoi\n',
    },
    refused: {
      en: 'facteur: stopped: {server} refused the mail: {message}\n',
      fr: 'facteur : arrêt : {server} a refusé le courriel : {message}\n',
    },
    unreachable: {
      en: 'facteur: stopped: cannot reach {server}: {message}; the mails not sent go with the next run\n',
      fr: 'facteur : arrêt : {server} injoignable : {message} ; les courriels non envoyés partiront à la prochaine exécution\n',
    },
    deferred: {
      en: 'facteur: stopped: {server} deferred the mail: {message}; the mails not sent go with the next run\n',
      fr: 'facteur : arrêt : {server} a différé le courriel : {message} ; les courriels non envoyés partiront à la prochaine exécution\n',
    },
    interrupted: {
      en: 'facteur: interrupted: the mails not sent go with the next run\n',
      fr: 'facteur : interrompu : les courriels non envoyés partiront à la prochaine exécution\n',
    },
    uncertain: {
      en: 'facteur: stopped: {message}; the server may have the mail: --force sends it again under the same Message-ID, which Sympa ignores if it has it already\n',
      fr: 'facteur : arrêt : {message} ; le serveur a peut-être le courriel : --force le renvoie sous le même Message-ID, que Sympa ignore s’il l’a déjà\n',
    },
  },
  sympaDelInterrupted: {
    en: 'facteur: interrupted: sympa del was stopped; the addresses marked unknown may or may not be removed (sympa review {list} tells), the next apply reads the list again\n',
    fr: 'facteur : interrompu : sympa del a été arrêté ; les adresses marquées unknown sont peut-être retirées, peut-être pas (sympa review {list} le dit), le prochain apply relit la liste\n',
  },
  preflightFinding: { en: 'facteur: preflight {finding}\n', fr: 'facteur : vérification {finding}\n' },
  preflightRefused: {
    en: 'facteur: nothing mailed: the DNS of {from} would make the mail fail at the list server (fix it, or --skip-preflight to mail anyway)\n',
    fr: 'facteur : rien n’a été envoyé : le DNS de {from} ferait échouer le courriel chez le serveur de listes (corrigez-le, ou --skip-preflight pour l’envoyer quand même)\n',
  },
  sympaDelSkips: {
    en: 'facteur: sympa del would not read {count|address|addresses} as written ("#" starts a comment, a space ends an address): {addresses}; remove {count:it|them} in Sympa\'s web interface\n',
    fr: 'facteur : sympa del ne lirait pas correctement {count|adresse|adresses} (« # » commence un commentaire, une espace termine une adresse) : {addresses} ; retirez-{count:la|les} dans l’interface web de Sympa\n',
  },
  includedItem: {
    en: '           from Sympa data source {source}: excluded from the list, still in the source; fix it there\n',
    fr: '           de la source de données Sympa {source} : exclue de la liste, toujours dans la source ; corrigez-la là\n',
  },
};

/** A data source's name for messages: quoted, or "(unnamed)". */
function sourceName(dataSource: string | null, lang: Lang): string {
  return dataSource === null ? TEXT.unnamed[lang] : JSON.stringify(dataSource);
}

/** Counts the included addresses by data source, for the note that goes with a removal list. */
function includedNote(sources: ReadonlyMap<string, string | null>, lang: Lang): string {
  if (sources.size === 0) return '';
  const bySource = new Map<string, number>();
  for (const source of sources.values()) {
    const name = sourceName(source, lang);
    bySource.set(name, (bySource.get(name) ?? 0) + 1);
  }
  const list = [...bySource].map(([name, count]) => `${name}: ${count}`).join(', ');
  return render(TEXT.included, lang, { count: sources.size, sources: list });
}

function scopeOf(options: DormantCommandOptions): DormantScope {
  if (options.list !== undefined && options.campaign !== undefined)
    throw new InputError({
      en: 'Cannot use --list and --campaign together: choose one scope',
      fr: 'Impossible d’utiliser --list et --campaign ensemble : choisissez un seul périmètre',
    });
  if (options.list !== undefined) return { kind: 'list', list: options.list.toLowerCase() };
  if (options.campaign !== undefined) return { kind: 'campaign', campaign: options.campaign };
  return { kind: 'all' };
}

/**
 * Writes to stdout, waiting when its buffer is full: a million lines must not pile up in memory. A reader gone (stdout
 * destroyed on EPIPE) takes nothing more, and would never drain.
 */
async function write(text: string): Promise<void> {
  if (text === '' || process.stdout.destroyed || process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('close', done);
  });
}

/** What one write to stdout carries, at most about: a Linux pipe's default buffer, so a chunk goes in one write. */
const OUTPUT_CHUNK_CHARS = 65_536;

/** Gathers output into chunks of OUTPUT_CHUNK_CHARS before writing them; `flush` writes what is left. */
function chunkedOutput(): { add(text: string): Promise<void>; flush(): Promise<void> } {
  let pending = '';
  return {
    async add(text) {
      pending += text;
      if (pending.length < OUTPUT_CHUNK_CHARS) return;
      const chunk = pending;
      pending = '';
      await write(chunk);
    },
    async flush() {
      const chunk = pending;
      pending = '';
      await write(chunk);
    },
  };
}

/** Checks the options that only make sense together, before anything is read or written. */
function checkFormat(format: Format, scope: DormantScope, options: DormantCommandOptions): void {
  if ((format === 'sympa' || format === 'sympa-mail') && scope.kind !== 'list')
    throw new InputError({
      en: `Cannot use --format ${format} without --list: Sympa removes members one list at a time`,
      fr: `Impossible d’utiliser --format ${format} sans --list : Sympa retire les abonnés une liste à la fois`,
    });
  if (format === 'limesurvey' && options.limesurvey === undefined)
    throw new InputError({
      en: 'Cannot use --format limesurvey without --limesurvey FILE (the participants export)',
      fr: 'Impossible d’utiliser --format limesurvey sans --limesurvey FICHIER (l’export des participants)',
    });
  if ((options.passwdFile === undefined) !== (options.passwdOut === undefined))
    throw new InputError({
      en: 'Cannot edit a passwd-file without both --passwd-file FILE and --passwd-out NEW',
      fr: 'Impossible de modifier un passwd-file : donnez à la fois --passwd-file FICHIER et --passwd-out NOUVEAU',
    });
  // Before anything is imported, judged or printed: a copy that cannot be written would fail the run at its end.
  if (options.passwdFile !== undefined && options.passwdOut !== undefined)
    checkPasswdFiles(options.passwdFile, options.passwdOut);
  const hasLogins = options.lastLogins !== undefined || options.lastLoginsCsv !== undefined;
  if ((format === 'mailboxes' || options.passwdFile !== undefined) && !hasLogins)
    throw new InputError({
      en: 'Cannot judge hosted mailboxes without --last-logins FILE or --last-logins-csv FILE',
      fr: 'Impossible d’évaluer les boîtes aux lettres hébergées sans --last-logins FICHIER ou --last-logins-csv FICHIER',
    });
  if (options.members !== undefined && scope.kind !== 'list')
    throw new InputError({
      en: 'Cannot import --members without --list: name the list the file belongs to',
      fr: 'Impossible d’importer --members sans --list : indiquez la liste à laquelle appartient le fichier',
    });
  sympaDatabaseOf(options, scope);
}

/** The Sympa database to import from: `--sympa-conf` (wherever sympa.conf puts it) or `--sympa-db` (SQLite). */
function sympaDatabaseOf(options: { sympaDb?: string; sympaConf?: string }, scope: DormantScope): SympaDatabase | null {
  if (options.sympaDb !== undefined && options.sympaConf !== undefined)
    throw new InputError({
      en: 'Cannot use --sympa-db and --sympa-conf together: --sympa-conf names the database itself',
      fr: 'Impossible d’utiliser --sympa-db et --sympa-conf ensemble : --sympa-conf désigne déjà la base de données',
    });
  if (options.sympaDb === undefined && options.sympaConf === undefined) return null;
  // Sympa's tables name a list by name and domain; "name" alone would match one list per domain.
  if (scope.kind === 'list' && !scope.list.includes('@'))
    throw new InputError({
      en: `Cannot import "${scope.list}" from Sympa's database: give --list as list@domain`,
      fr: `Impossible d’importer « ${scope.list} » depuis la base de données de Sympa : donnez --list sous la forme liste@domaine`,
    });
  return options.sympaConf === undefined
    ? { type: 'SQLite', file: options.sympaDb ?? '' }
    : readSympaConf(options.sympaConf);
}

/** The run's settings: command line first, then `facteur.config.json`, then the defaults. */
function settingsOf(options: { config?: string; db?: string; lang?: string; minDays?: number }): {
  dbFile: string;
  lang: Lang;
  config: DormantConfig;
} {
  const file = loadCommandConfig(options.config);
  const dbFile = options.db ?? file.db;
  if (dbFile === undefined)
    throw new InputError({
      en: 'Cannot run facteur dormant without a database: give --db FILE or "db" in the config',
      fr: 'Impossible de lancer facteur dormant sans base de données : donnez --db FICHIER ou « db » dans la configuration',
    });
  const loaded = file.dormant ?? DEFAULT_DORMANT_CONFIG;
  const config: DormantConfig =
    options.minDays === undefined
      ? loaded
      : { ...loaded, bounce: { ...loaded.bounce, minPeriodDays: options.minDays } };
  return { dbFile, lang: langOption(options.lang ?? file.lang), config };
}

/**
 * Opens the database dormant reads. A path that names no file is a typo, or a run before anything was recorded: it
 * would open a new, empty database and find nothing to act on. Only a run that brings data of its own (`brings`:
 * members to import, last logins) starts one.
 */
function openDormantDatabase(dbFile: string, brings: boolean): Db {
  if (brings) return openDatabase(dbFile);
  return openDatabase(dbFile, {
    whenMissing: {
      en: 'record bounces with "facteur bounces fetch --db", or import members with --members, --sympa-db or --sympa-conf',
      fr: 'enregistrez des rebonds avec « facteur bounces fetch --db », ou importez des abonnés avec --members, --sympa-db ou --sympa-conf',
    },
  });
}

/** Imports members from a Sympa file or database before judging, as asked; counts go to stderr. */
async function importMembers(db: Db, scope: DormantScope, options: DormantCommandOptions, now: number, lang: Lang) {
  if (options.members !== undefined && scope.kind === 'list') {
    const count = await importMembersFile(db, options.members, scope.list, now);
    process.stderr.write(render(TEXT.importedFile, lang, { list: scope.list, count, file: options.members }));
  }
  const database = sympaDatabaseOf(options, scope);
  if (database !== null) {
    const counts = await importSympaDatabase(db, database, scope.kind === 'list' ? scope.list : undefined, now);
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    process.stderr.write(
      render(TEXT.imported, lang, {
        lists: counts.size,
        members: total,
        source: sympaDatabasePlace(database)[lang],
      }),
    );
  }
}

/** Runs `facteur dormant` and returns its exit code. */
export async function runDormantCommand(options: DormantCommandOptions): Promise<ExitCode> {
  const format: Format = options.json ? 'json' : options.format;
  const scope = scopeOf(options);
  checkFormat(format, scope, options);
  const { dbFile, lang, config } = settingsOf(options);
  const now = Date.now();
  const brings = [
    options.members,
    options.sympaDb,
    options.sympaConf,
    options.lastLogins,
    options.lastLoginsCsv,
    options.inboxSaved,
  ];
  const db = openDormantDatabase(
    dbFile,
    brings.some((file) => file !== undefined),
  );
  try {
    await importMembers(db, scope, options, now, lang);
    const summary = emptySummary();
    if (options.dns && format !== 'mailboxes') {
      const resolver = createDnsResolver(
        options.resolver ?? [],
        options.timeout,
        options.retries,
        stderrTrace(options.verbose, lang),
      );
      try {
        const probe = await probeScopeDomains(db, scope, resolver, {
          now,
          concurrency: options.concurrency,
          ...(format === 'json' ? {} : { onProgress: progressReporter('dns') }),
        });
        summary.undecidedDomains = probe.unknown.length;
        if (probe.unknown.length > 0) process.stderr.write(renderUndecidedDomains(probe.unknown, lang));
      } finally {
        await resolver.close();
      }
    }
    if (format !== 'mailboxes') summary.removedByApply = countListRemovalsInForce(db, scope);
    await emit(db, format, { scope, config, now, lang, summary, options });
    if (summary.entries > 0) return EXIT.findings;
    return summary.undecidedDomains > 0 ? EXIT.incomplete : EXIT.ok;
  } finally {
    db.close();
  }
}

async function emit(
  db: Db,
  format: Format,
  run: {
    scope: DormantScope;
    config: DormantConfig;
    now: number;
    lang: Lang;
    summary: DormantSummary;
    options: DormantCommandOptions;
  },
): Promise<void> {
  const { scope, config, now, lang, summary, options } = run;
  const hasLogins = options.lastLogins !== undefined || options.lastLoginsCsv !== undefined;
  const entries = dormantEntries(db, {
    scope,
    config,
    now,
    includeStore: format !== 'mailboxes',
    ...(hasLogins
      ? {
          mailboxes: readMailboxActivity(
            {
              ...(options.lastLogins === undefined ? {} : { doveadmDictIter: options.lastLogins }),
              ...(options.lastLoginsCsv === undefined ? {} : { csv: options.lastLoginsCsv }),
            },
            options.inboxSaved,
          ),
        }
      : {}),
  });
  const disable = new Set<string>();
  const reasons = new Map<string, DormantReason>();
  const included = new Map<string, string | null>();
  const unreadByDel: string[] = [];
  const keep = (entry: DormantEntry): void => {
    countEntry(summary, entry);
    if (format === 'sympa' && !isSympaDelAddress(entry.address)) unreadByDel.push(entry.address);
    if (entry.inclusion !== undefined) included.set(entry.address, entry.inclusion.dataSource);
    if (entry.reasons.includes('unused_mailbox')) disable.add(entry.address.toLowerCase());
    if (format === 'limesurvey' && !reasons.has(entry.address))
      reasons.set(entry.address, entry.reasons[0] ?? 'bouncing');
  };
  if (format === 'limesurvey') {
    for await (const entry of entries) keep(entry);
    const { csv, matched, encoding } = await renderLimeSurveyTokens(options.limesurvey ?? '', reasons);
    const notice = encodingNotice(options.limesurvey ?? '', encoding, lang);
    if (notice !== undefined) process.stderr.write(notice);
    await write(csv);
    process.stderr.write(render(TEXT.limesurvey, lang, { matched }));
  } else if (format === 'sympa-mail') {
    const addresses: string[] = [];
    for await (const entry of entries) {
      keep(entry);
      addresses.push(entry.address);
    }
    await write(renderSympaMailCommands(scope.kind === 'list' ? scope.list : '', addresses));
    process.stderr.write(includedNote(included, lang));
  } else {
    const renderer = createDormantRenderer(format satisfies DormantFormat, {
      lang,
      header: {
        generatedAt: new Date(now).toISOString(),
        scope,
        config,
      },
    });
    const output = chunkedOutput();
    await output.add(renderer.start());
    for await (const entry of entries) {
      keep(entry);
      await output.add(renderer.entry(entry));
    }
    await output.add(renderer.end(summary));
    await output.flush();
    if (format === 'sympa') process.stderr.write(includedNote(included, lang));
    if (unreadByDel.length > 0)
      process.stderr.write(
        render(TEXT.sympaDelSkips, lang, {
          count: unreadByDel.length,
          addresses: unreadByDel.map((address) => JSON.stringify(address)).join(', '),
        }),
      );
  }
  if (options.passwdFile !== undefined && options.passwdOut !== undefined) {
    const { disabled } = await disablePasswdUsers(options.passwdFile, options.passwdOut, disable);
    process.stderr.write(render(TEXT.passwd, lang, { file: options.passwdOut, count: disabled.length }));
  }
}

/** `facteur dormant forget ADDRESS`: clears the address's bounce history and records that it did. */
export function runForgetCommand(
  raw: string,
  options: { config?: string; db?: string; note?: string; json: boolean; lang?: string },
): void {
  const { dbFile, lang } = settingsOf(options);
  const address = normaliseEmail(raw);
  if (address === null)
    throw new InputError({
      en: `Cannot forget "${raw}": not an email address`,
      fr: `Impossible d’oublier « ${raw} » : ce n’est pas une adresse électronique`,
    });
  const actor = actorOf();
  const db = openDormantDatabase(dbFile, false);
  try {
    const record = forgetAddress(db, address.toLowerCase(), Date.now(), actor, options.note ?? null);
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ schemaVersion: 1, ...record, forgottenAt: new Date(record.forgottenAt).toISOString() })}\n`
        : render(TEXT.forgot, lang, {
            address: record.address,
            count: record.eventsCleared,
            actor,
          }),
    );
  } finally {
    db.close();
  }
}

/** The options of `facteur dormant apply`, as commander hands them over with `facteur dormant`'s own. */
export type ApplyOptions = DormantCommandOptions & {
  sympa?: string;
  sympaMail?: string;
  sendConfig?: string;
  robot?: string;
  yes: boolean;
  force: boolean;
  skipPreflight: boolean;
  sympaCommand?: string;
};

/** A list as Sympa's commands name it on another host: `name@domain`, the domain naming the robot too. */
const LIST_ADDRESS = /^[^\s@-][^\s@]*@[^\s@]+$/;

/** Checks that the options of `apply` make one way of removing: `sympa del` here, or a mail to Sympa's robot. */
function applyModeOf(options: ApplyOptions): { mode: 'del' | 'mail'; list: string } {
  if ((options.sympa === undefined) === (options.sympaMail === undefined))
    throw new InputError({
      en: 'Cannot apply removals: give either --sympa LIST (runs sympa del on this machine) or --sympa-mail LIST (mails the commands to Sympa)',
      fr: 'Impossible d’appliquer les retraits : donnez soit --sympa LISTE (lance sympa del sur cette machine), soit --sympa-mail LISTE (envoie les commandes à Sympa par courriel)',
    });
  if (options.sympa !== undefined) {
    const mailOnly = [
      ['--send-config', options.sendConfig],
      ['--robot', options.robot],
      ['--force', options.force ? true : undefined],
      ['--skip-preflight', options.skipPreflight ? true : undefined],
    ].flatMap(([name, value]) => (value === undefined ? [] : [name]));
    if (mailOnly.length > 0)
      throw new InputError({
        en: `Cannot use ${mailOnly.join(', ')} with --sympa: only --sympa-mail sends mail`,
        fr: `Impossible d’utiliser ${mailOnly.join(', ')} avec --sympa : seul --sympa-mail envoie des courriels`,
      });
    return { mode: 'del', list: options.sympa.toLowerCase() };
  }
  const list = (options.sympaMail ?? '').toLowerCase();
  if (!LIST_ADDRESS.test(list))
    throw new InputError({
      en: `Cannot mail commands for "${list}": give --sympa-mail as list@domain`,
      fr: `Impossible d’envoyer les commandes pour « ${list} » : donnez --sympa-mail sous la forme liste@domaine`,
    });
  if (options.sendConfig === undefined)
    throw new InputError({
      en: 'Cannot mail Sympa without --send-config FILE: its smtp, from and dkim settings send the mail',
      fr: 'Impossible d’écrire à Sympa sans --send-config FICHIER : ses réglages smtp, from et dkim servent à envoyer le courriel',
    });
  if (options.sympaCommand !== undefined)
    throw new InputError({
      en: 'Cannot use --sympa-command with --sympa-mail: the commands go by mail, no Sympa runs here',
      fr: 'Impossible d’utiliser --sympa-command avec --sympa-mail : les commandes partent par courriel, aucun Sympa ne tourne ici',
    });
  return { mode: 'mail', list };
}

/** Reads the addresses to remove from a list, from the stored observations, and which data sources include them. */
async function applyEntries(
  db: Db,
  list: string,
  options: ApplyOptions,
  settings: { lang: Lang; config: DormantConfig },
): Promise<{ addresses: string[]; included: Map<string, string | null> }> {
  const addresses: string[] = [];
  const included = new Map<string, string | null>();
  await importMembers(db, { kind: 'list', list }, { ...options, list }, Date.now(), settings.lang);
  // The verdicts of the stored observations: apply removes what the last listing showed, it asks DNS nothing.
  for await (const entry of dormantEntries(db, {
    scope: { kind: 'list', list },
    config: settings.config,
    now: Date.now(),
  })) {
    addresses.push(entry.address);
    if (entry.inclusion !== undefined) included.set(entry.address, entry.inclusion.dataSource);
  }
  return { addresses, included };
}

/** Each address's data source, or null when none includes it, for the JSON results. */
function inclusionOf(
  included: ReadonlyMap<string, string | null>,
  address: string,
): { dataSource: string | null } | null {
  return included.has(address) ? { dataSource: included.get(address) ?? null } : null;
}

/** The line under an address that a data source includes: removing it only excludes it from the list. */
function includedLine(included: ReadonlyMap<string, string | null>, address: string, lang: Lang): string {
  return included.has(address)
    ? render(TEXT.includedItem, lang, { source: sourceName(included.get(address) ?? null, lang) })
    : '';
}

/** Who runs apply, for the record of what it removed: the person behind sudo when there is one, not just "root". */
function actorOf(): string {
  return process.env.SUDO_USER ?? userInfo().username;
}

/** A member an earlier apply removed, as apply --sympa reports it beside what this run does. */
function alreadyRemoved(removal: ListRemoval): {
  address: string;
  outcome: 'already_removed';
  message: string | null;
  removedAt: string;
  command: string[];
  inclusion: null;
} {
  return {
    address: removal.address,
    outcome: 'already_removed',
    message: removal.reply,
    removedAt: new Date(removal.removedAt).toISOString(),
    command: removal.command,
    // No longer a member of the list: no data source puts it there as far as the store knows.
    inclusion: null,
  };
}

/** An address an earlier apply removed and died before recording, as this run found it in Sympa. */
interface RecoveredRemoval extends Omit<SympaDelAddressResult, 'outcome'> {
  outcome: 'recovered';
  removedAt: string;
  command: string[];
}

/**
 * What to record of a `sympa del` run: the removals Sympa reported, and those an earlier run asked for and died before
 * recording, which Sympa now refuses as no longer members (`recovered`); the intents Sympa said anything of end, those
 * it said nothing of (a run stopped halfway) stay for the next apply.
 */
function settleRemovals(
  results: readonly SympaDelAddressResult[],
  intents: ReadonlyMap<string, RemovalIntent>,
): { removals: RemovalRecord[]; ended: string[]; recovered: Map<string, RecoveredRemoval> } {
  const removals: RemovalRecord[] = [];
  const ended: string[] = [];
  const recovered = new Map<string, RecoveredRemoval>();
  for (const item of results) {
    const key = item.address.toLowerCase();
    const intent = intents.get(key);
    if (item.outcome === 'removed') removals.push({ address: item.address, reply: item.message });
    else if (item.outcome === 'refused' && intent !== undefined) {
      removals.push({ address: item.address, reply: item.message, asked: { at: intent.startedAt, how: intent } });
      recovered.set(key, {
        ...item,
        outcome: 'recovered',
        removedAt: new Date(intent.startedAt).toISOString(),
        command: [...intent.command],
      });
    } else if (item.outcome === 'refused' || item.outcome === 'invalid') ended.push(item.address);
  }
  return { removals, ended, recovered };
}

/** What follows an address of a `sympa del` run: Sympa's line, or how an earlier run removed it. */
function resultDetail(item: SympaDelAddressResult | RecoveredRemoval, lang: Lang): string {
  if (item.outcome === 'recovered' && 'removedAt' in item)
    return render(TEXT.recovered, lang, {
      at: item.removedAt,
      command: item.command.join(' '),
      message: item.message ?? '',
    });
  return item.message ?? '';
}

/**
 * `apply --sympa`: runs `sympa del --quiet` on this machine and reports each address; the members Sympa reports
 * removed are recorded in the store, and those an earlier apply removed are reported as such, not given to Sympa again.
 */
async function applyBySympaDel(
  db: Db,
  list: string,
  entries: { addresses: string[]; included: Map<string, string | null> },
  options: ApplyOptions,
  lang: Lang,
): Promise<ExitCode> {
  const { addresses, included } = entries;
  const earlier = [...listRemovalsInForce(db, list).values()].map(alreadyRemoved);
  // Removals an earlier run asked of Sympa and died before recording (kill -9 between sympa del and its record): given
  // to Sympa again, as Sympa takes a del of a member already gone as a refusal and changes nothing, so that what it
  // says now settles them.
  const intents = removalIntents(db, list);
  const asked = new Set(addresses.map((address) => address.toLowerCase()));
  const given = [...addresses, ...[...intents.keys()].filter((address) => !asked.has(address))];
  const actor = actorOf();
  // Ctrl-C reaches Sympa too, from the terminal; facteur stays to say what Sympa did before it stopped.
  const result = await withInterrupt((signal) =>
    runSympaDel(list, given, {
      dryRun: !options.yes,
      signal,
      // The intent is on disk before Sympa removes anyone: a crash before the record below leaves it to settle.
      onStart: (command, sent) => {
        recordRemovalIntents(db, list, sent, { method: 'sympa_del', command, actor }, Date.now());
      },
      ...(options.sympaConf === undefined ? {} : { sympaConf: options.sympaConf }),
      ...(options.sympaCommand === undefined ? {} : { sympaCommand: options.sympaCommand.split(' ').filter(Boolean) }),
    }),
  );
  const settled = settleRemovals(result.results, intents);
  // What Sympa said it removed is so, even in a run stopped halfway: recorded before anything is printed.
  recordListRemovals(
    db,
    list,
    settled.removals,
    { method: 'sympa_del', command: result.command, actor },
    Date.now(),
    settled.ended,
  );
  const results = result.results.map((item) => settled.recovered.get(item.address.toLowerCase()) ?? item);
  if (options.json) {
    // Each address says whether a data source holds it (null when none does): removing it only excludes it.
    const all = [...results.map((item) => ({ ...item, inclusion: inclusionOf(included, item.address) })), ...earlier];
    await write(`${JSON.stringify({ schemaVersion: 1, ...result, results: all }, null, 2)}\n`);
  } else {
    await write(render(result.isDryRun ? TEXT.dryRun : TEXT.ran, lang, { command: result.command.join(' ') }));
    for (const item of results)
      await write(
        `  ${item.outcome.padEnd(8)} ${item.address}  ${resultDetail(item, lang)}`.trimEnd() +
          '\n' +
          includedLine(included, item.address, lang),
      );
    for (const item of earlier)
      await write(
        `  ${item.outcome} ${item.address}  ${render(TEXT.removedBefore, lang, { at: item.removedAt, command: item.command.join(' ') })}\n`,
      );
    if (result.isDryRun && result.results.length > 0) await write(TEXT.confirm[lang]);
  }
  if (result.stopped !== null) {
    process.stderr.write(render(TEXT.sympaDelInterrupted, lang, { list }));
    return EXIT.interrupted;
  }
  const failed = results.some((item) => !['planned', 'removed', 'recovered'].includes(item.outcome));
  return failed ? EXIT.findings : EXIT.ok;
}

/** What the person reads about one address of a mail run. */
function mailResultLine(item: SympaMailAddressResult, lang: Lang): string {
  const previous = item.previous;
  let detail = item.messageId ?? '';
  if (previous !== null && (item.outcome === 'skipped' || item.outcome === 'unapplied')) {
    const values = { at: previous.at, messageId: previous.messageId };
    const text =
      item.outcome === 'unapplied'
        ? TEXT.stillMember
        : previous.state === 'sent'
          ? TEXT.mailedBefore
          : TEXT.maybeMailedBefore;
    detail = render(text, lang, values);
  }
  return `  ${item.outcome.padEnd(9)} ${item.address}${detail === '' ? '' : `  ${detail}`}\n`;
}

/** Prints a mail run for people: the mails in full in a dry run, each mail's reply otherwise, then each address. */
async function writeMailResult(
  result: SympaMailResult,
  included: ReadonlyMap<string, string | null>,
  lang: Lang,
): Promise<void> {
  const values = { count: result.messages.length, robot: result.robot, from: result.from, server: result.server };
  const sent = result.messages.filter((message) => message.outcome === 'sent').length;
  if (result.messages.length === 0) await write(render(TEXT.nothingToMail, lang, values));
  else if (result.isDryRun) {
    await write(render(TEXT.mailDryRun, lang, values));
    for (const [index, message] of result.messages.entries()) {
      await write(
        render(TEXT.mailHeading, lang, {
          part: index + 1,
          parts: result.messages.length,
          count: message.addresses.length,
        }),
      );
      const head = `MAIL FROM:<${message.envelope.from}>\nRCPT TO:<${message.envelope.to}>\n${message.headers.join('\n')}`;
      await write(`${head}\n\n${message.body}\n`.replace(/\r\n/g, '\n'));
    }
  } else {
    await write(render(TEXT.mailed, lang, { ...values, sent }));
    for (const message of result.messages)
      await write(
        render(TEXT.mailLine, lang, {
          outcome: message.outcome.padEnd(9),
          messageId: message.messageId,
          count: message.addresses.length,
          reply: message.reply ?? '',
        }),
      );
  }
  for (const item of result.results)
    await write(mailResultLine(item, lang) + includedLine(included, item.address, lang));
  const skipped = result.results.filter((item) => item.outcome === 'skipped').length;
  if (skipped > 0) await write(render(TEXT.skippedNote, lang, { count: skipped }));
  const unapplied = result.results.filter((item) => item.outcome === 'unapplied').length;
  if (unapplied > 0) await write(render(TEXT.unappliedNote, lang, { count: unapplied, from: result.from }));
  if (result.isDryRun && result.messages.length > 0) await write(TEXT.mailConfirm[lang]);
  if (sent > 0) await write(render(TEXT.sympaRuns, lang, values));
}

/** Outcomes that leave an address to act on: never mailed as it is, refused by the server, or not run by Sympa. */
const MAIL_FINDINGS: readonly SympaMailOutcome[] = ['invalid', 'refused', 'unapplied'];

/** What `apply --sympa-mail` sends with, read and checked before anything is imported or sent. */
function mailSettingsOf(options: ApplyOptions, list: string, lang: Lang): { config: SympaMailConfig; robot: string } {
  const config = loadSympaMailConfig(options.sendConfig ?? '');
  const robot = options.robot ?? `sympa@${list.slice(list.lastIndexOf('@') + 1)}`;
  if (normaliseEmail(robot) !== robot)
    throw new InputError(
      {
        en: `Cannot mail Sympa's robot at "${robot}": not an email address`,
        fr: `Impossible d’écrire au robot de Sympa à « ${robot} » : ce n’est pas une adresse électronique`,
      },
      { address: robot },
    );
  for (const warning of config.warnings) process.stderr.write(`${noticePrefix(lang)}${warning[lang]}\n`);
  return { config, robot };
}

/** The DNS preflight of the owner's mail: its findings and their counts. */
type MailPreflight = { findings: PreflightFinding[]; summary: PreflightReport['summary'] };

/**
 * What the list server will check of the owner's mail, in DNS, before it leaves: SPF of the owner's domain for the
 * server's sendingIps, the DKIM key published for the private key, and that the owner's domain receives Sympa's
 * replies. Each finding goes to stderr; the JSON output carries them too.
 */
async function preflightSympaMail(config: SympaMailConfig, options: ApplyOptions, lang: Lang): Promise<MailPreflight> {
  const resolver = createDnsResolver(
    options.resolver ?? [],
    options.timeout,
    options.retries,
    stderrTrace(options.verbose, lang),
  );
  try {
    const { domain } = config.from;
    const identity = {
      envelopeDomain: domain,
      sendingIps: config.smtp.sendingIps,
      fromDomain: domain,
      dkim: config.dkim,
    };
    const findings = await preflightSender(identity, resolver, lang);
    for (const finding of findings)
      process.stderr.write(render(TEXT.preflightFinding, lang, { finding: preflightFindingText(finding, lang) }));
    return { findings, summary: preflightSummary(findings) };
  } finally {
    await resolver.close();
  }
}

/** `apply --sympa-mail`: mails the commands to Sympa's robot through the organisation's server. */
async function applyBySympaMail(
  db: Db,
  list: string,
  entries: { addresses: string[]; included: Map<string, string | null> },
  settings: {
    config: SympaMailConfig;
    robot: string;
    preflight: MailPreflight;
  },
  options: ApplyOptions,
  lang: Lang,
): Promise<ExitCode> {
  const { config, robot, preflight } = settings;
  const trace = stderrTrace(options.verbose, lang);
  const result = await withInterrupt((signal) =>
    sendSympaMail({
      db,
      config,
      list,
      robot,
      addresses: entries.addresses,
      isDryRun: !options.yes,
      force: options.force,
      lang,
      signal,
      ...(trace === undefined ? {} : { trace }),
    }),
  );
  const { included } = entries;
  if (options.json) {
    const results = result.results.map((item) => ({ ...item, inclusion: inclusionOf(included, item.address) }));
    await write(`${JSON.stringify({ schemaVersion: 1, ...result, results, preflight }, null, 2)}\n`);
  } else await writeMailResult(result, included, lang);
  process.stderr.write(includedNote(included, lang));
  if (result.stopped !== null)
    process.stderr.write(
      render(TEXT.stopped[result.stopped.reason], lang, { ...result.stopped, server: result.server }),
    );
  if (result.stopped?.reason === 'config') return EXIT.usage;
  if (result.stopped?.reason === 'interrupted') return EXIT.interrupted;
  if (result.results.some((item) => MAIL_FINDINGS.includes(item.outcome))) return EXIT.findings;
  return result.stopped === null ? EXIT.ok : EXIT.incomplete;
}

/** The refusal of an apply on a list another live apply holds: which process, so the admin knows what to wait for. */
function applyLocked(list: string, pid: number): InputError {
  let holder = 'facteur dormant apply';
  try {
    holder = commandOf(pid);
  } catch {
    // /proc does not tell (another system, the process just gone): the lock was taken by an apply all the same.
  }
  return new InputError(
    {
      en: `Cannot apply removals to "${list}": "${holder}" (pid ${pid}) is applying removals to it; run again once it is done`,
      fr: `Impossible d’appliquer les retraits à « ${list} » : « ${holder} » (pid ${pid}) est en train de les appliquer ; relancez quand il aura fini`,
    },
    { list },
    'ELOCKED',
  );
}

/** `facteur dormant apply`: removes the listed members from a Sympa list, or says what it would remove. */
export async function runApplyCommand(options: ApplyOptions): Promise<void> {
  const { mode, list } = applyModeOf(options);
  const { dbFile, lang, config } = settingsOf(options);
  const settings = mode === 'mail' ? mailSettingsOf(options, list, lang) : null;
  const mail =
    settings === null ? null : { ...settings, preflight: await preflightSympaMail(settings.config, options, lang) };
  if (mail !== null && mail.preflight.summary.errors > 0 && options.yes && !options.skipPreflight) {
    process.stderr.write(render(TEXT.preflightRefused, lang, { from: mail.config.from.address }));
    if (options.json)
      await write(`${JSON.stringify({ schemaVersion: 1, refused: true, preflight: mail.preflight }, null, 2)}\n`);
    process.exitCode = EXIT.findings;
    return;
  }
  const imports = [options.members, options.sympaDb, options.sympaConf];
  const db = openDormantDatabase(
    dbFile,
    imports.some((file) => file !== undefined),
  );
  try {
    // A second apply on the list refuses rather than waits: it would find nothing left to do once the first is
    // done, and an admin who started it by hand is better told at once who is at work on the list.
    const holder = acquireApplyLock(db, list, process.pid, isProcessAlive, Date.now());
    if (holder !== null) throw applyLocked(list, holder);
    try {
      const entries = await applyEntries(db, list, options, { lang, config });
      process.exitCode =
        mail === null
          ? await applyBySympaDel(db, list, entries, options, lang)
          : await applyBySympaMail(db, list, entries, mail, options, lang);
    } finally {
      releaseApplyLock(db, list, process.pid);
    }
  } finally {
    db.close();
  }
}
