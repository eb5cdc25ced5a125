import type { DnsFailure, DnsRecord, DnsResolver } from '../dns/types.js';

/** What one DNS look at a domain said about its mail. */
export type DomainStatus = 'ok' | 'nxdomain' | 'null_mx' | 'no_mail_host' | 'unknown';

/** The statuses that mean no mail can be delivered to the domain. */
export const DEAD_STATUSES: readonly DomainStatus[] = ['nxdomain', 'null_mx', 'no_mail_host'];

/** Which lookup failed and how, for an `unknown` observation. */
export interface DomainLookupFailure {
  type: 'MX' | 'A' | 'AAAA';
  error: DnsFailure;
}

/**
 * One observation of a domain: its status and, for `unknown`, which lookup failed and how (`failure`, and `detail`
 * as the database keeps it: "MX timeout").
 */
export interface DomainObservation {
  domain: string;
  status: DomainStatus;
  detail: string | null;
  failure: DomainLookupFailure | null;
}

function unknownBy(domain: string, failure: DomainLookupFailure): DomainObservation {
  return { domain, status: 'unknown', detail: `${failure.type} ${failure.error}`, failure };
}

function isNullMx(records: DnsRecord[]): boolean {
  // RFC 7505 section 3: a null MX is a single MX record with preference 0 and the exchange ".".
  const [only] = records;
  return (
    records.length === 1 &&
    only?.type === 'MX' &&
    only.preference === 0 &&
    (only.exchange === '' || only.exchange === '.')
  );
}

/**
 * Asks DNS whether a domain can receive mail at all (RFC 5321 section 5.1): NXDOMAIN, a null MX (RFC 7505), or no MX
 * and no A/AAAA to fall back to are dead ends. A timeout, SERVFAIL or refusal on any lookup the verdict needs is
 * `unknown`, never dead: the next run asks again.
 */
export async function probeMailDomain(resolver: DnsResolver, domain: string): Promise<DomainObservation> {
  const mx = await resolver.query(domain, 'MX');
  if (!mx.ok) return unknownBy(domain, { type: 'MX', error: mx.error });
  if (mx.value.rcode === 'NXDOMAIN') return { domain, status: 'nxdomain', detail: null, failure: null };
  if (isNullMx(mx.value.records)) return { domain, status: 'null_mx', detail: null, failure: null };
  if (mx.value.records.length > 0) return { domain, status: 'ok', detail: null, failure: null };
  // No MX: RFC 5321 section 5.1 falls back to the domain's own address records (the implicit MX).
  const [a, aaaa] = await Promise.all([resolver.query(domain, 'A'), resolver.query(domain, 'AAAA')]);
  if ((a.ok && a.value.records.length > 0) || (aaaa.ok && aaaa.value.records.length > 0))
    return { domain, status: 'ok', detail: null, failure: null };
  if (!a.ok) return unknownBy(domain, { type: 'A', error: a.error });
  if (!aaaa.ok) return unknownBy(domain, { type: 'AAAA', error: aaaa.error });
  return { domain, status: 'no_mail_host', detail: null, failure: null };
}
