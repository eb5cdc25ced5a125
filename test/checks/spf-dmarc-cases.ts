import { expect, it } from 'vitest';
import { runDomainChecks, type GathererTable } from '../../src/checks/run-checks.js';
import type { Check, CheckResult, DomainOptions, HosterExpectations } from '../../src/checks/types.js';
import type { DnsFailure } from '../../src/dns/types.js';
import { gatherDmarc } from '../../src/facts/dmarc.js';
import { gatherHosterMx } from '../../src/facts/hoster-mx.js';
import { gatherMx } from '../../src/facts/mx.js';
import { gatherSpf } from '../../src/facts/spf.js';
import { NO_OPTIONS, zoneResolver } from '../facts/spf-dmarc-context.js';

/** One case: zone text (absolute names), the domain checked, its options, lookups that fail. */
export interface CheckCase {
  zone: string;
  domain?: string;
  options?: Partial<DomainOptions>;
  failures?: Record<string, DnsFailure>;
  expectations?: HosterExpectations;
}

/** Runs one check on one domain through the real runner, facts gathered from zone text. */
export async function runCheck(check: Check, testCase: CheckCase): Promise<CheckResult> {
  // Only these facts are ever asked for by the checks tested with it; the runner looks up no other gatherer.
  const gatherers = {
    spf: gatherSpf,
    dmarc: gatherDmarc,
    mx: gatherMx,
    hosterMx: gatherHosterMx,
  } as unknown as GathererTable;
  const memo = new Map<string, Promise<unknown>>();
  const result = await runDomainChecks(
    testCase.domain ?? 'example.org',
    null,
    { ...NO_OPTIONS, ...testCase.options },
    {
      checks: [check],
      gatherers,
      resolver: zoneResolver(testCase.zone, testCase.failures),
      render: { lang: 'en', docs: (_id, owner) => owner.rfc },
      now: new Date(0),
      ...(testCase.expectations === undefined ? {} : { expectations: testCase.expectations }),
      signal: new AbortController().signal,
      once: <T>(key: string, fn: () => Promise<T>): Promise<T> => {
        if (!memo.has(key)) memo.set(key, fn());
        return memo.get(key) as Promise<T>;
      },
    },
  );
  const [only] = result.checks;
  if (!only) throw new Error(`Check "${check.id}" gave no result`);
  return only;
}

/** RuleTester-style table, called inside the check's describe: every pass case has no finding, every fail case exactly `ids`, every unknown case is `unknown`. */
export function checkCases(
  check: Check,
  cases: {
    pass: (CheckCase & { name: string })[];
    fail: (CheckCase & { name: string; ids: string[] })[];
    unknown: (CheckCase & { name: string })[];
  },
): void {
  it('has a fail case for every finding id, and pass and unknown cases', () => {
    const covered = [...new Set(cases.fail.flatMap((testCase) => testCase.ids))].sort();
    expect(covered).toEqual(Object.keys(check.findings).sort());
    expect(cases.pass.length).toBeGreaterThan(0);
    expect(cases.unknown.length).toBeGreaterThan(0);
  });
  it.each(cases.pass)('passes: $name', async (testCase) => {
    const result = await runCheck(check, testCase);
    expect(result.findings.map((finding) => finding.id)).toEqual([]);
    expect(result.status).toBe('pass');
  });
  it.each(cases.fail)('reports $ids: $name', async (testCase) => {
    const result = await runCheck(check, testCase);
    expect(result.findings.map((finding) => finding.id)).toEqual(testCase.ids);
    for (const finding of result.findings) expect(finding.message).not.toMatch(/\{\w+\}/);
  });
  it.each(cases.unknown)('is unknown: $name', async (testCase) => {
    const result = await runCheck(check, testCase);
    expect(result.status).toBe('unknown');
    expect(result.findings).toEqual([]);
  });
}
