import type { Command } from 'commander';
import { displayDomain } from '../../report/display-domain.js';
import { findingTitle } from '../../checks/finding-title.js';
import type { DomainResult } from '../../checks/run-checks.js';
import type { Finding, Severity } from '../../checks/types.js';
import { acknowledgeChanges, type AckedDomainChanges, type AckedRunDiff } from '../../commands/build-report.js';
import { diffRuns, fillUndecided, type RunDiff } from '../../commands/diff-runs.js';
import { InputError } from '../../errors.js';
import { render, type Lang, type Text } from '../../i18n.js';
import { activeAcks } from '../../store/acks.js';
import { openDatabase, readSnapshot, type Db } from '../../store/database.js';
import {
  getRun,
  latestCompleteRunBefore,
  latestCompleteRuns,
  latestRun,
  loadRunFindings,
  runUncheckedDomains,
  type RunInfo,
  type UncheckedDomainRow,
} from '../../store/history.js';
import { EXIT } from '../exit-codes.js';
import { findFinding } from './explain.js';
import { addHistoryOptions, historySettings, type HistoryCommandOptions } from '../history-options.js';
import { colon } from '../../report/render-report-labels.js';
import { readableTime } from '../../report/render-report-text.js';
import { OPTION_HELP } from '../options.js';
import { invalidValue } from '../usage-error.js';
import { plainText } from '../../plain-text.js';
import { noticePrefix } from '../notice-prefix.js';

/** Where `facteur changes` looks for the history when neither --db nor the config's `db` says. */

/** The baseline of a comparison: a run id, or a date (the state as of that date). */
export type Since = { runId: number } | { date: Date };

/** A run as `changes` shows it. */
export interface RunSummary {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  findings: Record<Severity, number>;
}

/** What `facteur changes --json` prints. */
export interface ChangesReport extends AckedRunDiff {
  schemaVersion: 1;
  /** Null when there is nothing to compare with (fewer than two complete runs). */
  previousRun: RunSummary | null;
  currentRun: RunSummary | null;
  /** A run newer than `currentRun` left running or incomplete (killed, interrupted), which this comparison ignores. */
  ignoredRun: IgnoredRun | null;
}

/**
 * A run left out of a comparison, with the domains it never started when it was stopped (Ctrl-C, SIGTERM), in the
 * order it was given them: empty when it started them all, null when that is not known (killed, still running, or
 * recorded by an older facteur).
 */
export type IgnoredRun = RunSummary & { status: RunInfo['status']; uncheckedDomains: UncheckedDomainRow[] | null };

/** Parses `--since`: digits are a run id, anything else must be a date or an ISO 8601 timestamp. */
export function parseSince(value: string): Since {
  if (/^\d+$/.test(value)) return { runId: Number(value) };
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) throw invalidValue('runOrDate', value);
  return { date: new Date(time) };
}

function summarise(run: RunInfo): RunSummary {
  return { id: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, findings: run.findings };
}

/** Picks the baseline run: the one named, the latest complete one before the date, or the one before the latest. */
function baselineRun(db: ReturnType<typeof openDatabase>, path: string, since: Since | undefined): RunInfo | undefined {
  if (since === undefined) return latestCompleteRuns(db, 2)[1];
  if ('date' in since) {
    const run = latestCompleteRunBefore(db, since.date);
    if (run === undefined) {
      throw new InputError(
        {
          en: `Cannot compare with "${since.date.toISOString()}": no complete run started before it`,
          fr: `Impossible de comparer avec « ${since.date.toISOString()} » : aucun passage complet n’a commencé avant`,
        },
        { file: path },
      );
    }
    return run;
  }
  const run = getRun(db, since.runId);
  if (run === undefined)
    throw new InputError(
      {
        en: `Cannot compare with run ${since.runId}: no such run`,
        fr: `Impossible de comparer avec le passage ${since.runId} : ce passage n’existe pas`,
      },
      { file: path },
    );
  if (run.status !== 'complete') {
    throw new InputError(
      {
        en: `Cannot compare with run ${since.runId}: it is ${run.status}, not complete`,
        fr: `Impossible de comparer avec le passage ${since.runId} : il est ${run.status === 'running' ? 'en cours' : 'incomplet'}, pas complet`,
      },
      { file: path },
    );
  }
  return run;
}

/**
 * How many older runs may fill the parts the baseline could not decide: a week covers a resolver down for days; past
 * that, a finding is compared as unknown (carried), never as new.
 */
const MAX_FILL_RUNS = 7;

