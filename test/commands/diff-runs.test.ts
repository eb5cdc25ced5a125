import { describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import type { CheckResult, Finding, Severity, UnknownDraft } from '../../src/checks/types.js';
import { diffRuns, fillUndecided } from '../../src/commands/diff-runs.js';

/** A finding written as `check:id@subject/severity`, e.g. `dkim-key:dkim.key_weak@sel1/warning`. */
type FindingSpec = string;

interface CheckSpec {
  findings?: FindingSpec[];
  unknown?: UnknownDraft[];
}

function finding(domain: string, spec: FindingSpec): Finding {
  const match = /^([\w-]+):([\w.]+)(?:@([^/]*))?\/(error|warning|info)$/.exec(spec);
  if (match === null) throw new Error(`bad finding spec "${spec}"`);
  const [, check = '', id = '', subject = '', severity = 'error'] = match;
  return {
    id,
    check,
    severity: severity as Severity,
    domain,
    subject,
    evidence: {},
    message: id,
    docs: 'https://wiki.example/' + id,
  };
}

/** A domain with checks `spf-record`, `dkim-key` and `mx-records`, each pass unless given. */
function domain(name: string, checks: Record<string, CheckSpec> = {}, member: string | null = 'club'): DomainResult {
  const results: CheckResult[] = ['spf-record', 'dkim-key', 'mx-records'].map((check) => {
    const spec = checks[check] ?? {};
    const findings = (spec.findings ?? []).map((text) => finding(name, `${check}:${text}`));
    const unknown = spec.unknown ?? [];
    const status = findings.length > 0 ? 'fail' : unknown.length > 0 ? 'unknown' : 'pass';
    return { check, status, findings, unknown };
  });
  return { domain: name, member, checks: results };
}

const timeout: UnknownDraft = { reason: 'timeout: no answer' };

interface Case {
  name: string;
  previous: DomainResult[];
  current: DomainResult[];
  expected: Partial<Record<'new' | 'worsened' | 'improved' | 'resolved' | 'carried' | 'firstSeen', string[]>>;
  unchanged?: number;
  hasRegression: boolean;
}

/** Lists a domain's changes as `domain id@subject` strings, to compare with the table. */
function listed(diff: ReturnType<typeof diffRuns>, kind: keyof Case['expected']): string[] {
  return diff.domains.flatMap((changes) =>
    changes[kind].map((item) => {
      const found = 'finding' in item ? item.finding : item;
      return `${found.domain} ${found.id}@${found.subject}`;
    }),
  );
}

const cases: Case[] = [
  {
    name: 'reports nothing when both runs found the same',
    previous: [domain('a.org', { 'spf-record': { findings: ['spf.all_softfail/warning'] } })],
    current: [domain('a.org', { 'spf-record': { findings: ['spf.all_softfail/warning'] } })],
    expected: {},
    unchanged: 1,
    hasRegression: false,
  },
  {
    name: 'reports a finding absent last night as new, a regression',
    previous: [domain('a.org')],
    current: [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    expected: { new: ['a.org spf.missing@'] },
    hasRegression: true,
  },
  {
    name: 'reports a finding gone tonight as resolved, not a regression',
    previous: [domain('a.org', { 'mx-records': { findings: ['mx.no_ptr@mx1.a.org/warning'] } })],
    current: [domain('a.org')],
    expected: { resolved: ['a.org mx.no_ptr@mx1.a.org'] },
    hasRegression: false,
  },
  {
    name: 'reports a higher severity for the same key as worsened',
    previous: [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/warning'] } })],
    current: [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/error'] } })],
    expected: { worsened: ['a.org dkim.key_weak@sel1'] },
    hasRegression: true,
  },
  {
    name: 'reports a lower severity for the same key as improved',
    previous: [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/error'] } })],
    current: [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/info'] } })],
    expected: { improved: ['a.org dkim.key_weak@sel1'] },
    hasRegression: false,
  },
  {
    name: 'keys on the subject: the same id on another MX host is new, the old one resolved',
    previous: [domain('a.org', { 'mx-records': { findings: ['mx.no_ptr@mx1.a.org/warning'] } })],
    current: [domain('a.org', { 'mx-records': { findings: ['mx.no_ptr@mx2.a.org/warning'] } })],
    expected: { new: ['a.org mx.no_ptr@mx2.a.org'], resolved: ['a.org mx.no_ptr@mx1.a.org'] },
    hasRegression: true,
  },
  {
    name: 'keys on the domain: the same finding moving to another domain is new there',
    previous: [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } }), domain('b.org')],
    current: [domain('a.org'), domain('b.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    expected: { new: ['b.org spf.missing@'], resolved: ['a.org spf.missing@'] },
    hasRegression: true,
  },
  {
    name: 'carries over the findings of a check unknown tonight: neither resolved nor new',
    previous: [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    current: [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
    expected: { carried: ['a.org spf.missing@'] },
    hasRegression: false,
  },
  {
    name: 'does not alert on a finding back after a night its check was unknown',
    previous: [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
    current: [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    expected: { carried: ['a.org spf.missing@'] },
    hasRegression: false,
  },
  {
    name: 'carries over only the subject that was unknown (one DKIM selector timed out)',
    previous: [
      domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/warning', 'dkim.key_weak@sel2/warning'] } }),
    ],
    current: [domain('a.org', { 'dkim-key': { unknown: [{ subject: 'sel1', reason: 'timeout' }] } })],
    expected: { carried: ['a.org dkim.key_weak@sel1'], resolved: ['a.org dkim.key_weak@sel2'] },
    hasRegression: false,
  },
  {
    name: 'still reports a new finding on a check partly unknown tonight',
    previous: [domain('a.org')],
    current: [
      domain('a.org', {
        'dkim-key': { findings: ['dkim.not_found@sel2/error'], unknown: [{ subject: 'sel1', reason: 'timeout' }] },
      }),
    ],
    expected: { new: ['a.org dkim.not_found@sel2'] },
    hasRegression: true,
  },
  {
    name: 'lists the findings of a domain not checked last night as first seen, not new',
    previous: [domain('a.org')],
    current: [domain('a.org'), domain('new.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    expected: { firstSeen: ['new.org spf.missing@'] },
    hasRegression: false,
  },
  {
    name: 'does not resolve the findings of a domain removed from the members file',
    previous: [domain('a.org'), domain('gone.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    current: [domain('a.org')],
    expected: {},
    hasRegression: false,
  },
];

describe('diffRuns()', () => {
  it.each(cases)('$name', ({ previous, current, expected, unchanged, hasRegression }) => {
    const diff = diffRuns(previous, current);
    for (const kind of ['new', 'worsened', 'improved', 'resolved', 'carried', 'firstSeen'] as const) {
      expect({ kind, listed: listed(diff, kind).sort(), count: diff.summary[kind] }).toEqual({
        kind,
        listed: [...(expected[kind] ?? [])].sort(),
        count: expected[kind]?.length ?? 0,
      });
    }
    expect(diff.summary.unchanged).toBe(unchanged ?? 0);
    expect(diff.hasRegression).toBe(hasRegression);
  });

  it('diffRuns() lists domains removed since the previous run and keeps severities of changes', () => {
    const diff = diffRuns(
      [domain('gone.org', {}, 'asso'), domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@s/warning'] } })],
      [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@s/error'] } })],
    );
    expect(diff.removedDomains).toEqual([{ domain: 'gone.org', member: 'asso' }]);
    expect(diff.domains[0]?.worsened[0]?.previousSeverity).toBe('warning');
    expect(diff.domains[0]?.worsened[0]?.finding.severity).toBe('error');
  });

  it('diffRuns() tells which side was unknown for a carried finding', () => {
    const carriedTonight = diffRuns(
      [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
      [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
    );
    expect(carriedTonight.domains[0]?.carried[0]?.unknownIn).toBe('current');
    const carriedBefore = diffRuns(
      [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
      [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })],
    );
    expect(carriedBefore.domains[0]?.carried[0]?.unknownIn).toBe('previous');
  });

  it('diffRuns() orders domains by member, then domain', () => {
    const failing = { 'spf-record': { findings: ['spf.missing/error'] } };
    const diff = diffRuns(
      [domain('z.org', {}, 'alpha'), domain('b.org', {}, 'beta'), domain('a.org', {}, 'beta')],
      [domain('z.org', failing, 'alpha'), domain('b.org', failing, 'beta'), domain('a.org', failing, 'beta')],
    );
    expect(diff.domains.map((changes) => changes.domain)).toEqual(['z.org', 'a.org', 'b.org']);
  });
});

describe('fillUndecided()', () => {
  const ids = (results: DomainResult[]): string[] =>
    results.flatMap((d) => d.checks.flatMap((c) => c.findings.map((f) => `${f.domain} ${f.id}@${f.subject}`))).sort();

  it('fillUndecided() takes the findings of a check unknown in the base from the older run', () => {
    const filled = fillUndecided(
      [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
      [
        domain('a.org', {
          'spf-record': { findings: ['spf.missing/error'] },
          'mx-records': { findings: ['mx.no_ptr@mx/warning'] },
        }),
      ],
    );
    expect(ids(filled)).toEqual(['a.org spf.missing@']);
    expect(filled[0]?.checks.every((check) => check.unknown.length === 0)).toBe(true);
  });

  it('fillUndecided() fills only the undecided subject and keeps what the base decided', () => {
    const filled = fillUndecided(
      [domain('a.org', { 'dkim-key': { unknown: [{ subject: 'sel1', reason: 'timeout' }] } })],
      [domain('a.org', { 'dkim-key': { findings: ['dkim.key_weak@sel1/warning', 'dkim.key_weak@sel2/warning'] } })],
    );
    expect(ids(filled)).toEqual(['a.org dkim.key_weak@sel1']);
  });

  it('fillUndecided() keeps undecided what the older run could not decide either', () => {
    const filled = fillUndecided(
      [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
      [domain('a.org', { 'spf-record': { unknown: [timeout] } })],
    );
    expect(filled[0]?.checks.find((check) => check.check === 'spf-record')?.unknown).toEqual([timeout]);
  });

  it('fillUndecided() lets a problem that appears right after a DNS failure night count as new', () => {
    const older = [domain('a.org')];
    const failed = [domain('a.org', { 'spf-record': { unknown: [timeout] } })];
    const tonight = [domain('a.org', { 'spf-record': { findings: ['spf.missing/error'] } })];
    expect(diffRuns(failed, tonight).hasRegression).toBe(false);
    expect(diffRuns(fillUndecided(failed, older), tonight).summary.new).toBe(1);
  });
});
