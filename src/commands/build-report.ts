import { findingTitle } from '../checks/finding-title.js';
import type { DomainResult } from '../checks/run-checks.js';
import type { CheckResult, FindingMeta, Finding, Severity } from '../checks/types.js';
import { undecidedParts, type UndecidedPart } from '../checks/undecided.js';
import type { Lang } from '../i18n.js';
import type { Ack } from '../store/acks.js';
import { ackKey } from '../store/acks.js';
import type { RunCounts } from '../store/history.js';
import type { DomainChanges, RunDiff, SeverityChange } from './diff-runs.js';

/** The ack a finding is silenced by, as reports show it. */
export interface AckNote {
  until: string;
  note: string;
}

/** A new or worsened finding that an ack covers: reported as acknowledged, never as an alert. */
export interface AcknowledgedChange {
  finding: Finding;
  /** Set when the finding was there before with a lower severity. */
  previousSeverity: Severity | null;
  ack: AckNote;
}

/** One domain's changes once acks are applied. */
export interface AckedDomainChanges extends DomainChanges {
  acknowledged: AcknowledgedChange[];
}

/** A run diff once acks are applied: regressions covered by an ack no longer count as regressions. */
export interface AckedRunDiff extends Omit<RunDiff, 'domains' | 'summary'> {
  domains: AckedDomainChanges[];
  summary: RunDiff['summary'] & { acknowledged: number };
}

/** Moves the new and worsened findings an active ack covers out of the alerts; `hasRegression` follows. */
export function acknowledgeChanges(diff: RunDiff, acks: ReadonlyMap<string, Ack>): AckedRunDiff {
  const summary = { ...diff.summary, acknowledged: 0 };
  const noteOf = (finding: Finding): AckNote | undefined => {
    const ack = acks.get(ackKey(finding.domain, finding.id));
    return ack === undefined ? undefined : { until: ack.until, note: ack.note };
  };
  const domains = diff.domains.map((changes): AckedDomainChanges => {
    const acknowledged: AcknowledgedChange[] = [];
    const fresh = changes.new.filter((finding) => {
      const ack = noteOf(finding);
      if (ack !== undefined) acknowledged.push({ finding, previousSeverity: null, ack });
      return ack === undefined;
    });
    const worsened = changes.worsened.filter((change: SeverityChange) => {
      const ack = noteOf(change.finding);
      if (ack !== undefined)
        acknowledged.push({ finding: change.finding, previousSeverity: change.previousSeverity, ack });
      return ack === undefined;
    });
    summary.new -= changes.new.length - fresh.length;
    summary.worsened -= changes.worsened.length - worsened.length;
    summary.acknowledged += acknowledged.length;
    return { ...changes, new: fresh, worsened, acknowledged };
  });
  return { ...diff, domains, summary, hasRegression: summary.new + summary.worsened > 0 };
}

/** The state of one check on one domain in the report's table. */
export type CellState = 'pass' | 'fail' | 'unknown' | 'acked';

/** A finding as a report explains it. */
export interface ReportProblem {
  id: string;
  check: string;
  severity: Severity;
  subject: string;
  /** The finding's one-line title, in the language of the run that found it. */
  message: string;
  /** What is wrong and why it matters, in the report's language (empty for an id this facteur does not know). */
  explanation: string;
  /** What to do, in the report's language. */
  remediation: string;
  suggestedRecord: string | null;
  docs: string;
  evidence: Record<string, unknown>;
  ack: AckNote | null;
}

/** One domain in a report. */
export interface ReportDomain {
  domain: string;
  member: string | null;
  /** One cell per check of `checks`, in that order. */
  cells: CellState[];
  /** Problems not acknowledged, worst first. */
  problems: ReportProblem[];
  acknowledged: ReportProblem[];
  /** `cause` is null for results recorded before facteur kept it. */
  undecided: UndecidedPart[];
  counts: Record<Severity, number>;
}

/** One line of "what changed since the previous night". */
export interface ReportChange {
  kind: 'new' | 'worsened' | 'improved' | 'resolved' | 'acknowledged';
  domain: string;
  member: string | null;
  id: string;
  subject: string;
  severity: Severity;
  previousSeverity: Severity | null;
  message: string;
}

/** The run a report reads. */
export interface ReportRun {
  id: number;
  startedAt: string;
}

/** The report for one member: their domains, their problems explained, their acks and changes. */
export interface MemberReport {
  schemaVersion: 1;
  kind: 'member';
  lang: Lang;
  member: string;
  run: ReportRun;
  previousRun: ReportRun | null;
  checks: string[];
  domains: ReportDomain[];
  changes: ReportChange[];
}