/** Loads the baseline run, its undecided parts filled from up to MAX_FILL_RUNS older complete runs. */
/** The finding ids a run was told to ignore (`check --ignore`, `check.ignore`), as it recorded them. */
function ignoredIds(run: RunInfo | undefined): Set<string> {
  const ignore = (run?.options as { ignore?: unknown } | null | undefined)?.ignore;
  return new Set(Array.isArray(ignore) ? ignore.filter((id): id is string => typeof id === 'string') : []);
}

/**
 * The baseline without the findings tonight's run ignores: an id the hoster has just chosen to ignore is not fixed,
 * and reporting every member's as resolved the next morning would drown what did change.
 */
function withoutIgnored(baseline: DomainResult[], current: RunInfo | undefined): DomainResult[] {
  const ignored = ignoredIds(current);
  if (ignored.size === 0) return baseline;
  return baseline.map((domain) => ({
    ...domain,
    checks: domain.checks.map((check) => ({
      ...check,
      findings: check.findings.filter((finding) => !ignored.has(finding.id)),
    })),
  }));
}

function loadBaseline(db: Db, run: RunInfo, filter: { member?: string }): DomainResult[] {
  let baseline = loadRunFindings(db, run.id, filter);
  let older = run;
  for (let step = 0; step < MAX_FILL_RUNS; step++) {
    const isDecided = baseline.every((domain) => domain.checks.every((check) => check.unknown.length === 0));
    if (isDecided) break;
    const next = latestCompleteRunBefore(db, new Date(older.startedAt));
    if (next === undefined) break;
    baseline = fillUndecided(baseline, loadRunFindings(db, next.id, filter));
    older = next;
  }
  return baseline;
}

/** Opens a history database for reading, with a clear error when it is missing or unreadable. */
export function openHistory(path: string): Db {
  return openDatabase(path, {
    readonly: true,
    whenMissing: {
      en: 'record a run with "facteur check --db" first',
      fr: 'enregistrez d’abord un passage avec « facteur check --db »',
    },
  });
}

/** The latest complete run, its baseline, and their loaded results (one member's only when `member` is given). */
export interface RunComparison {
  current: RunInfo | undefined;
  previous: RunInfo | undefined;
  currentDomains: DomainResult[];
  diff: RunDiff | null;
}

/** Loads the latest complete run and compares it with its baseline; a domain loaded once serves both uses. */
export function compareRuns(db: Db, path: string, options: { since?: Since; member?: string } = {}): RunComparison {
  const filter = options.member === undefined ? {} : { member: options.member };
  const current = latestCompleteRuns(db, 1)[0];
  const previous = current === undefined ? undefined : baselineRun(db, path, options.since);
  // A run compared with itself would say "nothing changed" of any night: the date or run given is too recent.
  if (current !== undefined && previous?.id === current.id)
    throw new InputError(
      {
        en: `Cannot compare run ${current.id} with itself: it is the latest complete run; give an earlier run or date to --since`,
        fr: `Impossible de comparer le passage ${current.id} avec lui-même : c’est le dernier passage complet ; donnez à --since un passage ou une date antérieurs`,
      },
      { file: path },
    );
  const currentDomains = current === undefined ? [] : loadRunFindings(db, current.id, filter);
  const baseline = previous === undefined ? null : withoutIgnored(loadBaseline(db, previous, filter), current);
  const diff = baseline === null ? null : diffRuns(baseline, currentDomains);
  return { current, previous, currentDomains, diff };
}

/**
 * Compares the latest complete run with a baseline; reads the database in one snapshot and never writes to it. New
 * or worsened findings that an ack covers on `now` are listed as acknowledged, not as regressions.
 */
export function computeChanges(options: { db: string; since?: Since; now?: Date }): ChangesReport {
  const db = openHistory(options.db);
  try {
    return readSnapshot(db, (): ChangesReport => {
      const { current, previous, diff } = compareRuns(db, options.db, {
        ...(options.since === undefined ? {} : { since: options.since }),
      });
      const acked = acknowledgeChanges(diff ?? diffRuns([], []), activeAcks(db, options.now ?? new Date()));
      return {
        schemaVersion: 1,
        previousRun: previous === undefined ? null : summarise(previous),
        currentRun: current === undefined ? null : summarise(current),
        ignoredRun: ignoredRun(db),
        ...acked,
      };
    });
  } finally {
    db.close();
  }
}

