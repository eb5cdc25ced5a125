import { RecordSyntaxError, type SyntaxFault } from './record-syntax-error.js';

/** RFC 7489 6.3 `p` and `sp` values. */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** One `rua`/`ruf` destination (RFC 7489 6.2): the URI, its `mailto:` address when it is one, and the size limit. */
export interface DmarcReportUri {
  uri: string;
  /** The domain of a `mailto:` address, lower-cased; null for other schemes. */
  domain: string | null;
  /** The `!size` suffix as written (`10m`), or null. */
  maxSize: string | null;
}

/** A parsed DMARC record with RFC 7489 6.3 defaults applied; `sp` stays null when absent (it then follows `p`). */
export interface DmarcRecord {
  policy: DmarcPolicy;
  subdomainPolicy: DmarcPolicy | null;
  pct: number;
  rua: DmarcReportUri[];
  ruf: DmarcReportUri[];
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  fo: string[];
  rf: string[];
  ri: number;
  /** Tags RFC 7489 6.3 tells receivers to ignore. */
  unknownTags: string[];
}

/** A DMARC record that does not follow RFC 7489 6.4; `position` is the 0-based offset of the bad tag. */
export class DmarcSyntaxError extends RecordSyntaxError {
  constructor(name: string, fault: SyntaxFault, position: number) {
    super('DMARC', name, fault, position);
    this.name = 'DmarcSyntaxError';
  }
}

/**
 * RFC 7489 6.6.3 step 3: only records starting with the `v=DMARC1` tag are DMARC records. In 6.4's ABNF the tag name is
 * a quoted string, case-insensitive as all ABNF strings (RFC 5234 2.3), and the value is spelt in %x codes,
 * case-sensitive: `V=DMARC1` is one, `v=dmarc1` is not.
 */
export function isDmarcRecord(text: string): boolean {
  return /^[vV][ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)/.test(text);
}

const POLICIES: readonly string[] = ['none', 'quarantine', 'reject'];

function parsePolicy(value: string, tag: string, name: string, position: number): DmarcPolicy {
  const policy = value.toLowerCase();
  if (!POLICIES.includes(policy))
    throw new DmarcSyntaxError(name, { code: 'unknown_value', keyword: tag, term: value }, position);
  return policy as DmarcPolicy;
}

function parseUris(value: string, tag: string, name: string, position: number): DmarcReportUri[] {
  return value.split(',').map((part) => {
    const text = part.trim();
    // RFC 7489 6.2: the URI, then an optional "!" size with unit k, m, g or t; commas and "!" in URIs are %-encoded.
    const match = /^([a-z][a-z0-9+.-]*:[^!\s]+)(?:!(\d+[kmgt]?))?$/i.exec(text);
    if (!match?.[1]) throw new DmarcSyntaxError(name, { code: 'invalid_uri', keyword: tag, term: text }, position);
    const uri = match[1];
    let domain: string | null = null;
    if (/^mailto:/i.test(uri)) {
      const address = /^mailto:[^@]+@([a-z0-9.-]+\.[a-z0-9-]+)\.?$/i.exec(uri);
      if (!address?.[1])
        throw new DmarcSyntaxError(name, { code: 'invalid_address', keyword: tag, term: uri }, position);
      domain = address[1].toLowerCase();
    }
    return { uri, domain, maxSize: match[2]?.toLowerCase() ?? null };
  });
}

function parseAlignment(value: string, tag: string, name: string, position: number): 'r' | 's' {
  const mode = value.toLowerCase();
  if (mode !== 'r' && mode !== 's')
    throw new DmarcSyntaxError(name, { code: 'unknown_value', keyword: tag, term: value }, position);
  return mode;
}

function parseList(value: string, allowed: RegExp, tag: string, name: string, position: number): string[] {
  const items = value.split(':').map((item) => item.trim().toLowerCase());
  const bad = items.find((item) => !allowed.test(item));
  if (bad !== undefined)
    throw new DmarcSyntaxError(name, { code: 'unknown_list_value', keyword: tag, term: bad }, position);
  return items;
}

/** Parses a DMARC record (RFC 7489 6.3, 6.4); `name` is the DNS name it was found at, for messages. */
export function parseDmarcRecord(text: string, name: string): DmarcRecord {
  if (!isDmarcRecord(text)) throw new DmarcSyntaxError(name, { code: 'missing_dmarc_version' }, 0);
  const seen = new Set<string>();
  const record: DmarcRecord = {
    policy: 'none',
    subdomainPolicy: null,
    pct: 100,
    rua: [],
    ruf: [],
    adkim: 'r',
    aspf: 'r',
    fo: ['0'],
    rf: ['afrf'],
    ri: 86400,
    unknownTags: [],
  };
  let offset = 0;
  for (const part of text.split(';')) {
    const position = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    if (equals < 1) throw new DmarcSyntaxError(name, { code: 'tag_without_value', term: trimmed }, position);
    const tag = trimmed.slice(0, equals).trim().toLowerCase();
    const value = trimmed.slice(equals + 1).trim();
    if (seen.has(tag)) throw new DmarcSyntaxError(name, { code: 'second_tag', keyword: tag }, position);
    seen.add(tag);
    // RFC 7489 6.4: the p tag, when present, must follow v immediately.
    if (tag === 'p' && seen.size !== 2) throw new DmarcSyntaxError(name, { code: 'p_not_second' }, position);
    switch (tag) {
      case 'v':
        break;
      case 'p':
        record.policy = parsePolicy(value, tag, name, position);
        break;
      case 'sp':
        record.subdomainPolicy = parsePolicy(value, tag, name, position);
        break;
      case 'pct':
        if (!/^\d{1,3}$/.test(value) || Number(value) > 100)
          throw new DmarcSyntaxError(name, { code: 'invalid_value', keyword: 'pct', term: value }, position);
        record.pct = Number(value);
        break;
      case 'rua':
      case 'ruf':
        record[tag] = parseUris(value, tag, name, position);
        break;
      case 'adkim':
      case 'aspf':
        record[tag] = parseAlignment(value, tag, name, position);
        break;
      case 'fo':
        record.fo = parseList(value, /^[01ds]$/, tag, name, position);
        break;
      case 'rf':
        record.rf = parseList(value, /^[a-z][a-z0-9-]*$/, tag, name, position);
        break;
      case 'ri':
        // 32-bit unsigned per RFC 7489 6.3.
        if (!/^\d{1,10}$/.test(value) || Number(value) > 0xffffffff)
          throw new DmarcSyntaxError(name, { code: 'invalid_value', keyword: 'ri', term: value }, position);
        record.ri = Number(value);
        break;
      default:
        record.unknownTags.push(tag);
    }
  }
  // RFC 7489 6.3: p is required in a policy record.
  if (!seen.has('p')) throw new DmarcSyntaxError(name, { code: 'missing_p' }, text.length);
  return record;
}
