import { describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import type { Finding, FindingMeta } from '../../src/checks/types.js';
import {
  acknowledgeChanges,
  buildMemberReport,
  buildReports,
  memberFileNames,
  type ReportInput,
} from '../../src/commands/build-report.js';
import { diffRuns } from '../../src/commands/diff-runs.js';
import type { Ack } from '../../src/store/acks.js';

function finding(domain: string, id: string, severity: Finding['severity'], check: string, subject = ''): Finding {
  return {
    id,
    check,
    severity,
    domain,
    subject,
    evidence: {},
    message: `${id} on ${domain}`,
    docs: `https://wiki.example/${id}`,
  };
}

function domain(name: string, member: string | null, findings: Finding[], unknownChecks: string[] = []): DomainResult {
  const checks = ['dmarc-record', 'spf-all', 'dkim-key'];
  return {
    domain: name,
    member,
    checks: checks.map((check) => {
      if (unknownChecks.includes(check)) {
        return { check, status: 'unknown', findings: [], unknown: [{ reason: 'timeout: no answer' }] };
      }
      const own = findings.filter((entry) => entry.check === check);
      return { check, status: own.some((f) => f.severity !== 'info') ? 'fail' : 'pass', findings: own, unknown: [] };
    }),
  };
}

const META: Record<string, FindingMeta> = {
  'dmarc.missing': {
    severity: 'error',
    title: { en: 'No DMARC', fr: 'Pas de DMARC' },
    explanation: { en: 'Without DMARC…', fr: 'Sans DMARC…' },
    remediation: { en: 'Publish it', fr: 'Publiez-le' },
  },
};

const ackOn = (domainName: string, findingId: string, until = '2026-12-31'): Ack => ({
  domain: domainName,
  findingId,
  until,
  note: 'Known, fixed at the next AG',
  createdAt: '2026-11-20T00:00:00Z',
});

function input(domains: DomainResult[], overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    lang: 'fr',
    run: { id: 2, startedAt: '2026-11-23T02:00:00Z' },
    previousRun: null,
    domains,
    diff: null,
    acks: [],
    isActive: (ack) => ack.until >= '2026-11-23',
    meta: (id) => META[id],
    history: [],
    ...overrides,
  };
}

describe('acknowledgeChanges()', () => {
  const before = [domain('club.org', 'Club', [])];
  const after = [
    domain('club.org', 'Club', [
      finding('club.org', 'dmarc.missing', 'error', 'dmarc-record'),
      finding('club.org', 'spf.all_softfail', 'warning', 'spf-all'),
    ]),
  ];

  it('moves a new finding covered by an ack out of the regressions', () => {
    const acks = new Map([['club.org\u0000dmarc.missing', ackOn('club.org', 'dmarc.missing')]]);
    const result = acknowledgeChanges(diffRuns(before, after), acks);
    expect(result.summary.new).toBe(1);
    expect(result.summary.acknowledged).toBe(1);
    expect(result.domains[0]?.new.map((f) => f.id)).toEqual(['spf.all_softfail']);
    expect(result.domains[0]?.acknowledged.map((entry) => [entry.finding.id, entry.ack.until])).toEqual([
      ['dmarc.missing', '2026-12-31'],
    ]);
    expect(result.hasRegression).toBe(true);
  });

  it('leaves no regression when every new finding is acknowledged', () => {
    const acks = new Map([
      ['club.org\u0000dmarc.missing', ackOn('club.org', 'dmarc.missing')],
      ['club.org\u0000spf.all_softfail', ackOn('club.org', 'spf.all_softfail')],
    ]);
    const result = acknowledgeChanges(diffRuns(before, after), acks);
    expect(result.hasRegression).toBe(false);
    expect(result.summary.new).toBe(0);
  });

  it('acknowledges a worsened finding with its previous severity', () => {
    const wasWarning = [domain('club.org', 'Club', [finding('club.org', 'spf.all_softfail', 'warning', 'spf-all')])];
    const isError = [domain('club.org', 'Club', [finding('club.org', 'spf.all_softfail', 'error', 'spf-all')])];
    const acks = new Map([['club.org\u0000spf.all_softfail', ackOn('club.org', 'spf.all_softfail')]]);
    const result = acknowledgeChanges(diffRuns(wasWarning, isError), acks);
    expect(result.summary.worsened).toBe(0);
    expect(result.domains[0]?.acknowledged[0]?.previousSeverity).toBe('warning');
    expect(result.hasRegression).toBe(false);
  });
});

