import { describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import type { CheckReport } from '../../src/commands/run-check.js';
import { checkReportJson } from '../../src/report/check-report-json.js';

const domain = (name: string, member: string | null): DomainResult => ({
  domain: name,
  member,
  checks: [
    {
      check: 'dmarc-record',
      status: 'fail',
      findings: [
        {
          id: 'dmarc.missing',
          check: 'dmarc-record',
          severity: 'error',
          domain: name,
          subject: name,
          evidence: { records: ['v=spf1 -all', 'line\nbreak "quoted"'] },
          message: 'Aucun enregistrement DMARC pour « x »',
          values: { domain: name },
          docs: 'https://wiki.example/dmarc.missing',
        },
      ],
      unknown: [],
    },
    { check: 'spf-all', status: 'unknown', findings: [], unknown: [{ cause: 'timeout', reason: 'no reply' }] },
    { check: 'mx-records', status: 'pass', findings: [], unknown: [] },
  ],
});

const report = (domains: DomainResult[], uncheckedDomains: CheckReport['uncheckedDomains'] = []): CheckReport => ({
  schemaVersion: 1,
  startedAt: '2026-12-05T02:00:00.000Z',
  finishedAt: '2026-12-05T02:00:01.000Z',
  interrupted: uncheckedDomains.length > 0,
  domains,
  uncheckedDomains,
  // A message that spells the domains key must not be taken for it.
  inputErrors: [{ file: 'members.csv', line: 3, message: 'row 3: "domains": [] is not a domain' }],
  summary: { domains: domains.length, findings: { error: domains.length, warning: 0, info: 0 }, unknownChecks: 1 },
});

describe('checkReportJson()', () => {
  it.each([
    ['no domain', []],
    ['one domain', [domain('asso.example', 'Asso')]],
    [
      'several domains',
      [domain('asso.example', 'Vélo « Brestois »'), domain('b.example', null), domain('c.example', '')],
    ],
  ])('writes %s byte for byte as JSON.stringify(report, null, 2) does', (_name, domains: DomainResult[]) => {
    expect([...checkReportJson(report(domains))].join('')).toBe(`${JSON.stringify(report(domains), null, 2)}\n`);
  });

  it('writes an interrupted run byte for byte, its unchecked domains after the domains checked', () => {
    const stopped = report(
      [domain('a.example', null)],
      [
        { domain: 'b.example', member: 'B' },
        { domain: 'c.example', member: null },
      ],
    );
    expect([...checkReportJson(stopped)].join('')).toBe(`${JSON.stringify(stopped, null, 2)}\n`);
  });

  it('hands over the document a domain at a time', () => {
    const parts = [...checkReportJson(report([domain('a.example', null), domain('b.example', null)]))];
    expect(parts.filter((part) => part.includes('"domain": "a.example"'))).toHaveLength(1);
    expect(parts.filter((part) => part.includes('"domain": "b.example"'))).toHaveLength(1);
    expect(parts.find((part) => part.includes('a.example'))).not.toContain('b.example');
  });
});
