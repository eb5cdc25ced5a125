import type { GatherContext } from '../checks/types.js';
import type { Fact } from '../dns/types.js';
import { lookup, txtTexts } from '../dns/types.js';
import { captureFact, domainMxExchanges, ipLiteral } from './mx.js';

/** The TXT records at a name, each record's strings joined, and the CNAME chain the lookup followed to them. */
export interface TxtRecordsFact {
  name: string;
  records: string[];
  /** A record at an alias is published at the chain's end, by whoever runs that name: changes are made there. */
  cnames: string[];
}

/** The TLSA records of one MX host's port 25 (RFC 7672 2.2) and whether DNSSEC validated them. */
export interface DaneHost {
  exchange: string;
  name: string;
  tlsa: Fact<{ count: number; authenticated: boolean }>;
}

/** DANE TLSA lookups for every MX host. */
export interface DaneFact {
  hosts: DaneHost[];
}

declare module './fact-map.js' {
  interface FactMap {
    mtaStsRecord: TxtRecordsFact;
    tlsRptRecord: TxtRecordsFact;
    dane: DaneFact;
  }
}

/** The TXT records at `name`, each record's strings joined, and the CNAME chain followed. */
export async function txtAt(context: GatherContext, name: string): Promise<TxtRecordsFact> {
  const answer = await lookup(context.resolver, name, 'TXT');
  return { name, records: txtTexts(answer), cnames: answer.cnames };
}

/** The TXT records at `_mta-sts.<domain>` (RFC 8461 3.1). */
export function gatherMtaStsRecord(context: GatherContext): Promise<TxtRecordsFact> {
  return txtAt(context, `_mta-sts.${context.domain}`);
}

/** The TXT records at `_smtp._tls.<domain>` (RFC 8460 3). */
export function gatherTlsRptRecord(context: GatherContext): Promise<TxtRecordsFact> {
  return txtAt(context, `_smtp._tls.${context.domain}`);
}

/** The TLSA records at `_25._tcp.<mx>` for every MX host, with the resolver's AD bit. */
export async function gatherDane(context: GatherContext): Promise<DaneFact> {
  const exchanges = (await domainMxExchanges(context)).filter(
    (mx) => mx.exchange !== '' && ipLiteral(mx.exchange) === null,
  );
  const unique = [...new Set(exchanges.map((mx) => mx.exchange))];
  const hosts = await Promise.all(
    unique.map(async (exchange): Promise<DaneHost> => {
      const name = `_25._tcp.${exchange}`;
      // Once per run: the members of one hoster share its MX hosts.
      const tlsa = await captureFact(
        context.once(`tlsa ${name}`, () =>
          lookup(context.resolver, name, 'TLSA').then((answer) => ({
            count: answer.records.filter((record) => record.type === 'TLSA').length,
            authenticated: answer.authenticated,
          })),
        ),
      );
      return { exchange, name, tlsa };
    }),
  );
  return { hosts };
}