describe('buildReports()', () => {
  const domains = [
    domain('club.org', 'Club', [
      finding('club.org', 'dmarc.missing', 'error', 'dmarc-record'),
      finding('club.org', 'spf.all_softfail', 'warning', 'spf-all'),
    ]),
    domain(
      'mairie.org',
      'Mairie',
      [finding('mairie.org', 'dkim.key_weak', 'warning', 'dkim-key', 'mail')],
      ['dmarc-record'],
    ),
    domain('orphan.org', null, []),
  ];

  it('gives every cell a state: pass, fail, unknown, or acked when all its failing findings are acknowledged', () => {
    const { summary } = buildReports(input(domains, { acks: [ackOn('club.org', 'spf.all_softfail')] }));
    expect(summary.checks).toEqual(['dkim-key', 'dmarc-record', 'spf-all']);
    expect(summary.domains.map((entry) => [entry.domain, entry.cells])).toEqual([
      ['club.org', ['pass', 'fail', 'acked']],
      ['mairie.org', ['fail', 'unknown', 'pass']],
      ['orphan.org', ['pass', 'pass', 'pass']],
    ]);
  });

  it('explains problems in the report language and keeps acknowledged ones apart with their note', () => {
    const { members } = buildReports(input(domains, { acks: [ackOn('club.org', 'spf.all_softfail')] }));
    const club = members.find((report) => report.member === 'Club');
    const problems = club?.domains[0]?.problems ?? [];
    expect(problems.map((problem) => [problem.id, problem.explanation, problem.remediation])).toEqual([
      ['dmarc.missing', 'Sans DMARC…', 'Publiez-le'],
    ]);
    expect(club?.domains[0]?.acknowledged.map((problem) => [problem.id, problem.ack?.note])).toEqual([
      ['spf.all_softfail', 'Known, fixed at the next AG'],
    ]);
  });

  it('ignores an expired ack', () => {
    const { summary } = buildReports(input(domains, { acks: [ackOn('club.org', 'spf.all_softfail', '2026-11-01')] }));
    expect(summary.domains[0]?.cells[2]).toBe('fail');
    expect(summary.totals.acknowledged).toBe(0);
    expect(summary.acks.map((ack) => ack.isActive)).toEqual([false]);
  });

  it('writes one report per member and sums the totals over every domain', () => {
    const { members, summary } = buildReports(input(domains));
    expect(members.map((report) => report.member)).toEqual(['Club', 'Mairie']);
    expect(summary.totals).toEqual({
      domains: 3,
      members: 2,
      acknowledged: 0,
      undecided: 1,
      error: 1,
      warning: 2,
      info: 0,
    });
    expect(summary.worstDomains.map((entry) => entry.domain)).toEqual(['club.org', 'mairie.org']);
  });

  it('lists changes regressions first and gives each member only theirs', () => {
    const previous = [
      domain('club.org', 'Club', [
        finding('club.org', 'dmarc.missing', 'error', 'dmarc-record'),
        finding('club.org', 'spf.all_softfail', 'warning', 'spf-all'),
        finding('club.org', 'dkim.key_weak', 'warning', 'dkim-key', 'mail'),
      ]),
      domain('mairie.org', 'Mairie', []),
    ];
    const diff = acknowledgeChanges(diffRuns(previous, domains), new Map());
    const { members, summary } = buildReports(
      input(domains, { diff, previousRun: { id: 1, startedAt: '2026-11-22T02:00:00Z' } }),
    );
    expect(summary.changes.map((change) => [change.kind, change.domain, change.id])).toEqual([
      ['new', 'mairie.org', 'dkim.key_weak'],
      ['resolved', 'club.org', 'dkim.key_weak'],
    ]);
    expect(members.find((report) => report.member === 'Club')?.changes.map((change) => change.kind)).toEqual([
      'resolved',
    ]);
  });
});

describe('buildMemberReport()', () => {
  it('keeps the member’s domains only', () => {
    const report = buildMemberReport(
      'Club',
      input([domain('club.org', 'Club', []), domain('mairie.org', 'Mairie', [])]),
    );
    expect(report.domains.map((entry) => entry.domain)).toEqual(['club.org']);
  });
});

describe('memberFileNames()', () => {
  it('makes safe, distinct file names from any member name', () => {
    const names = memberFileNames(['Vélo Brestois', '../../etc/passwd', 'velo brestois', '', 'CON', '日本']);
    expect([...names.values()]).toEqual([
      'member-velo-brestois',
      'member-etc-passwd',
      'member-velo-brestois-2',
      'member-member',
      'member-con',
      'member-member-2',
    ]);
    for (const name of names.values()) expect(name).toMatch(/^[a-z0-9-]+$/);
  });
});