const TEXTS = {
  header: {
    en: 'Changes from run {previous} ({previousAt}) to run {current} ({currentAt})',
    fr: 'Changements entre le passage {previous} ({previousAt}) et le passage {current} ({currentAt})',
  },
  nothingToCompare: {
    en: 'Nothing to compare yet: the database holds {count|complete run|complete runs}, two are needed',
    fr: 'Rien à comparer pour l’instant : la base contient {count|passage complet|passages complets}, il en faut deux',
  },
  noChange: { en: 'Nothing changed', fr: 'Aucun changement' },
  noMember: { en: '(no member)', fr: '(sans adhérent)' },
  new: { en: 'NEW', fr: 'NOUVEAU' },
  worsened: { en: 'WORSE', fr: 'AGGRAVÉ' },
  improved: { en: 'BETTER', fr: 'AMÉLIORÉ' },
  resolved: { en: 'FIXED', fr: 'CORRIGÉ' },
  carriedCurrent: { en: 'UNDECIDED TONIGHT, KEPT', fr: 'INDÉCIS CETTE NUIT, CONSERVÉ' },
  carriedPrevious: { en: 'UNDECIDED BEFORE, KEPT', fr: 'INDÉCIS AUPARAVANT, CONSERVÉ' },
  firstSeen: { en: 'FIRST AUDIT', fr: 'PREMIER AUDIT' },
  acknowledged: {
    en: 'ACKNOWLEDGED UNTIL {until} ({note})',
    fr: 'PRIS EN COMPTE JUSQU’AU {until} ({note})',
  },
  ignored: {
    en: 'Warning: run {id} started at {startedAt} is {status} and was ignored',
    fr: 'Attention : le passage {id} commencé le {startedAt} est {status} et a été ignoré',
  },
  unchecked: {
    en: 'It was stopped before checking {count|domain|domains}: {domains}',
    fr: 'Il a été arrêté avant de vérifier {count|domaine|domaines} : {domains}',
  },
  moreUnchecked: {
    en: '{domains} and {count|other|others} (--json lists them all)',
    fr: '{domains} et {count|autre|autres} (--json les donne tous)',
  },
  removed: { en: 'No longer checked: {domains}', fr: 'Plus vérifiés : {domains}' },
  summary: {
    en: '{new} new, {worsened} worse, {acknowledged} acknowledged, {improved} better, {resolved} fixed, {carried} kept while undecided, {firstSeen} on new domains, {unchanged} unchanged',
    fr: '{new|nouveau|nouveaux}, {worsened|aggravé|aggravés}, {acknowledged} pris en compte, {improved|amélioré|améliorés}, {resolved|corrigé|corrigés}, {carried|conservé|conservés} faute de réponse, {firstSeen} sur de nouveaux domaines, {unchanged|inchangé|inchangés}',
  },
} satisfies Record<string, Text>;

const STATUS_INCOMPLETE: Text = { en: 'incomplete', fr: 'incomplet' };

const SEVERITY: Record<Severity, Text> = {
  error: { en: 'ERROR', fr: 'ERREUR' },
  warning: { en: 'WARNING', fr: 'AVERTISSEMENT' },
  info: { en: 'INFO', fr: 'INFO' },
};

function findingLine(label: string, severity: string, finding: Finding, lang: Lang): string[] {
  const subject = finding.subject === '' ? '' : ` [${finding.subject}]`;
  const title = findingTitle(finding, findFinding(finding.id)?.meta, lang);
  return [`    ${label} ${severity} ${finding.id}${subject}${colon(lang)}${title}`, `        ${finding.docs}`];
}

function domainLines(changes: AckedDomainChanges, lang: Lang): string[] {
  const lines = [`  ${displayDomain(changes.domain)}`];
  const severity = (finding: Finding): string => SEVERITY[finding.severity][lang];
  for (const finding of changes.new) lines.push(...findingLine(TEXTS.new[lang], severity(finding), finding, lang));
  for (const change of [...changes.worsened, ...changes.improved]) {
    const label = changes.worsened.includes(change) ? TEXTS.worsened[lang] : TEXTS.improved[lang];
    const severities = `${SEVERITY[change.previousSeverity][lang]} → ${severity(change.finding)}`;
    lines.push(...findingLine(label, severities, change.finding, lang));
  }
  for (const { finding, ack } of changes.acknowledged) {
    lines.push(...findingLine(render(TEXTS.acknowledged, lang, { ...ack }), severity(finding), finding, lang));
  }
  for (const finding of changes.resolved)
    lines.push(...findingLine(TEXTS.resolved[lang], severity(finding), finding, lang));
  for (const { finding, unknownIn } of changes.carried) {
    const label = unknownIn === 'current' ? TEXTS.carriedCurrent[lang] : TEXTS.carriedPrevious[lang];
    lines.push(...findingLine(label, severity(finding), finding, lang));
  }
  for (const finding of changes.firstSeen) {
    lines.push(...findingLine(TEXTS.firstSeen[lang], severity(finding), finding, lang));
  }
  return lines;
}

