import { getDomain } from 'tldts';
import type { GatherContext } from '../checks/types.js';
import { normalizeName } from '../dns/memory-resolver.js';
import { lookup, txtTexts, type DnsResolver } from '../dns/types.js';
import { DmarcSyntaxError, isDmarcRecord, parseDmarcRecord, type DmarcRecord } from '../parse/parse-dmarc-record.js';
import type { SyntaxFault } from '../parse/record-syntax-error.js';
import { domainHasNullMx } from './mx.js';

/** One `rua`/`ruf` destination and, when it sits outside the policy's organisational domain, its RFC 7489 7.1 authorisation. */
export interface DmarcReportDestination {
  tag: 'rua' | 'ruf';
  uri: string;
  domain: string;
  isExternal: boolean;
  /** The name queried for the authorisation record, null when the destination is not external. */
  authorizationName: string | null;
  /** Whether `<policy domain>._report._dmarc.<destination>` holds a `v=DMARC1` record; null when not external. */
  isAuthorized: boolean | null;
  /** The CNAME chain the authorisation lookup followed: a record to add goes at its end. Empty when not external. */
  authorizationCnames: string[];
}

/** The DMARC policy that applies to a domain (RFC 7489 6.6.3), where it was found, and its report destinations. */
export interface DmarcFact {
  domain: string;
  /** RFC 7489 3.2, from the Public Suffix List. */
  organisationalDomain: string;
  /** The domain whose `_dmarc` record applies (the domain or its organisational domain), null when none was found. */
  policyDomain: string | null;
  /** True when the record comes from the organisational domain, not from the domain itself. */
  isInherited: boolean;
  /** The DMARC records at `_dmarc.<policyDomain>`, each TXT's strings joined. */
  records: string[];
  /**
   * The CNAME chain of the lookup whose records apply (`_dmarc.<policyDomain>`): a DMARC management service publishes
   * the record at a name of its own, and changes to it are made there. Empty when no record applies.
   */
  cnames: string[];
  /** The CNAME chain of the lookup of `_dmarc.<domain>`, where a record of the domain's own goes. */
  ownCnames: string[];
  /** The parsed record when there is exactly one and it is valid. */
  record: DmarcRecord | null;
  syntaxError: { message: string; position: number; fault: SyntaxFault } | null;
  reportDestinations: DmarcReportDestination[];
  /**
   * When no record applies: whether the domain has a null MX (RFC 7505) and so sends no mail, for the record to
   * suggest; null when a record applies or the MX lookup failed.
   */
  hasNullMx: boolean | null;
}

/** RFC 7489 3.2: the organisational domain is the public suffix plus one label; private PSL entries count, as mailauth does. */
export function organisationalDomain(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: true }) ?? domain;
}

/** The DMARC records at a name, and the CNAME chain the lookup followed to them. */
async function dmarcRecordsAt(resolver: DnsResolver, name: string): Promise<{ records: string[]; cnames: string[] }> {
  const answer = await lookup(resolver, name, 'TXT');
  return { records: txtTexts(answer).filter(isDmarcRecord), cnames: answer.cnames };
}

async function destinationsOf(
  resolver: DnsResolver,
  record: DmarcRecord,
  policyDomain: string,
): Promise<DmarcReportDestination[]> {
  const policyOrg = organisationalDomain(policyDomain);
  const uris = [
    ...record.rua.map((uri) => ({ tag: 'rua' as const, ...uri })),
    ...record.ruf.map((uri) => ({ tag: 'ruf' as const, ...uri })),
  ];
  return Promise.all(
    uris.flatMap(({ tag, uri, domain }) => {
      // Only mailto: destinations have a domain to authorise; other schemes are not in RFC 7489 7.1.
      if (domain === null) return [];
      return [
        (async (): Promise<DmarcReportDestination> => {
          if (organisationalDomain(domain) === policyOrg)
            return {
              tag,
              uri,
              domain,
              isExternal: false,
              authorizationName: null,
              isAuthorized: null,
              authorizationCnames: [],
            };
          const authorizationName = `${policyDomain}._report._dmarc.${domain}`;
          const { records, cnames } = await dmarcRecordsAt(resolver, authorizationName);
          return {
            tag,
            uri,
            domain,
            isExternal: true,
            authorizationName,
            isAuthorized: records.length > 0,
            authorizationCnames: cnames,
          };
        })(),
      ];
    }),
  );
}

/** Gathers the `dmarc` fact: RFC 7489 6.6.3 discovery, then the authorisation of each external report destination. */
export async function gatherDmarc(context: GatherContext): Promise<DmarcFact> {
  const domain = normalizeName(context.domain);
  const orgDomain = organisationalDomain(domain);
  const fact: DmarcFact = {
    domain,
    organisationalDomain: orgDomain,
    policyDomain: null,
    isInherited: false,
    records: [],
    cnames: [],
    ownCnames: [],
    record: null,
    syntaxError: null,
    reportDestinations: [],
    hasNullMx: null,
  };
  const own = await dmarcRecordsAt(context.resolver, `_dmarc.${domain}`);
  fact.ownCnames = own.cnames;
  let found = own;
  let policyDomain = domain;
  // RFC 7489 6.6.3 step 4: no record at the domain itself, so ask the organisational domain.
  if (found.records.length === 0 && orgDomain !== domain) {
    found = await dmarcRecordsAt(context.resolver, `_dmarc.${orgDomain}`);
    policyDomain = orgDomain;
  }
  const { records, cnames } = found;
  if (records.length === 0) {
    fact.hasNullMx = await domainHasNullMx(context);
    return fact;
  }
  fact.policyDomain = policyDomain;
  fact.isInherited = policyDomain !== domain;
  fact.records = records;
  fact.cnames = cnames;
  // RFC 7489 6.6.3 step 5: several records mean no policy applies.
  if (records.length > 1) return fact;
  try {
    fact.record = parseDmarcRecord(records[0] ?? '', `_dmarc.${policyDomain}`);
  } catch (error) {
    if (!(error instanceof DmarcSyntaxError)) throw error;
    fact.syntaxError = { message: error.message, position: error.position, fault: error.fault };
    return fact;
  }
  fact.reportDestinations = await destinationsOf(context.resolver, fact.record, policyDomain);
  return fact;
}

declare module './fact-map.js' {
  interface FactMap {
    dmarc: DmarcFact;
  }
}
