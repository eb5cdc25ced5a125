import { fillText, type Text } from '../i18n.js';
import { parseZoneFile } from './parse-zone-file.js';
import type { DnsAnswer, DnsFailure, DnsRecord, DnsResolver, Fact, RrType } from './types.js';

export interface MemoryResolverOptions {
  /** Origin for relative names when the records come as zone text (default: the root, so names must be absolute). */
  origin?: string;
  /** Lookups that fail instead of answering, keyed `"name TYPE"` (e.g. `"example.org TXT": "timeout"`). */
  failures?: Record<string, DnsFailure>;
  /** Names whose answers carry the AD bit; a name covers everything below it, as a signed zone does. */
  authenticated?: string[];
}

/** Longest CNAME chain followed before giving up, as resolvers cap it (BIND follows 16). */
const MAX_CNAME_CHAIN = 16;

/** Why a lookup gave no answer, as this resolver and the network one say it. */
export const CNAME_DETAILS = {
  loop: { en: 'CNAME loop at "{target}" from "{name}"', fr: 'boucle de CNAME à « {target} » depuis « {name} »' },
  chain: {
    en: 'CNAME chain from "{name}" longer than {max}',
    fr: 'chaîne de CNAME depuis « {name} » plus longue que {max}',
  },
} satisfies Record<string, Text>;

const INJECTED_FAILURE: Text = {
  en: 'injected failure for "{name}" {type}',
  fr: 'échec simulé pour « {name} » {type}',
};

/** Lower-case, no final dot: the spelling parseZoneFile gives names. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function* selfAndAncestors(name: string): Generator<string> {
  let current = name;
  for (;;) {
    yield current;
    if (current === '') return;
    const dot = current.indexOf('.');
    current = dot === -1 ? '' : current.slice(dot + 1);
  }
}

/**
 * A DnsResolver over records held in memory: what the checks' unit tests use to build facts from zone text.
 * NXDOMAIN only for names that hold no record and have no name below them (an empty non-terminal is NODATA,
 * RFC 8020); CNAMEs are followed like a recursive resolver does; a CNAME loop is a SERVFAIL.
 */
export function createMemoryResolver(source: DnsRecord[] | string, options: MemoryResolverOptions = {}): DnsResolver {
  const records = typeof source === 'string' ? parseZoneFile(source, { origin: options.origin ?? '.' }) : source;
  const byName = new Map<string, DnsRecord[]>();
  const existing = new Set<string>();
  for (const record of records) {
    const name = normalizeName(record.name);
    const list = byName.get(name) ?? [];
    list.push(record);
    byName.set(name, list);
    for (const ancestor of selfAndAncestors(name)) existing.add(ancestor);
  }
  const failures = new Map<string, DnsFailure>();
  for (const [key, failure] of Object.entries(options.failures ?? {})) {
    const [name = '', type = ''] = key.trim().split(/\s+/);
    failures.set(`${normalizeName(name)} ${type.toUpperCase()}`, failure);
  }
  const signed = new Set((options.authenticated ?? []).map(normalizeName));

  const isAuthenticated = (name: string): boolean => {
    for (const ancestor of selfAndAncestors(name)) if (signed.has(ancestor)) return true;
    return false;
  };

  /**
   * Wildcard synthesis (RFC 4592 section 3.3.1): a name that does not exist takes the records of `*.` under its
   * closest existing ancestor, renamed to the asked name. Blocklist fixtures use it to list whole ranges.
   */
  const synthesize = (name: string): DnsRecord[] => {
    for (const ancestor of selfAndAncestors(name)) {
      if (ancestor === name || !existing.has(ancestor)) continue;
      const source = byName.get(ancestor === '' ? '*' : `*.${ancestor}`) ?? [];
      return source.map((record) => ({ ...record, name }));
    }
    return [];
  };

  const resolve = (qname: string, type: RrType): Fact<DnsAnswer> => {
    const cnames: string[] = [];
    const seen = new Set<string>();
    let current = normalizeName(qname);
    for (;;) {
      const failure = failures.get(`${current} ${type}`);
      if (failure !== undefined)
        return { ok: false, error: failure, detail: fillText(INJECTED_FAILURE, { name: current, type }) };
      seen.add(current);
      const here = byName.get(current) ?? (existing.has(current) ? [] : synthesize(current));
      const matching = here.filter((record) => record.type === type);
      const cname = here.find((record): record is Extract<DnsRecord, { target: string }> => record.type === 'CNAME');
      if (matching.length > 0 || type === 'CNAME' || cname === undefined) {
        return {
          ok: true,
          value: {
            rcode: here.length > 0 || existing.has(current) ? 'NOERROR' : 'NXDOMAIN',
            records: matching.map((record) => ({ ...record })),
            cnames,
            authenticated: isAuthenticated(normalizeName(qname)),
          },
        };
      }
      const target = normalizeName(cname.target);
      if (seen.has(target))
        return { ok: false, error: 'servfail', detail: fillText(CNAME_DETAILS.loop, { target, name: qname }) };
      if (cnames.length >= MAX_CNAME_CHAIN)
        return {
          ok: false,
          error: 'servfail',
          detail: fillText(CNAME_DETAILS.chain, { name: qname, max: MAX_CNAME_CHAIN }),
        };
      cnames.push(target);
      current = target;
    }
  };

  return {
    query: (name, type) => Promise.resolve(resolve(name, type)),
  };
}