/** Renders the changes for people, grouped by member then domain, regressions first within a domain. */
export function renderChangesText(report: ChangesReport, lang: Lang): string {
  const { previousRun, currentRun } = report;
  if (previousRun === null || currentRun === null) {
    return `${render(TEXTS.nothingToCompare, lang, { count: currentRun === null ? 0 : 1 })}\n`;
  }
  const lines = [
    render(TEXTS.header, lang, {
      previous: previousRun.id,
      previousAt: readableTime(previousRun.startedAt),
      current: currentRun.id,
      currentAt: readableTime(currentRun.startedAt),
    }),
  ];
  let member: string | null | undefined;
  for (const changes of report.domains) {
    if (changes.member !== member || lines.length === 1) {
      member = changes.member;
      lines.push(member ?? TEXTS.noMember[lang]);
    }
    lines.push(...domainLines(changes, lang));
  }
  if (report.domains.length === 0) lines.push(TEXTS.noChange[lang]);
  if (report.removedDomains.length > 0) {
    const domains = report.removedDomains.map(({ domain, member: owner }) =>
      owner === null ? domain : `${domain} (${owner})`,
    );
    lines.push(render(TEXTS.removed, lang, { domains: domains.join(', ') }));
  }
  lines.push(render(TEXTS.summary, lang, report.summary));
  return plainText(`${lines.join('\n')}\n`);
}

/** How many unchecked domains the warning names; --json lists them all. */
const UNCHECKED_SHOWN = 20;

/**
 * A killed or interrupted last night must not pass silently in the cron mail: says it on stderr, with the domains an
 * interrupted run never checked, which tonight's run may be the first to check again.
 */
export function warnIgnoredRun(ignored: ChangesReport['ignoredRun'], lang: Lang): void {
  if (ignored === null) return;
  process.stderr.write(renderIgnoredRun(ignored, lang));
}

/** The warning lines of warnIgnoredRun(), each after facteur's prefix: the run, then the first domains it never checked. */
export function renderIgnoredRun(ignored: IgnoredRun, lang: Lang): string {
  const status = ignored.status === 'running' ? { en: 'still running', fr: 'encore en cours' } : STATUS_INCOMPLETE;
  const lines = [
    render(TEXTS.ignored, lang, { id: ignored.id, startedAt: readableTime(ignored.startedAt), status: status[lang] }),
  ];
  const unchecked = ignored.uncheckedDomains ?? [];
  if (unchecked.length > 0) {
    const named = unchecked
      .slice(0, UNCHECKED_SHOWN)
      .map(({ domain, member }) => (member === null ? domain : `${domain} (${member})`))
      .join(', ');
    const more = unchecked.length - UNCHECKED_SHOWN;
    const domains = more > 0 ? render(TEXTS.moreUnchecked, lang, { domains: named, count: more }) : named;
    lines.push(render(TEXTS.unchecked, lang, { count: unchecked.length, domains }));
  }
  return lines.map((line) => `${noticePrefix(lang)}${line}\n`).join('');
}

/** The newest run when it is not complete (killed, interrupted or still running): what `changes` and `report` skip. */
export function ignoredRun(db: Db): ChangesReport['ignoredRun'] {
  const newest = latestRun(db);
  if (newest === undefined || newest.status === 'complete') return null;
  return { ...summarise(newest), status: newest.status, uncheckedDomains: runUncheckedDomains(db, newest.id) };
}

/** The help of `facteur changes`. */
const HELP = {
  description: {
    en: 'What changed between the last two complete check runs (or since a run or a date), per member',
    fr: 'Ce qui a changé entre les deux derniers passages complets de « check » (ou depuis un passage ou une date), par adhérent',
  },
  since: {
    en: 'compare with this run id, or with the state as of this date (YYYY-MM-DD)',
    fr: 'comparer avec ce numéro de passage, ou avec l’état à cette date (AAAA-MM-JJ)',
  },
} satisfies Record<string, Text>;

/**
 * Adds `changes [--db FILE] [--since RUN_ID|DATE] [--json] [--lang en|fr]`, its help in `helpLang`; exits 1 only when
 * something regressed.
 */
export function registerChanges(program: Command, helpLang: Lang): void {
  addHistoryOptions(program.command('changes'), helpLang)
    .description(HELP.description[helpLang])
    .option('--since <run|date>', HELP.since[helpLang], parseSince)
    .option('--json', OPTION_HELP.json[helpLang], false)
    .action((options: HistoryCommandOptions & { since?: Since; json: boolean }) => {
      const { db, lang } = historySettings(options);
      const report = computeChanges({
        db,
        ...(options.since === undefined ? {} : { since: options.since }),
      });
      warnIgnoredRun(report.ignoredRun, lang);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderChangesText(report, lang));
      process.exitCode = report.hasRegression ? EXIT.findings : EXIT.ok;
    });
}
