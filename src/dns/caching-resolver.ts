import { normalizeName } from './memory-resolver.js';
import type { DnsAnswer, DnsResolver, Fact, QueryOptions, RrType } from './types.js';

export interface CachingResolverStats {
  /** query() calls received. */
  lookups: number;
  /** Questions passed to the inner resolver: what a run costs the DNS servers. */
  queries: number;
  /** Lookups served by an answer already known or already in flight. */
  hits: number;
}

export interface CachingResolver extends DnsResolver {
  stats(): CachingResolverStats;
}

/**
 * Shares one in-flight promise per name and type for a whole run (STYLE.md, src/dns): checks ask freely, the
 * servers see each question once. Answers are kept for the run, TTLs ignored since a run lasts minutes;
 * a failure is handed to those already waiting, then forgotten so that a later lookup asks again.
 */
export function createCachingResolver(inner: DnsResolver): CachingResolver {
  // One map per type, keyed by name: a string key built per lookup (about 20 per domain) cost more than the map itself.
  // Questions asked with the CD bit get maps of their own: a validating resolver answers them differently.
  const cache = new Map<RrType, Map<string, Promise<Fact<DnsAnswer>>>>();
  const unchecked = new Map<RrType, Map<string, Promise<Fact<DnsAnswer>>>>();
  const counters: CachingResolverStats = { lookups: 0, queries: 0, hits: 0 };

  return {
    query(name: string, type: RrType, options?: QueryOptions): Promise<Fact<DnsAnswer>> {
      counters.lookups++;
      const maps = options?.checkingDisabled === true ? unchecked : cache;
      let byName = maps.get(type);
      if (byName === undefined) {
        byName = new Map();
        maps.set(type, byName);
      }
      const key = normalizeName(name);
      const known = byName.get(key);
      if (known !== undefined) {
        counters.hits++;
        return known;
      }
      counters.queries++;
      const answers = byName;
      const promise = inner.query(name, type, options).then(
        (fact) => {
          if (!fact.ok) answers.delete(key);
          return fact;
        },
        (error: unknown) => {
          answers.delete(key);
          throw error;
        },
      );
      byName.set(key, promise);
      return promise;
    },
    stats: () => ({ ...counters }),
  };
}
