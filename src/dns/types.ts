import { fillText, type Text } from '../i18n.js';

/** The record types facteur asks for. */
export const RR_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'TXT', 'TLSA', 'DS', 'DNSKEY', 'CAA'] as const;
export type RrType = (typeof RR_TYPES)[number];

/** Why a lookup gave no usable answer. NXDOMAIN and NODATA are answers, never failures. */
export type DnsFailure = 'timeout' | 'servfail' | 'refused' | 'formerr' | 'network' | 'truncated';

/** A resource record, by type. TXT keeps its character-strings apart: joining them is the reader's business. */
export type DnsRecord =
  | { type: 'A' | 'AAAA'; name: string; ttl: number; address: string }
  | { type: 'CNAME' | 'NS' | 'PTR'; name: string; ttl: number; target: string }
  | { type: 'MX'; name: string; ttl: number; preference: number; exchange: string }
  | { type: 'TXT'; name: string; ttl: number; strings: string[] }
  | { type: 'SOA'; name: string; ttl: number; mname: string; rname: string; serial: number; minimum: number }
  | { type: 'TLSA'; name: string; ttl: number; usage: number; selector: number; matchingType: number; data: string }
  | { type: 'DS'; name: string; ttl: number; keyTag: number; algorithm: number; digestType: number; digest: string }
  | { type: 'DNSKEY'; name: string; ttl: number; flags: number; algorithm: number; key: string }
  | { type: 'CAA'; name: string; ttl: number; flags: number; tag: string; value: string };

/** A lookup's answer: NXDOMAIN (the name does not exist) or NOERROR with zero or more records (zero = NODATA). */
export interface DnsAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** Records of the asked type, after following CNAMEs. */
  records: DnsRecord[];
  /** The CNAME chain followed from the asked name, in order (empty when none). */
  cnames: string[];
  /** The resolver's AD bit: the answer was validated by DNSSEC. */
  authenticated: boolean;
}

/** A fact: a value, or the reason it could not be known (`detail`: the server, what it answered or did not). */
export type Fact<T> = { ok: true; value: T } | { ok: false; error: DnsFailure; detail: Text };

/** How to ask one question. */
export interface QueryOptions {
  /**
   * Sets the CD bit (RFC 4035 3.2.2): a validating resolver then hands over data it cannot validate instead of
   * answering SERVFAIL, which is what a DNSSEC audit needs to name what is broken.
   */
  checkingDisabled?: boolean;
}

/** The only way facteur code asks DNS a question (as mailauth's `resolver` parameter). */
export interface DnsResolver {
  query(name: string, type: RrType, options?: QueryOptions): Promise<Fact<DnsAnswer>>;
}

/** A failure as a lookup's reason names it: English keeps the code reports always gave, French says it in words. */
const FAILURE_WORDS: Record<DnsFailure, Text> = {
  timeout: { en: 'timeout', fr: 'délai dépassé' },
  servfail: { en: 'servfail', fr: 'SERVFAIL' },
  refused: { en: 'refused', fr: 'REFUSED' },
  formerr: { en: 'formerr', fr: 'FORMERR' },
  network: { en: 'network', fr: 'erreur réseau' },
  truncated: { en: 'truncated', fr: 'réponse tronquée' },
};

const LOOKUP_FAILED: Text = {
  en: 'DNS {qtype} lookup of "{qname}" failed: {failure}',
  fr: 'la requête DNS {qtype} de « {qname} » a échoué : {failure}',
};

const LOOKUP_FAILED_DETAIL: Text = {
  en: 'DNS {qtype} lookup of "{qname}" failed: {failure} ({detail})',
  fr: 'la requête DNS {qtype} de « {qname} » a échoué : {failure} ({detail})',
};

/** Raised inside a gatherer when a lookup it needs failed; the runner turns it into an `unknown` result. */
export class DnsLookupError extends Error {
  readonly failure: DnsFailure;
  readonly qname: string;
  readonly qtype: RrType;
  /** The message in every language, for reports read in their reader's; `message` is its English. */
  readonly reason: Text;

  constructor(failure: DnsFailure, qname: string, qtype: RrType, detail: Text) {
    const values = { qtype, qname, failure: FAILURE_WORDS[failure], detail };
    const reason = fillText(detail.en === '' ? LOOKUP_FAILED : LOOKUP_FAILED_DETAIL, values);
    super(reason.en);
    this.name = 'DnsLookupError';
    this.failure = failure;
    this.qname = qname;
    this.qtype = qtype;
    this.reason = reason;
  }
}

/** Unwraps a fact inside a gatherer, throwing DnsLookupError on failure. */
export async function lookup(
  resolver: DnsResolver,
  name: string,
  type: RrType,
  options?: QueryOptions,
): Promise<DnsAnswer> {
  const fact = await resolver.query(name, type, options);
  if (!fact.ok) throw new DnsLookupError(fact.error, name, type, fact.detail);
  return fact.value;
}

/**
 * The TXT records of an answer, each one's character-strings joined: SPF (RFC 7208 3.3), DKIM (RFC 6376 3.6.2.2),
 * DMARC and the others all read a record split over several strings as one.
 */
export function txtTexts(answer: DnsAnswer): string[] {
  const texts: string[] = [];
  for (const record of answer.records) if (record.type === 'TXT') texts.push(record.strings.join(''));
  return texts;
}
