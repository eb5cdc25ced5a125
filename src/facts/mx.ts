import { isIP } from 'node:net';
import type { GatherContext } from '../checks/types.js';
import { normalizeName } from '../dns/memory-resolver.js';
import type { DnsFailure, DnsResolver, Fact } from '../dns/types.js';
import { DnsLookupError, lookup } from '../dns/types.js';
import type { Text } from '../i18n.js';
import { perDomain } from './per-domain.js';

/** The reverse DNS of one address: its PTR names and, per name, whether it resolves back to the address. */
export interface ReverseDns {
  ptr: string[];
  /** PTR names whose A/AAAA records contain the address (forward-confirmed reverse DNS). */
  confirmed: string[];
  /** PTR names whose forward lookup failed, with how and why. */
  unknown: { name: string; failure: DnsFailure; reason: Text }[];
}

/** One address of an MX host. */
export interface MxAddress {
  address: string;
  reverse: Fact<ReverseDns>;
}

/** One MX target, resolved. */
export interface MxHost {
  exchange: string;
  preference: number;
  /** The exchange is an IP address, not a host name (RFC 5321 5.1 wants a name). */
  isIpLiteral: boolean;
  /** The CNAME chain met while resolving the exchange (RFC 5321 5.1: an MX must not point to an alias). */
  cnames: string[];
  addresses: Fact<MxAddress[]>;
}

/** The domain's mail exchangers. */
export interface MxFact {
  hosts: MxHost[];
  /** RFC 7505: a single MX "0 ." says the domain accepts no mail. */
  hasNullMx: boolean;
  /** The domain's own addresses when it has no MX: the implicit MX of RFC 5321 5.1. */
  implicitAddresses: string[];
  /** The CNAME chain the domain's MX lookup followed: its MX records, and any to add, live at its end. */
  cnames: string[];
}

declare module './fact-map.js' {
  interface FactMap {
    mx: MxFact;
  }
}

/** The address an MX exchange spells literally (`192.0.2.1` or `[2001:db8::1]`), or null. */
export function ipLiteral(exchange: string): string | null {
  const bare = exchange.replace(/^\[(?:ipv6:)?/i, '').replace(/\]$/, '');
  return isIP(bare) === 0 ? null : bare;
}

/** The A and AAAA addresses of a name, with the CNAME chain met on the way; throws DnsLookupError. */
export async function resolveAddresses(
  resolver: DnsResolver,
  name: string,
): Promise<{ addresses: string[]; cnames: string[] }> {
  const [a, aaaa] = await Promise.all([lookup(resolver, name, 'A'), lookup(resolver, name, 'AAAA')]);
  const addresses = [...a.records, ...aaaa.records].flatMap((record) =>
    record.type === 'A' || record.type === 'AAAA' ? [record.address] : [],
  );
  return { addresses, cnames: a.cnames.length > 0 ? a.cnames : aaaa.cnames };
}

/** The MX records of a domain, the exchanges sorted by preference (RFC 5321 5.1), and the CNAME chain followed. */
export async function mxLookup(
  resolver: DnsResolver,
  domain: string,
): Promise<{ exchanges: { exchange: string; preference: number }[]; cnames: string[] }> {
  const answer = await lookup(resolver, domain, 'MX');
  const exchanges = answer.records
    .flatMap((record) =>
      record.type === 'MX' ? [{ exchange: normalizeName(record.exchange), preference: record.preference }] : [],
    )
    .sort((x, y) => x.preference - y.preference || x.exchange.localeCompare(y.exchange));
  return { exchanges, cnames: answer.cnames };
}

/** The MX records of the domain, the exchanges sorted by preference (RFC 5321 5.1). */
export async function mxExchanges(
  resolver: DnsResolver,
  domain: string,
): Promise<{ exchange: string; preference: number }[]> {
  return (await mxLookup(resolver, domain)).exchanges;
}

/** mxLookup() of the domain being gathered, worked out once for the mx, dane, blocklists and spf gatherers. */
function domainMxLookup(
  context: GatherContext,
): Promise<{ exchanges: { exchange: string; preference: number }[]; cnames: string[] }> {
  return perDomain(context, 'mx', () => mxLookup(context.resolver, context.domain));
}

/** mxExchanges() of the domain being gathered, worked out once for the mx, dane, blocklists and spf gatherers. */
export async function domainMxExchanges(context: GatherContext): Promise<{ exchange: string; preference: number }[]> {
  return (await domainMxLookup(context)).exchanges;
}

/**
 * Whether the domain being gathered has a lone null MX (RFC 7505), so sends no mail: for the SPF and DMARC records to
 * suggest. The mx fact asks the same question, so through the run's cache this costs no query; null when the lookup
 * failed, which only loses that advice.
 */
export async function domainHasNullMx(context: GatherContext): Promise<boolean | null> {
  try {
    const exchanges = await domainMxExchanges(context);
    return exchanges.length === 1 && exchanges[0]?.exchange === '';
  } catch (error) {
    if (error instanceof DnsLookupError) return null;
    throw error;
  }
}