/** The summary for the hoster's admins. */
export interface SummaryReport {
  schemaVersion: 1;
  kind: 'summary';
  lang: Lang;
  run: ReportRun;
  previousRun: ReportRun | null;
  checks: string[];
  totals: { domains: number; members: number; acknowledged: number; undecided: number } & Record<Severity, number>;
  changeCounts: AckedRunDiff['summary'];
  changes: ReportChange[];
  worstDomains: { domain: string; member: string | null; counts: Record<Severity, number> }[];
  /** Findings by severity per complete run, oldest first: the plot. */
  history: RunCounts[];
  /** Every ack, with whether it still applies on the run's day. */
  acks: (Ack & { isActive: boolean })[];
  domains: ReportDomain[];
}

/** What the report builder reads. */
export interface ReportInput {
  lang: Lang;
  run: ReportRun;
  previousRun: ReportRun | null;
  /** The run's domains (one member's, or all). */
  domains: readonly DomainResult[];
  /** The diff with the previous run, acks applied; null when there is no previous run. */
  diff: AckedRunDiff | null;
  acks: readonly Ack[];
  /** Tells whether an ack applies on the run's day. */
  isActive: (ack: Ack) => boolean;
  /** The texts of a finding id, from its check's file. */
  meta: (findingId: string) => FindingMeta | undefined;
  history: readonly RunCounts[];
}

/** How many domains the summary lists as the worst: a morning read, not a dump. */
const WORST_DOMAINS = 10;

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function countBySeverity(problems: readonly ReportProblem[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const problem of problems) counts[problem.severity]++;
  return counts;
}

function cellState(check: CheckResult | undefined, isAcked: (finding: Finding) => boolean): CellState {
  if (check === undefined || check.status === 'unknown') return 'unknown';
  if (check.status === 'pass') return 'pass';
  const failing = check.findings.filter((finding) => finding.severity !== 'info');
  return failing.length > 0 && failing.every(isAcked) ? 'acked' : 'fail';
}

/** The checks of a run, in a stable order: the union of every domain's, sorted. */
function checkNames(domains: readonly DomainResult[]): string[] {
  return [...new Set(domains.flatMap((domain) => domain.checks.map((check) => check.check)))].sort();
}

function buildDomain(
  domain: DomainResult,
  checks: readonly string[],
  input: Pick<ReportInput, 'lang' | 'meta'>,
  acks: ReadonlyMap<string, AckNote>,
): ReportDomain {
  const ackOf = (finding: Finding): AckNote | null => acks.get(ackKey(finding.domain, finding.id)) ?? null;
  const byCheck = new Map(domain.checks.map((check) => [check.check, check]));
  const problems: ReportProblem[] = [];
  const acknowledged: ReportProblem[] = [];
  for (const check of domain.checks) {
    for (const finding of check.findings) {
      const meta = input.meta(finding.id);
      const problem: ReportProblem = {
        id: finding.id,
        check: finding.check,
        severity: finding.severity,
        subject: finding.subject,
        message: findingTitle(finding, meta, input.lang),
        explanation: meta?.explanation[input.lang] ?? '',
        remediation: meta?.remediation[input.lang] ?? '',
        suggestedRecord: finding.suggestedRecord ?? null,
        docs: finding.docs,
        evidence: finding.evidence,
        ack: ackOf(finding),
      };
      (problem.ack === null ? problems : acknowledged).push(problem);
    }
  }
  const bySeverity = (a: ReportProblem, b: ReportProblem): number =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.id.localeCompare(b.id);
  problems.sort(bySeverity);
  acknowledged.sort(bySeverity);
  return {
    domain: domain.domain,
    member: domain.member,
    cells: checks.map((name) => cellState(byCheck.get(name), (finding) => ackOf(finding) !== null)),
    problems,
    acknowledged,
    undecided: undecidedParts(domain.checks, input.lang),
    counts: countBySeverity(problems),
  };
}

function changeList(diff: AckedRunDiff | null, input: Pick<ReportInput, 'lang' | 'meta'>): ReportChange[] {
  if (diff === null) return [];
  const entry = (
    kind: ReportChange['kind'],
    changes: AckedDomainChanges,
    finding: Finding,
    previousSeverity: Severity | null = null,
  ): ReportChange => ({
    kind,
    domain: changes.domain,
    member: changes.member,
    id: finding.id,
    subject: finding.subject,
    severity: finding.severity,
    previousSeverity,
    message: findingTitle(finding, input.meta(finding.id), input.lang),
  });
  // Regressions first: the morning read starts with what got worse.
  const order: Record<ReportChange['kind'], number> = {
    new: 0,
    worsened: 1,
    acknowledged: 2,
    improved: 3,
    resolved: 4,
  };
  const entries = diff.domains.flatMap((changes) => [
    ...changes.new.map((finding) => entry('new', changes, finding)),
    ...changes.worsened.map((change) => entry('worsened', changes, change.finding, change.previousSeverity)),
    ...changes.acknowledged.map((change) => entry('acknowledged', changes, change.finding, change.previousSeverity)),
    ...changes.improved.map((change) => entry('improved', changes, change.finding, change.previousSeverity)),
    ...changes.resolved.map((finding) => entry('resolved', changes, finding)),
  ]);
  return entries.sort((a, b) => order[a.kind] - order[b.kind]);
}

