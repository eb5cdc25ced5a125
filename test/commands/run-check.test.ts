import { describe, expect, it, vi } from 'vitest';
import { ALL_CHECKS, GATHERERS } from '../../src/checks/registry.js';
import type { DomainOptions } from '../../src/checks/types.js';
import { runCheck, type CheckTarget, type RunCheckOptions } from '../../src/commands/run-check.js';
import { STALL_MS } from '../../src/stalling-pool.js';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import type { DnsResolver } from '../../src/dns/types.js';

const OPTIONS: DomainOptions = { dkimSelectors: ['mail'], sendingIps: [], dnsbl: [], rhsbl: [], probes: false };

/** Zones where every domain lacks SPF and DMARC: a domain checked to the end has findings. */
const ZONE = ['a', 'b', 'c', 'd', 'slow'].map((label) => `${label}.example. A 192.0.2.1`).join('\n');

function targets(...domains: string[]): CheckTarget[] {
  return domains.map((domain) => ({ domain, member: domain === 'c.example' ? 'Cé' : null, options: OPTIONS }));
}

/**
 * The memory resolver, except that questions about slow.example wait `slowMs` (forever when null); `onSlow` hears
 * the first of them, when slow.example is in flight.
 */
function slowResolver(slowMs: number | null, onSlow: () => void = () => undefined): DnsResolver {
  const inner = createMemoryResolver(`$TTL 300\n${ZONE}`);
  let isHeard = false;
  return {
    query: async (name, type, options) => {
      if (!name.endsWith('slow.example')) return inner.query(name, type, options);
      if (!isHeard) {
        isHeard = true;
        onSlow();
      }
      if (slowMs === null) return new Promise(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return inner.query(name, type, options);
    },
  };
}

function run(options: Partial<RunCheckOptions> & Pick<RunCheckOptions, 'targets' | 'resolver'>) {
  return runCheck({
    checks: ALL_CHECKS,
    gatherers: GATHERERS,
    render: { lang: 'en', docs: (_id, check) => check.rfc },
    concurrency: 1,
    ...options,
  });
}

describe('runCheck()', () => {
  it('reports a run never stopped as not interrupted, with no unchecked domain', async () => {
    const report = await run({ targets: targets('a.example', 'b.example'), resolver: slowResolver(0) });
    expect(report.interrupted).toBe(false);
    expect(report.uncheckedDomains).toEqual([]);
    expect(report.domains.map((result) => result.domain)).toEqual(['a.example', 'b.example']);
  });

  it('starts no domain once its signal aborts, and lists those it did not start, in order, with their member', async () => {
    const stop = new AbortController();
    const report = await run({
      targets: targets('a.example', 'b.example', 'c.example', 'd.example'),
      resolver: slowResolver(0),
      signal: stop.signal,
      onDomainDone: (done) => {
        if (done === 2) stop.abort();
      },
    });
    expect(report.interrupted).toBe(true);
    expect(report.domains.map((result) => result.domain)).toEqual(['a.example', 'b.example']);
    expect(report.uncheckedDomains).toEqual([
      { domain: 'c.example', member: 'Cé' },
      { domain: 'd.example', member: null },
    ]);
    expect(report.summary.domains).toBe(2);
  });

  it('lets a domain in flight finish within the grace, its results as if never stopped', async () => {
    const stop = new AbortController();
    const whole = await run({ targets: targets('slow.example'), resolver: slowResolver(0) });
    const report = await run({
      targets: targets('slow.example', 'a.example'),
      resolver: slowResolver(30, () => {
        stop.abort();
      }),
      signal: stop.signal,
      graceMs: 60_000,
    });
    expect(report.interrupted).toBe(true);
    expect(report.domains).toEqual(whole.domains);
    expect(report.domains[0]?.checks.flatMap((check) => check.findings.map((finding) => finding.id))).toContain(
      'spf.missing',
    );
    expect(report.uncheckedDomains).toEqual([{ domain: 'a.example', member: null }]);
  });

  it('leaves what a domain in flight still waits for after the grace undecided as interrupted, never a finding', async () => {
    const stop = new AbortController();
    const report = await run({
      targets: targets('a.example', 'slow.example', 'b.example'),
      concurrency: 2,
      resolver: slowResolver(null, () => {
        stop.abort();
      }),
      signal: stop.signal,
      graceMs: 10,
    });
    expect(report.interrupted).toBe(true);
    expect(report.domains.map((result) => result.domain)).toEqual(['a.example', 'slow.example']);
    expect(report.uncheckedDomains).toEqual([{ domain: 'b.example', member: null }]);
    const slow = report.domains[1]?.checks ?? [];
    expect(slow.flatMap((check) => check.findings)).toEqual([]);
    expect(slow.every((check) => check.status === 'unknown')).toBe(true);
    expect(new Set(slow.flatMap((check) => check.unknown.map((part) => part.cause)))).toEqual(new Set(['interrupted']));
    expect(report.summary.unknownChecks).toBe(slow.length);
  });

  it('checks the next domain beside one still waiting on DNS after STALL_MS, and keeps the report in order', async () => {
    vi.useFakeTimers();
    try {
      const heard: string[] = [];
      const running = run({
        targets: targets('slow.example', 'a.example'),
        resolver: slowResolver(STALL_MS * 3),
        onDomainResult: (result) => heard.push(result.domain),
      });
      await vi.advanceTimersByTimeAsync(STALL_MS - 1);
      expect(heard).toEqual([]);
      await vi.advanceTimersByTimeAsync(2);
      expect(heard).toEqual(['a.example']);
      // Each of slow.example's lookups in turn waits three times STALL_MS.
      await vi.runAllTimersAsync();
      const report = await running;
      expect(heard).toEqual(['a.example', 'slow.example']);
      expect(report.domains.map((result) => result.domain)).toEqual(['slow.example', 'a.example']);
      expect(report.domains[0]?.checks.some((check) => check.status === 'unknown')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
