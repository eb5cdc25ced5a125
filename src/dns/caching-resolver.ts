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

/** One domain's lookups through the run's cache; see CachingResolver.forDomain(). */
export interface DomainLookups {
  resolver: DnsResolver;
  /** Forgets the answers about the domain's own names that no other lookup asked for: the domain is done with them. */
  release(): void;
}

export interface CachingResolver extends DnsResolver {
  stats(): CachingResolverStats;
  /**
   * Lookups for one domain's checks. They share the run's answers as any lookup does, but an answer about a name of the
   * domain's own (the domain, a name below it, or the domain under another zone, as an RHSBL asks it) that nothing
   * else asked for is forgotten by release(): a run of thousands of domains then holds the answers they share (a
   * provider's SPF include, an MX host, a blocklist's test point), not every domain's every answer to the end.
   */
  forDomain(domain: string): DomainLookups;
}

/** The lookups of one domain, through `resolver`'s cache when it has one. */
export function domainLookups(resolver: DnsResolver, domain: string): DomainLookups {
  return isCaching(resolver) ? resolver.forDomain(domain) : { resolver, release: () => undefined };
}

function isCaching(resolver: DnsResolver): resolver is CachingResolver {
  return 'forDomain' in resolver;
}

type Answers = Map<string, Promise<Fact<DnsAnswer>>>;

/** A domain whose own answers can be forgotten, and those it asked first. */
interface Scope {
  domain: string;
  below: string;
  before: string;
  owned: { answers: Answers; key: string; promise: Promise<Fact<DnsAnswer>> }[];
}

/**
 * Shares one in-flight promise per name and type for a whole run (STYLE.md, src/dns): checks ask freely, the
 * servers see each question once. Answers are kept for the run, TTLs ignored since a run lasts minutes, except a
 * domain's own once it is done (forDomain()); a failure is handed to those already waiting, then forgotten so that a
 * later lookup asks again.
 */
export function createCachingResolver(inner: DnsResolver): CachingResolver {
  // One map per type, keyed by name: a string key built per lookup (about 20 per domain) cost more than the map itself.
  // Questions asked with the CD bit get maps of their own: a validating resolver answers them differently.
  const cache = new Map<RrType, Answers>();
  const unchecked = new Map<RrType, Answers>();
  // The answers only one domain has asked for so far, about a name of its own, by the domain.
  const owners = new Map<Promise<Fact<DnsAnswer>>, Scope>();
  const counters: CachingResolverStats = { lookups: 0, queries: 0, hits: 0 };

  const ask = (scope: Scope | null, name: string, type: RrType, options?: QueryOptions): Promise<Fact<DnsAnswer>> => {
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
      // Asked for by someone else: the answer is shared, and stays for the run.
      const owner = owners.get(known);
      if (owner !== undefined && owner !== scope) owners.delete(known);
      return known;
    }
    counters.queries++;
    const answers = byName;
    const forget = (): void => {
      if (answers.get(key) === promise) answers.delete(key);
    };
    const promise = inner.query(name, type, options).then(
      (fact) => {
        if (!fact.ok) forget();
        return fact;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    byName.set(key, promise);
    if (scope !== null && (key === scope.domain || key.endsWith(scope.below) || key.startsWith(scope.before))) {
      owners.set(promise, scope);
      scope.owned.push({ answers, key, promise });
    }
    return promise;
  };

  return {
    query: (name, type, options) => ask(null, name, type, options),
    forDomain(domain) {
      const name = normalizeName(domain);
      const scope: Scope = { domain: name, below: `.${name}`, before: `${name}.`, owned: [] };
      return {
        resolver: { query: (queried, type, options) => ask(scope, queried, type, options) },
        release() {
          for (const { answers, key, promise } of scope.owned) {
            if (owners.get(promise) !== scope) continue;
            owners.delete(promise);
            if (answers.get(key) === promise) answers.delete(key);
          }
          scope.owned = [];
        },
      };
    },
    stats: () => ({ ...counters }),
  };
}
