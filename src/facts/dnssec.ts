import type { GatherContext } from '../checks/types.js';
import type { DnskeyData } from '../dns/dnssec-digest.js';
import { lookup, type Fact } from '../dns/types.js';
import { organisationalDomain } from './dmarc.js';
import { captureFact } from './mx.js';

/** A DS record the parent zone publishes for a child zone (RFC 4034 5). */
export interface DsData {
  keyTag: number;
  algorithm: number;
  digestType: number;
  /** Lower-case hex. */
  digest: string;
}

/** The DNSSEC chain of trust between a domain's zone and its parent: the DS there, the DNSKEYs here. */
export interface DnssecFact {
  /** The zone looked at: the domain when it is a zone's apex, else its organisational domain (see zoneOf). */
  zone: string;
  ds: DsData[];
  /** The zone's DNSKEYs, asked only when a DS exists. */
  dnskeys: Fact<DnskeyData[]> | null;
}

declare module './fact-map.js' {
  interface FactMap {
    dnssec: DnssecFact;
  }
}

/**
 * Both questions go with the CD bit: a validating resolver answers SERVFAIL for a zone whose chain is broken, which
 * would leave the check undecided exactly where it has something to say; with CD it hands the records over, and the
 * check matches them itself.
 */
const UNCHECKED = { checkingDisabled: true };

async function chainOf(context: GatherContext, zone: string): Promise<DnssecFact> {
  const answer = await lookup(context.resolver, zone, 'DS', UNCHECKED);
  const ds = answer.records.flatMap((record) =>
    record.type === 'DS'
      ? [{ keyTag: record.keyTag, algorithm: record.algorithm, digestType: record.digestType, digest: record.digest }]
      : [],
  );
  if (ds.length === 0) return { zone, ds, dnskeys: null };
  const dnskeys = await captureFact(
    lookup(context.resolver, zone, 'DNSKEY', UNCHECKED).then((keys) =>
      keys.records.flatMap((record) =>
        record.type === 'DNSKEY' ? [{ flags: record.flags, algorithm: record.algorithm, key: record.key }] : [],
      ),
    ),
  );
  return { zone, ds, dnskeys };
}

/**
 * The zone a domain's records live in: the domain itself when it is a zone's apex (it has an SOA, as a delegated
 * subdomain has), else its organisational domain, where the registrar delegates. A registered domain is its own
 * organisational domain and costs no question.
 */
async function zoneOf(context: GatherContext): Promise<string> {
  const { domain } = context;
  const organisational = organisationalDomain(domain);
  if (organisational === domain) return domain;
  const soa = await lookup(context.resolver, domain, 'SOA', UNCHECKED);
  return soa.records.some((record) => record.type === 'SOA' && record.name === domain) ? domain : organisational;
}

/** The DS of the domain's zone at its parent and, when there is one, the zone's DNSKEYs; once per zone and run. */
export async function gatherDnssec(context: GatherContext): Promise<DnssecFact> {
  const zone = await zoneOf(context);
  return context.once(`dnssec ${zone}`, () => chainOf(context, zone));
}
