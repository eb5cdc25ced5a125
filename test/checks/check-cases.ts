import { expect, it } from 'vitest';
import { GATHERERS } from '../../src/checks/registry.js';
import { runDomainChecks, type DomainResult } from '../../src/checks/run-checks.js';
import { createRunMemo } from '../../src/checks/run-memo.js';
import type { Check, CheckResult, DomainOptions, HosterExpectations } from '../../src/checks/types.js';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import type { DnsFailure } from '../../src/dns/types.js';

/** One case: zone text (absolute names), the domain checked, its options, lookups that fail (`"name TYPE"`). */
export interface CheckCase {
  zone: string;
  domain?: string;
  options?: Partial<DomainOptions>;
  failures?: Record<string, DnsFailure>;
  /** Names whose answers carry the AD bit (DNSSEC-validated), with everything below them. */
  authenticated?: string[];
  /** The run's clock, for checks that date what they suggest (default: the epoch). */
  now?: Date;
  /** The hoster's expectations from the config, for the checks that compare against them. */
  expectations?: HosterExpectations;
}

/** A case with a name for the test title; a bare string is a zone, named after its first line. */
type NamedCase = string | (CheckCase & { name: string });

const NO_OPTIONS: DomainOptions = { dkimSelectors: [], sendingIps: [], dnsbl: [], rhsbl: [], probes: false };

/** Runs checks on one domain through the real runner and gatherers, facts gathered from zone text. */
export async function runChecks(checks: readonly Check[], testCase: CheckCase): Promise<DomainResult> {
  return runDomainChecks(
    testCase.domain ?? 'example.org',
    null,
    { ...NO_OPTIONS, ...testCase.options },
    {
      checks,
      gatherers: GATHERERS,
      resolver: createMemoryResolver(`$TTL 300\n${testCase.zone}`, {
        failures: testCase.failures ?? {},
        authenticated: testCase.authenticated ?? [],
      }),
      render: { lang: 'en', docs: (_id, owner) => owner.rfc },
      now: testCase.now ?? new Date(0),
      ...(testCase.expectations === undefined ? {} : { expectations: testCase.expectations }),
      signal: new AbortController().signal,
      once: createRunMemo(),
    },
  );
}

/** Runs one check on one domain through the real runner and gatherers, facts gathered from zone text. */
export async function runCheck(check: Check, testCase: CheckCase): Promise<CheckResult> {
  const [only] = (await runChecks([check], testCase)).checks;
  if (!only) throw new Error(`Check "${check.id}" gave no result`);
  return only;
}

function named(testCase: NamedCase): CheckCase & { name: string } {
  return typeof testCase === 'string' ? { name: testCase.trim().split('\n')[0] ?? '', zone: testCase } : testCase;
}

/**
 * RuleTester-style table (STYLE.md), called inside the check's describe: every pass case has no finding, every fail
 * case exactly `ids` in order, every unknown case is `unknown` without findings, each part with its cause; and every
 * finding id of the check has a fail case.
 */
export function checkCases(
  check: Check,
  cases: {
    pass: NamedCase[];
    /** `match`, when given, is matched against the findings in order (`toMatchObject`: evidence, subject…). */
    fail: (CheckCase & { name: string; ids: string[]; match?: Record<string, unknown>[] })[];
    /** `subjects`, when given, are the undecided parts the check names (one MX, one selector). */
    unknown: (string | (CheckCase & { name: string; subjects?: string[] }))[];
  },
): void {
  it('has a fail case for every finding id, and pass and unknown cases', () => {
    const covered = [...new Set(cases.fail.flatMap((testCase) => testCase.ids))].sort();
    expect(covered).toEqual(Object.keys(check.findings).sort());
    expect(cases.pass.length).toBeGreaterThan(0);
    expect(cases.unknown.length).toBeGreaterThan(0);
  });
  it.each(cases.pass.map(named))('passes: $name', async (testCase) => {
    const result = await runCheck(check, testCase);
    expect(result.findings.map((finding) => finding.id)).toEqual([]);
    expect(result.status).toBe('pass');
  });
  it.each(cases.fail)('reports $ids: $name', async (testCase) => {
    const result = await runCheck(check, testCase);
    expect(result.findings.map((finding) => finding.id)).toEqual(testCase.ids);
    for (const finding of result.findings) expect(finding.message).not.toMatch(/\{\w+(\|[^}]*)?\}/);
    expect(result.findings).toMatchObject(testCase.match ?? result.findings.map(() => ({})));
  });
  it.each(cases.unknown.map((testCase) => (typeof testCase === 'string' ? named(testCase) : testCase)))(
    'is unknown: $name',
    async (testCase) => {
      const result = await runCheck(check, testCase);
      expect(result.status).toBe('unknown');
      expect(result.findings).toEqual([]);
      const subjects = result.unknown.map((entry) => entry.subject);
      expect(subjects).toEqual('subjects' in testCase && testCase.subjects ? testCase.subjects : subjects);
      // Each undecided part says why in words for people: a case that injects one kind of DNS failure gets that one.
      const injected = new Set(Object.values(testCase.failures ?? {}));
      const expected = injected.size === 1 ? [...injected] : undefined;
      for (const entry of result.unknown) expect(expected ?? [entry.cause]).toContain(entry.cause ?? 'no cause');
    },
  );
}
