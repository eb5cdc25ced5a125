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
  /**
   * The zone looked at: the domain's organisational domain, the name its registrar delegates and where the DS of a
   * signed zone is published.
   */
  zone: string;
  ds: DsData[];
  /** Whether the resolver validated the DS answer (its AD bit). */
  authenticated: boolean;
  /** The zone's DNSKEYs, asked only when a DS exists. A validating resolver answers SERVFAIL when none matches. */
  dnskeys: Fact<DnskeyData[]> | null;
}

declare module './fact-map.js' {
  interface FactMap {
    dnssec: DnssecFact;
  }
}

async function chainOf(context: GatherContext, zone: string): Promise<DnssecFact> {
  const answer = await lookup(context.resolver, zone, 'DS');
  const ds = answer.records.flatMap((record) =>
    record.type === 'DS'
      ? [{ keyTag: record.keyTag, algorithm: record.algorithm, digestType: record.digestType, digest: record.digest }]
      : [],
  );
  if (ds.length === 0) return { zone, ds, authenticated: answer.authenticated, dnskeys: null };
  const dnskeys = await captureFact(
    lookup(context.resolver, zone, 'DNSKEY').then((keys) =>
      keys.records.flatMap((record) =>
        record.type === 'DNSKEY' ? [{ flags: record.flags, algorithm: record.algorithm, key: record.key }] : [],
      ),
    ),
  );
  return { zone, ds, authenticated: answer.authenticated, dnskeys };
}

/** The DS of the domain's zone at its parent and, when there is one, the zone's DNSKEYs; once per zone and run. */
export function gatherDnssec(context: GatherContext): Promise<DnssecFact> {
  const zone = organisationalDomain(context.domain);
  return context.once(`dnssec ${zone}`, () => chainOf(context, zone));
}
