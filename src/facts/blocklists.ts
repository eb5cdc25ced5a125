import { isIP } from 'node:net';
import type { GatherContext, Undecided } from '../checks/types.js';
import { undecidedByLookup } from '../checks/undecided.js';
import { DnsLookupError, lookup, txtTexts, type DnsFailure, type DnsResolver } from '../dns/types.js';
import { normalizeName } from '../dns/memory-resolver.js';
import { fillText, untranslated, type Text } from '../i18n.js';
import { hostAddresses, domainMxExchanges, reversedLabels } from './mx.js';

/**
 * Default IP blocklists. Check each list's usage policy before a large nightly run:
 * - zen.spamhaus.org: free for low-volume, non-commercial use; answers 127.255.255.254 to queries coming through
 *   public resolvers (8.8.8.8, 1.1.1.1), which the RFC 5782 test point turns into "zone unusable", not listings.
 * - bl.spamcop.net: free, no registration.
 * - psbl.surriel.com: free, no registration.
 */
export const DEFAULT_DNSBL_ZONES = ['zen.spamhaus.org', 'bl.spamcop.net', 'psbl.surriel.com'] as const;

/**
 * Default domain blocklists:
 * - dbl.spamhaus.org: same terms as ZEN; 127.0.1.255 means "IP queries are not allowed" and 127.255.255.x are errors.
 * - multi.uribl.com: free below its volume limit; answers 127.0.0.1 when the querying resolver is blocked.
 */
export const DEFAULT_RHSBL_ZONES = ['dbl.spamhaus.org', 'multi.uribl.com'] as const;

/** IP lists (`dnsbl`) are keyed by reversed addresses, domain lists (`rhsbl`) by the domain (RFC 5782 2.1, 2.2). */
export type BlocklistKind = 'dnsbl' | 'rhsbl';

/** The answer for one subject (an IP or the domain) on one zone. */
export type BlocklistEntry = { kind: BlocklistKind; zone: string; subject: string } & (
  | { status: 'listed'; codes: string[]; reasons: string[] }
  | { status: 'clean' }
  | { status: 'error_code'; codes: string[] }
  | ({ status: 'unknown' } & Omit<Undecided, 'subject'>)
);

/** Whether a zone can be trusted this run (its RFC 5782 test point), and why not. */
export type ZoneHealth = { kind: BlocklistKind; zone: string; reason: Text } & (
  | { usable: boolean; failure: null }
  /** The test point did not answer: `failure` says how. */
  | { usable: null; failure: DnsFailure }
);

/** Every subject on every zone, and which zones are unusable. */
export interface BlocklistFact {
  entries: BlocklistEntry[];
  zones: ZoneHealth[];
  /** Names whose addresses could not be resolved, so their IPs could not be checked. */
  unresolved: Undecided[];
}

declare module './fact-map.js' {
  interface FactMap {
    blocklists: BlocklistFact;
  }
}

/** How a zone's answer reads: a listing, or a code that is the operator's error (never a listing). */
export function classifyReturnCode(zone: string, address: string): 'listed' | 'error' {
  const octets = address.split('.').map(Number);
  // RFC 5782 2.3: listings are in 127.0.0.0/8; anything else is a wildcard or a hijacking resolver.
  if (isIP(address) !== 4 || octets[0] !== 127) return 'error';
  const name = normalizeName(zone);
  const isSpamhaus = /(^|\.)spamhaus\.org$/.test(name) || /(^|\.)dq\.spamhaus\.net$/.test(name);
  // Spamhaus return codes: 127.255.255.252-255 are query errors (typo, open resolver, over limit).
  if (isSpamhaus && octets[1] === 255 && octets[2] === 255) return 'error';
  // Spamhaus DBL: 127.0.1.255 answers an IP queried as a domain.
  if (/(^|\.)dbl\.spamhaus\.org$/.test(name) && address === '127.0.1.255') return 'error';
  // URIBL and SURBL answer 127.0.0.1 when the querying resolver is refused.
  if ((/(^|\.)uribl\.com$/.test(name) || /(^|\.)surbl\.org$/.test(name)) && address === '127.0.0.1') return 'error';
  return 'listed';
}

type Query = { status: 'listed'; codes: string[] } | { status: 'clean' } | { status: 'error_code'; codes: string[] };

/** A zone's verdict on one key, with the reasons it gives for a listing. */
type Listing = Exclude<Query, { status: 'listed' }> | { status: 'listed'; codes: string[]; reasons: string[] };

async function queryZone(resolver: DnsResolver, zone: string, key: string): Promise<Query> {
  const answer = await lookup(resolver, `${key}.${zone}`, 'A');
  const codes = answer.records.flatMap((record) => (record.type === 'A' ? [record.address] : []));
  if (codes.length === 0) return { status: 'clean' };
  if (codes.some((code) => classifyReturnCode(zone, code) === 'error')) return { status: 'error_code', codes };
  return { status: 'listed', codes };
}

