import { createRunMemo } from '../../src/checks/run-memo.js';
import type { DomainOptions, GatherContext } from '../../src/checks/types.js';
import { createMemoryResolver, type MemoryResolverOptions } from '../../src/dns/memory-resolver.js';

/** Options of a domain with nothing configured, overridden per test. */
export function domainOptions(overrides: Partial<DomainOptions> = {}): DomainOptions {
  return { dkimSelectors: [], sendingIps: [], dnsbl: [], rhsbl: [], probes: false, ...overrides };
}

/** A GatherContext over zone text, with a memo of its own as the run's `once`. */
export function gatherContext(
  zone: string,
  options: Partial<DomainOptions> = {},
  resolverOptions: MemoryResolverOptions = {},
  domain = 'example.org',
): GatherContext & { queries: string[] } {
  const resolver = createMemoryResolver(`$TTL 300\n${zone}`, resolverOptions);
  const queries: string[] = [];
  return {
    domain,
    options: domainOptions(options),
    resolver: {
      query: (name, type) => {
        queries.push(`${name} ${type}`);
        return resolver.query(name, type);
      },
    },
    once: createRunMemo(),
    signal: new AbortController().signal,
    queries,
  };
}
