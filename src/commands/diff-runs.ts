import type { DomainResult } from '../checks/run-checks.js';
import type { CheckResult, Finding, Severity } from '../checks/types.js';

/** A finding whose severity changed between the two runs; `finding` is tonight's. */
export interface SeverityChange {
  finding: Finding;
  previousSeverity: Severity;
}

/** A finding the two runs cannot settle because its check (or that subject of it) was unknown in one of them. */
export interface CarriedFinding {
  finding: Finding;
  /** `current`: tonight could not decide, the previous finding carries over; `previous`: the baseline could not. */
  unknownIn: 'current' | 'previous';
}

/** What changed for one domain. */
export interface DomainChanges {
  domain: string;
  member: string | null;
  new: Finding[];
  worsened: SeverityChange[];
  improved: SeverityChange[];
  resolved: Finding[];
  carried: CarriedFinding[];
  /** Findings of a domain the previous run did not check (a new member): its first audit, not a regression. */
  firstSeen: Finding[];
}

/** The changes between two runs, per domain. */
export interface RunDiff {
  /** Domains with at least one change or carried finding, by member then domain. */
  domains: DomainChanges[];
  /** Domains the previous run checked and the current one did not (removed from the members file). */
  removedDomains: { domain: string; member: string | null }[];
  summary: {
    new: number;
    worsened: number;
    improved: number;
    resolved: number;
    carried: number;
    firstSeen: number;
    unchanged: number;
  };
  /** Something got worse: a new finding or a higher severity. The nightly exit code rests on this alone. */
  hasRegression: boolean;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** `(id, subject)` within a domain: with the domain, the stable key of a finding (STYLE.md). */
function keyOf(finding: Finding): string {
  return `${finding.id}\u0000${finding.subject}`;
}

/** Whether a run could not decide `subject` for this check: the check did not run, or an unknown part covers it. */
function isUndecided(result: CheckResult | undefined, subject: string): boolean {
  if (result === undefined) return true;
  return result.unknown.some((part) => part.subject === undefined || part.subject === subject);
}

function findingsByKey(domain: DomainResult): Map<string, Finding> {
  return new Map(domain.checks.flatMap((check) => check.findings.map((finding) => [keyOf(finding), finding] as const)));
}

/**
 * Compares two runs keyed on (finding id, domain, subject): new, worsened (severity rose), improved, resolved.
 * A finding whose check is unknown on either side is carried, neither resolved nor new: a DNS failure one night
 * never produces an alert.
 */
export function diffRuns(previous: readonly DomainResult[], current: readonly DomainResult[]): RunDiff {
  const previousByDomain = new Map(previous.map((domain) => [domain.domain, domain]));
  const currentDomains = new Set(current.map((domain) => domain.domain));
  const summary = { new: 0, worsened: 0, improved: 0, resolved: 0, carried: 0, firstSeen: 0, unchanged: 0 };
  const domains: DomainChanges[] = [];

  for (const tonight of current) {
    const changes: DomainChanges = {
      domain: tonight.domain,
      member: tonight.member,
      new: [],
      worsened: [],
      improved: [],
      resolved: [],
      carried: [],
      firstSeen: [],
    };
    const before = previousByDomain.get(tonight.domain);
    if (before === undefined) {
      changes.firstSeen = tonight.checks.flatMap((check) => check.findings);
    } else {
      const beforeFindings = findingsByKey(before);
      const tonightFindings = findingsByKey(tonight);
      const beforeChecks = new Map(before.checks.map((check) => [check.check, check]));
      const tonightChecks = new Map(tonight.checks.map((check) => [check.check, check]));
      for (const [key, finding] of tonightFindings) {
        const old = beforeFindings.get(key);
        if (old === undefined) {
          if (isUndecided(beforeChecks.get(finding.check), finding.subject)) {
            changes.carried.push({ finding, unknownIn: 'previous' });
          } else {
            changes.new.push(finding);
          }
          continue;
        }
        const delta = SEVERITY_RANK[finding.severity] - SEVERITY_RANK[old.severity];
        if (delta > 0) changes.worsened.push({ finding, previousSeverity: old.severity });
        else if (delta < 0) changes.improved.push({ finding, previousSeverity: old.severity });
        else summary.unchanged++;
      }
      for (const [key, finding] of beforeFindings) {
        if (tonightFindings.has(key)) continue;
        if (isUndecided(tonightChecks.get(finding.check), finding.subject)) {
          changes.carried.push({ finding, unknownIn: 'current' });
        } else {
          changes.resolved.push(finding);
        }
      }
    }
    summary.new += changes.new.length;
    summary.worsened += changes.worsened.length;
    summary.improved += changes.improved.length;
    summary.resolved += changes.resolved.length;
    summary.carried += changes.carried.length;
    summary.firstSeen += changes.firstSeen.length;
    const hasAny =
      changes.new.length +
        changes.worsened.length +
        changes.improved.length +
        changes.resolved.length +
        changes.carried.length +
        changes.firstSeen.length >
      0;
    if (hasAny) domains.push(changes);
  }

  const byMemberThenDomain = (a: { domain: string; member: string | null }, b: typeof a): number =>
    (a.member ?? '').localeCompare(b.member ?? '') || a.domain.localeCompare(b.domain);
  domains.sort(byMemberThenDomain);
  const removedDomains = previous
    .filter((domain) => !currentDomains.has(domain.domain))
    .map((domain) => ({ domain: domain.domain, member: domain.member }))
    .sort(byMemberThenDomain);
  return { domains, removedDomains, summary, hasRegression: summary.new + summary.worsened > 0 };
}

/**
 * Fills the parts a run could not decide with what an older run found for them, so a night of DNS failure does not
 * hide the baseline: a problem that appears right after such a night is still new. Parts the older run could not
 * decide either stay undecided (call again with an even older run).
 */
export function fillUndecided(base: readonly DomainResult[], older: readonly DomainResult[]): DomainResult[] {
  const olderByDomain = new Map(older.map((domain) => [domain.domain, domain]));
  return base.map((domain) => {
    const olderDomain = olderByDomain.get(domain.domain);
    if (olderDomain === undefined || domain.checks.every((check) => check.unknown.length === 0)) return domain;
    const olderChecks = new Map(olderDomain.checks.map((check) => [check.check, check]));
    const checks = domain.checks.map((check): CheckResult => {
      const olderCheck = olderChecks.get(check.check);
      if (check.unknown.length === 0 || olderCheck === undefined) return check;
      const known = new Set(check.findings.map(keyOf));
      const recovered = olderCheck.findings.filter(
        (finding) => isUndecided(check, finding.subject) && !known.has(keyOf(finding)),
      );
      const stillUndecided = check.unknown.some((part) => part.subject === undefined)
        ? olderCheck.unknown
        : check.unknown.filter((part) => isUndecided(olderCheck, part.subject ?? ''));
      return { ...check, findings: [...check.findings, ...recovered], unknown: stillUndecided };
    });
    return { ...domain, checks };
  });
}
