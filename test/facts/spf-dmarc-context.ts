import { createRunMemo } from '../../src/checks/run-memo.js';
import type { DomainOptions, GatherContext } from '../../src/checks/types.js';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import type { DnsFailure, DnsResolver } from '../../src/dns/types.js';

/** Options with nothing configured, as a members row without extra columns gives. */
export const NO_OPTIONS: DomainOptions = { dkimSelectors: [], sendingIps: [], dnsbl: [], rhsbl: [], probes: false };

/** A resolver over zone text with absolute names; `failures` injects timeouts and SERVFAILs (`"name TYPE"`). */
export function zoneResolver(zone: string, failures: Record<string, DnsFailure> = {}): DnsResolver {
  return createMemoryResolver(`$TTL 300\n${zone}`, { failures });
}

/** A GatherContext for one domain, as the runner builds it: the run's memo for `once`, a signal never aborted. */
export function gatherContext(
  domain: string,
  resolver: DnsResolver,
  options: Partial<DomainOptions> = {},
): GatherContext {
  return {
    domain,
    options: { ...NO_OPTIONS, ...options },
    resolver,
    once: createRunMemo(),
    signal: new AbortController().signal,
  };
}