/** Checks a zone's RFC 5782 section 5 test point: 127.0.0.2 / "test" listed, 127.0.0.1 / "invalid" not. */
export async function checkTestPoint(resolver: DnsResolver, kind: BlocklistKind, zone: string): Promise<ZoneHealth> {
  const [listedKey, cleanKey] = kind === 'dnsbl' ? ['2.0.0.127', '1.0.0.127'] : ['test', 'invalid'];
  try {
    const [mustList, mustNotList] = await Promise.all([
      queryZone(resolver, zone, listedKey),
      queryZone(resolver, zone, cleanKey),
    ]);
    if (mustList.status !== 'listed')
      return {
        kind,
        zone,
        usable: false,
        reason: fillText(ZONE_TEXTS.notListed, { key: listedKey, answer: describe(mustList) }),
        failure: null,
      };
    if (mustNotList.status !== 'clean')
      return {
        kind,
        zone,
        usable: false,
        reason: fillText(ZONE_TEXTS.listed, { key: cleanKey, answer: describe(mustNotList) }),
        failure: null,
      };
    return { kind, zone, usable: true, reason: untranslated(''), failure: null };
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    return { kind, zone, usable: null, reason: error.reason, failure: error.failure };
  }
}

function describe(query: Query): Text {
  return query.status === 'clean'
    ? ZONE_TEXTS.noAnswer
    : fillText(ZONE_TEXTS.answered, { codes: query.codes.join(', ') });
}

/** Why a zone gave no verdict, as an undecided part's reason says it. */
const ZONE_TEXTS = {
  unusable: { en: 'zone unusable: {reason}', fr: 'zone inutilisable : {reason}' },
  silent: {
    en: 'zone test point did not answer: {reason}',
    fr: 'le point de test de la zone n’a pas répondu : {reason}',
  },
  notListed: {
    en: 'test point "{key}" is not listed ({answer})',
    fr: 'le point de test « {key} » n’est pas listé ({answer})',
  },
  listed: { en: 'test point "{key}" is listed ({answer})', fr: 'le point de test « {key} » est listé ({answer})' },
  noAnswer: { en: 'no answer', fr: 'aucune réponse' },
  answered: { en: 'answered {codes}', fr: 'réponse {codes}' },
} satisfies Record<string, Text>;

/** TXT reasons a zone gives for a listing; a failure here only loses the reason, never the listing. */
async function listingReasons(resolver: DnsResolver, name: string): Promise<string[]> {
  const fact = await resolver.query(name, 'TXT');
  if (!fact.ok) return [];
  return txtTexts(fact.value);
}

/** One key on one zone, asked once per run: a hoster's MX addresses and relays are the same for most members. */
function listingOf(context: GatherContext, zone: string, key: string): Promise<Listing> {
  return context.once(`blocklist ${zone} ${key}`, async () => {
    const query = await queryZone(context.resolver, zone, key);
    if (query.status !== 'listed') return query;
    return { ...query, reasons: await listingReasons(context.resolver, `${key}.${zone}`) };
  });
}

/** Queries the domain's MX addresses and the sending IPs on the IP zones, and the domain on the domain zones. */
export async function gatherBlocklists(context: GatherContext): Promise<BlocklistFact> {
  const { resolver, domain, options } = context;
  const unresolved: Undecided[] = [];
  const mxAddresses = await collectMxAddresses(context, unresolved);
  const ips = [...new Set([...mxAddresses, ...options.sendingIps])].filter((ip) => isIP(ip) !== 0);
  const zones = await Promise.all([
    ...options.dnsbl.map((zone) =>
      context.once(`testpoint:dnsbl:${zone}`, () => checkTestPoint(resolver, 'dnsbl', zone)),
    ),
    ...options.rhsbl.map((zone) =>
      context.once(`testpoint:rhsbl:${zone}`, () => checkTestPoint(resolver, 'rhsbl', zone)),
    ),
  ]);
  const jobs = zones.flatMap((health) =>
    health.kind === 'dnsbl'
      ? ips.map((ip) => ({ health, subject: ip, key: reversedLabels(ip) }))
      : [{ health, subject: domain, key: normalizeName(domain) }],
  );
  const entries = await Promise.all(
    jobs.map(async ({ health, subject, key }): Promise<BlocklistEntry> => {
      const base = { kind: health.kind, zone: health.zone, subject };
      // An unusable zone gives no verdict on anyone: its one finding says so instead of listing every member.
      if (health.usable === false)
        return {
          ...base,
          status: 'unknown',
          cause: 'blocklist_unusable',
          reason: fillText(ZONE_TEXTS.unusable, { reason: health.reason }),
        };
      if (health.usable === null)
        return {
          ...base,
          status: 'unknown',
          cause: health.failure,
          reason: fillText(ZONE_TEXTS.silent, { reason: health.reason }),
        };
      try {
        return { ...base, ...(await listingOf(context, health.zone, key)) };
      } catch (error) {
        if (!(error instanceof DnsLookupError)) throw error;
        return { ...base, status: 'unknown', ...undecidedByLookup(error) };
      }
    }),
  );
  return { entries, zones, unresolved };
}

async function collectMxAddresses(context: GatherContext, unresolved: Undecided[]): Promise<string[]> {
  try {
    const exchanges = (await domainMxExchanges(context)).filter((mx) => mx.exchange !== '');
    const perHost = await Promise.all(
      exchanges.map(async ({ exchange }) => {
        if (isIP(exchange) !== 0) return [exchange];
        try {
          return (await hostAddresses(context, exchange)).addresses;
        } catch (error) {
          if (!(error instanceof DnsLookupError)) throw error;
          unresolved.push(undecidedByLookup(error, exchange));
          return [];
        }
      }),
    );
    return perHost.flat();
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    unresolved.push(undecidedByLookup(error, context.domain));
    return [];
  }
}