/**
 * resolveAddresses() of an MX host, once per run: the mx and blocklists gatherers both need it, and the members of one
 * hoster mostly point to the same few hosts.
 */
export function hostAddresses(
  context: GatherContext,
  name: string,
): Promise<{ addresses: string[]; cnames: string[] }> {
  return context.once(`addresses ${name}`, () => resolveAddresses(context.resolver, name));
}

/** The `in-addr.arpa` / `ip6.arpa` name of an address (RFC 1035 3.5, RFC 3596 2.5). */
export function reverseName(address: string): string {
  return `${reversedLabels(address)}.${isIP(address) === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** An address's labels in reverse order: IPv4 octets, or IPv6 nibbles (RFC 5782 2.1 and 2.4). */
export function reversedLabels(address: string): string {
  if (isIP(address) === 4) return address.split('.').reverse().join('.');
  return expandIpv6(address).split('').reverse().join('.');
}

/** The 32 hex digits of an IPv6 address, `::` and an embedded IPv4 tail expanded. */
export function expandIpv6(address: string): string {
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const octets = v4[1].split('.').map(Number);
    const hex = octets.map((octet) => octet.toString(16).padStart(2, '0')).join('');
    text = `${text.slice(0, -v4[1].length)}${hex.slice(0, 4)}:${hex.slice(4)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => group.padStart(4, '0')).join('');
}

/** Resolves the domain's MX hosts, their addresses and reverse DNS; only the MX query itself failing fails the fact. */
export async function gatherMx(context: GatherContext): Promise<MxFact> {
  const { resolver, domain } = context;
  const { exchanges, cnames } = await domainMxLookup(context);
  const hasNullMx = exchanges.some((mx) => mx.exchange === '');
  const implicitAddresses =
    exchanges.length === 0 ? (await resolveAddresses(resolver, domain)).addresses : ([] as string[]);
  // The same exchange listed twice (at two preferences) is one host: keep its most preferred entry.
  const unique = exchanges.filter(
    (mx, index) => mx.exchange !== '' && exchanges.findIndex((other) => other.exchange === mx.exchange) === index,
  );
  const hosts = await Promise.all(
    unique.map(async ({ exchange, preference }): Promise<MxHost> => {
      const literal = ipLiteral(exchange);
      if (literal !== null)
        return { exchange, preference, isIpLiteral: true, cnames: [], addresses: { ok: true, value: [] } };
      try {
        const { addresses, cnames } = await hostAddresses(context, exchange);
        const resolved = await Promise.all(
          addresses.map(async (address) => ({
            address,
            reverse: await captureFact(context.once(`reverse ${address}`, () => reverseDns(resolver, address))),
          })),
        );
        return { exchange, preference, isIpLiteral: false, cnames, addresses: { ok: true, value: resolved } };
      } catch (error) {
        return { exchange, preference, isIpLiteral: false, cnames: [], addresses: failedFact(error) };
      }
    }),
  );
  return { hosts, hasNullMx, implicitAddresses, cnames };
}

/**
 * The reverse DNS of an address: its PTR names, and those whose A/AAAA lead back to it (forward-confirmed reverse DNS),
 * as receivers check a connecting server's. Throws DnsLookupError when the PTR lookup fails; a forward lookup that
 * fails is listed in `unknown`.
 */
export async function reverseDns(resolver: DnsResolver, address: string): Promise<ReverseDns> {
  const answer = await lookup(resolver, reverseName(address), 'PTR');
  const ptr = answer.records.flatMap((record) => (record.type === 'PTR' ? [normalizeName(record.target)] : []));
  const confirmed: string[] = [];
  const unknown: ReverseDns['unknown'] = [];
  await Promise.all(
    ptr.map(async (name) => {
      try {
        const forward = await resolveAddresses(resolver, name);
        if (forward.addresses.some((candidate) => sameAddress(candidate, address))) confirmed.push(name);
      } catch (error) {
        if (!(error instanceof DnsLookupError)) throw error;
        unknown.push({ name, failure: error.failure, reason: error.reason });
      }
    }),
  );
  return { ptr, confirmed: confirmed.sort(), unknown };
}

function sameAddress(x: string, y: string): boolean {
  if (isIP(x) !== isIP(y)) return false;
  return isIP(x) === 4 ? x === y : expandIpv6(x) === expandIpv6(y);
}

/** Runs a lookup, turning DnsLookupError into a failed fact (other errors are bugs and propagate). */
export async function captureFact<T>(promise: Promise<T>): Promise<Fact<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return failedFact(error);
  }
}

function failedFact(error: unknown): { ok: false; error: DnsLookupError['failure']; detail: Text } {
  if (!(error instanceof DnsLookupError)) throw error;
  return { ok: false, error: error.failure, detail: error.reason };
}