function activeAckNotes(input: ReportInput): Map<string, AckNote> {
  return new Map(
    input.acks
      .filter((ack) => input.isActive(ack))
      .map((ack) => [ackKey(ack.domain, ack.findingId), { until: ack.until, note: ack.note }]),
  );
}

/** Builds one member's report from their domains; pure, no I/O. */
export function buildMemberReport(member: string, input: ReportInput): MemberReport {
  const domains = input.domains.filter((domain) => domain.member === member);
  const checks = checkNames(domains);
  const acks = activeAckNotes(input);
  return {
    schemaVersion: 1,
    kind: 'member',
    lang: input.lang,
    member,
    run: input.run,
    previousRun: input.previousRun,
    checks,
    domains: domains.map((domain) => buildDomain(domain, checks, input, acks)),
    changes: changeList(input.diff, input).filter((change) => change.member === member),
  };
}

/**
 * Builds every member's report and the admins' summary from one load of the run; pure, no I/O. Domains are built
 * once and shared, so `report --all` costs one pass over the run whatever the number of members.
 */
export function buildReports(input: ReportInput): { members: MemberReport[]; summary: SummaryReport } {
  const checks = checkNames(input.domains);
  const acks = activeAckNotes(input);
  const domains = input.domains.map((domain) => buildDomain(domain, checks, input, acks));
  const changes = changeList(input.diff, input);
  const byMember = new Map<string, { domains: ReportDomain[]; changes: ReportChange[] }>();
  const entryOf = (member: string): { domains: ReportDomain[]; changes: ReportChange[] } => {
    let entry = byMember.get(member);
    if (entry === undefined) {
      entry = { domains: [], changes: [] };
      byMember.set(member, entry);
    }
    return entry;
  };
  for (const domain of domains) if (domain.member !== null) entryOf(domain.member).domains.push(domain);
  for (const change of changes) if (change.member !== null) byMember.get(change.member)?.changes.push(change);
  const members = [...byMember.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([member, entry]): MemberReport => ({
        schemaVersion: 1,
        kind: 'member',
        lang: input.lang,
        member,
        run: input.run,
        previousRun: input.previousRun,
        // A member's table shows the checks of the run: the same columns for everyone.
        checks,
        domains: entry.domains,
        changes: entry.changes,
      }),
    );
  const totals = {
    domains: domains.length,
    members: members.length,
    acknowledged: 0,
    undecided: 0,
    error: 0,
    warning: 0,
    info: 0,
  };
  for (const domain of domains) {
    totals.error += domain.counts.error;
    totals.warning += domain.counts.warning;
    totals.info += domain.counts.info;
    totals.acknowledged += domain.acknowledged.length;
    totals.undecided += domain.cells.filter((cell) => cell === 'unknown').length;
  }
  const worstDomains = domains
    .filter((domain) => domain.counts.error + domain.counts.warning > 0)
    .sort(
      (a, b) =>
        b.counts.error - a.counts.error ||
        b.counts.warning - a.counts.warning ||
        b.counts.info - a.counts.info ||
        a.domain.localeCompare(b.domain),
    )
    .slice(0, WORST_DOMAINS)
    .map((domain) => ({ domain: domain.domain, member: domain.member, counts: domain.counts }));
  const emptyCounts = {
    new: 0,
    worsened: 0,
    improved: 0,
    resolved: 0,
    carried: 0,
    firstSeen: 0,
    unchanged: 0,
    acknowledged: 0,
  };
  return {
    members,
    summary: {
      schemaVersion: 1,
      kind: 'summary',
      lang: input.lang,
      run: input.run,
      previousRun: input.previousRun,
      checks,
      totals,
      changeCounts: input.diff?.summary ?? emptyCounts,
      changes,
      worstDomains,
      history: [...input.history],
      acks: input.acks.map((ack) => ({ ...ack, isActive: input.isActive(ack) })),
      domains,
    },
  };
}

/**
 * A file name for a member's report: letters and digits of the name (accents dropped), dashes elsewhere, at most 60
 * characters; names that end up the same get `-2`, `-3`. Member names come from the members file: never a path.
 */
export function memberFileNames(members: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const member of members) {
    const base =
      member
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60)
        .replace(/-+$/, '') || 'member';
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    names.set(member, `member-${name}`);
  }
  return names;
}
