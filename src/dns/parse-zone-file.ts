import { isIPv4, isIPv6 } from 'node:net';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { RR_TYPES, type DnsRecord, type RrType } from './types.js';

/**
 * Names in records are lower-case, absolute and written without the final dot ("mx.example.org"; the root is "").
 * DNS names compare case-insensitively (RFC 4343), so one spelling keeps lookups in maps simple.
 */
export type ZoneRecord = DnsRecord;

export interface ParseZoneOptions {
  /** The zone's origin, with or without the final dot: relative names and `@` are taken from it until `$ORIGIN`. */
  origin: string;
  /** The file name, for error messages. */
  file?: string;
}

interface Token {
  /** The text as written, escapes kept (names are read from it). */
  raw: string;
  /** The bytes the token stands for, escapes decoded (character-strings are read from them). */
  bytes: number[];
  quoted: boolean;
}

interface Entry {
  line: number;
  /** The entry starts with blank space: its owner is the previous record's (RFC 1035 section 5.1). */
  inheritsOwner: boolean;
  tokens: Token[];
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
const MAX_TTL = 2 ** 31 - 1;

class ZoneSyntaxError extends Error {
  readonly line: number;
  readonly text: Text;

  constructor(line: number, text: Text) {
    super(text.en);
    this.line = line;
    this.text = text;
  }
}

/** Splits a master file into entries, joining lines inside parentheses and dropping comments (RFC 1035 section 5.1). */
function tokenize(text: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let depth = 0;
  let parenLine = 0;
  let current: Entry | undefined;
  let token: Token | undefined;
  let atLineStart = true;

  const endToken = (): void => {
    if (token !== undefined) current?.tokens.push(token);
    token = undefined;
  };
  const endEntry = (): void => {
    endToken();
    if (current !== undefined && current.tokens.length > 0) entries.push(current);
    current = undefined;
  };
  const ensureEntry = (): Entry => {
    current ??= { line, inheritsOwner: false, tokens: [] };
    return current;
  };
  const ensureToken = (quoted: boolean): Token => {
    ensureEntry();
    token ??= { raw: '', bytes: [], quoted };
    return token;
  };
  const readEscape = (i: number): { raw: string; bytes: number[]; next: number } => {
    const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
    if (digits) {
      const value = Number(digits[0]);
      if (value > 255)
        throw new ZoneSyntaxError(line, {
          en: `escape "\\${digits[0]}" is above 255`,
          fr: `l’échappement « \\${digits[0]} » dépasse 255`,
        });
      return { raw: `\\${digits[0]}`, bytes: [value], next: i + 4 };
    }
    const ch = text.codePointAt(i + 1);
    if (ch === undefined || ch === 0x0a)
      throw new ZoneSyntaxError(line, {
        en: 'backslash at the end of a line',
        fr: 'barre oblique inverse en fin de ligne',
      });
    const char = String.fromCodePoint(ch);
    return { raw: `\\${char}`, bytes: [...Buffer.from(char, 'utf8')], next: i + 1 + char.length };
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      endToken();
      if (depth === 0) endEntry();
      line++;
      atLineStart = true;
      i++;
      continue;
    }
    if (ch === '\r') {
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (atLineStart && depth === 0) ensureEntry().inheritsOwner = true;
      atLineStart = false;
      endToken();
      i++;
      continue;
    }
    atLineStart = false;
    if (ch === ';') {
      endToken();
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(') {
      endToken();
      ensureEntry();
      if (depth === 0) parenLine = line;
      depth++;
      i++;
      continue;
    }
    if (ch === ')') {
      endToken();
      if (depth === 0)
        throw new ZoneSyntaxError(line, {
          en: 'closing parenthesis without an opening one',
          fr: 'parenthèse fermante sans parenthèse ouvrante',
        });
      depth--;
      i++;
      continue;
    }
    if (ch === '"') {
      endToken();
      const quotedToken = ensureToken(true);
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n')
          throw new ZoneSyntaxError(startLine, {
            en: 'quoted string not closed',
            fr: 'chaîne entre guillemets non fermée',
          });
        const c = text[i] as string;
        if (c === '"') break;
        if (c === '\\') {
          const escape = readEscape(i);
          quotedToken.raw += escape.raw;
          quotedToken.bytes.push(...escape.bytes);
          i = escape.next;
          continue;
        }
        const char = String.fromCodePoint(text.codePointAt(i) as number);
        quotedToken.raw += char;
        quotedToken.bytes.push(...Buffer.from(char, 'utf8'));
        i += char.length;
      }
      i++;
      endToken();
      continue;
    }
    const plain = ensureToken(false);
    if (ch === '\\') {
      const escape = readEscape(i);
      plain.raw += escape.raw;
      plain.bytes.push(...escape.bytes);
      i = escape.next;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) as number);
    plain.raw += char;
    plain.bytes.push(...Buffer.from(char, 'utf8'));
    i += char.length;
  }
  if (depth > 0)
    throw new ZoneSyntaxError(parenLine, {
      en: 'parenthesis opened here is never closed',
      fr: 'la parenthèse ouverte ici n’est jamais fermée',
    });
  endEntry();
  return entries;
}

/** Lower-cases a name and drops the final dot; checks label and name lengths (RFC 1035 section 2.3.4). */
function normalizeAbsolute(name: string, line: number): string {
  const bare = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (bare === '') return '';
  const lower = bare.toLowerCase();
  const labels = lower.split('.');
  for (const label of labels) {
    if (label === '')
      throw new ZoneSyntaxError(line, {
        en: `name "${name}" has an empty label`,
        fr: `le nom « ${name} » a une étiquette vide`,
      });
    if (label.length > 63)
      throw new ZoneSyntaxError(line, {
        en: `name "${name}" has a label longer than 63 characters`,
        fr: `le nom « ${name} » a une étiquette de plus de 63 caractères`,
      });
  }
  if (lower.length > 253)
    throw new ZoneSyntaxError(line, {
      en: `name "${name}" is longer than 253 characters`,
      fr: `le nom « ${name} » dépasse 253 caractères`,
    });
  return lower;
}

function resolveName(raw: string, origin: string, line: number): string {
  if (raw === '@') return origin;
  if (raw === '.') return '';
  if (raw.endsWith('.') && !raw.endsWith('\\.')) return normalizeAbsolute(raw, line);
  return normalizeAbsolute(origin === '' ? raw : `${raw}.${origin}`, line);
}

function ttlTooLong(raw: string): Text {
  return { en: `TTL "${raw}" is above 2^31-1`, fr: `le TTL « ${raw} » dépasse 2^31-1` };
}

function parseTtl(raw: string, line: number): number | undefined {
  if (/^\d+$/.test(raw)) {
    const value = Number(raw);
    if (value > MAX_TTL) throw new ZoneSyntaxError(line, ttlTooLong(raw));
    return value;
  }
  // BIND's unit syntax ("1h30m"), accepted by Knot and NSD too.
  if (!/^(\d+[smhdw])+$/i.test(raw)) return undefined;
  let total = 0;
  for (const [, amount, unit] of raw.toLowerCase().matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (TTL_UNITS[unit as string] as number);
  }
  if (total > MAX_TTL) throw new ZoneSyntaxError(line, ttlTooLong(raw));
  return total;
}

function parseUint(raw: string | undefined, max: number, what: Text, line: number): number {
  if (raw === undefined)
    throw new ZoneSyntaxError(line, { en: `${what.en} is missing`, fr: `champ manquant : ${what.fr}` });
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw new ZoneSyntaxError(line, {
      en: `${what.en} "${raw}" is not a number from 0 to ${max}`,
      fr: `« ${raw} » n’est pas un nombre de 0 à ${max} (${what.fr})`,
    });
  return Number(raw);
}

/** Expands then re-compresses an IPv6 address the way RFC 5952 (and dns-packet's decoder) writes it. */
export function canonicalIPv6(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const toGroups = (part: string): string[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [group];
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  };
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16).toString(16),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

function joinHex(tokens: Token[], what: Text, line: number): string {
  const hex = tokens.map((t) => t.raw).join('');
  if (hex === '' || !/^[0-9a-f]+$/i.test(hex) || hex.length % 2 !== 0)
    throw new ZoneSyntaxError(line, {
      en: `${what.en} "${hex}" is not an even number of hexadecimal digits`,
      fr: `« ${hex} » n’est pas un nombre pair de chiffres hexadécimaux (${what.fr})`,
    });
  return hex.toLowerCase();
}

function characterString(token: Token, line: number): string {
  // A character-string is one length byte and at most 255 bytes (RFC 1035 section 3.3).
  if (token.bytes.length > 255)
    throw new ZoneSyntaxError(line, {
      en: `string of ${token.bytes.length} bytes is longer than 255 bytes; split it into several quoted strings`,
      fr: `la chaîne de ${token.bytes.length} octets dépasse 255 octets ; coupez-la en plusieurs chaînes entre guillemets`,
    });
  return Buffer.from(token.bytes).toString('utf8');
}

function parseRdata(type: RrType, name: string, ttl: number, rdata: Token[], origin: string, line: number): DnsRecord {
  const raw = rdata.map((t) => t.raw);
  const expectCount = (count: number): void => {
    if (rdata.length !== count)
      throw new ZoneSyntaxError(line, {
        en: `${type} record needs ${count} field${count === 1 ? '' : 's'}, found ${rdata.length}`,
        fr: `l’enregistrement ${type} doit avoir ${count} champ${count === 1 ? '' : 's'}, il en a ${rdata.length}`,
      });
  };
  switch (type) {
    case 'A':
    case 'AAAA': {
      expectCount(1);
      const address = raw[0] as string;
      if (type === 'A' ? !isIPv4(address) : !isIPv6(address))
        throw new ZoneSyntaxError(line, {
          en: `"${address}" is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`,
          fr: `« ${address} » n’est pas une adresse ${type === 'A' ? 'IPv4' : 'IPv6'}`,
        });
      return { type, name, ttl, address: type === 'A' ? address : canonicalIPv6(address) };
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
      expectCount(1);
      return { type, name, ttl, target: resolveName(raw[0] as string, origin, line) };
    case 'MX':
      expectCount(2);
      return {
        type,
        name,
        ttl,
        preference: parseUint(raw[0], 65_535, { en: 'MX preference', fr: 'préférence MX' }, line),
        exchange: resolveName(raw[1] as string, origin, line),
      };
    case 'TXT':
      if (rdata.length === 0)
        throw new ZoneSyntaxError(line, {
          en: 'TXT record has no string',
          fr: 'l’enregistrement TXT n’a aucune chaîne',
        });
      return { type, name, ttl, strings: rdata.map((t) => characterString(t, line)) };
    case 'SOA':
      expectCount(7);
      for (const [index, what] of [
        [3, { en: 'SOA refresh', fr: 'délai de rafraîchissement SOA' }],
        [4, { en: 'SOA retry', fr: 'délai de nouvel essai SOA' }],
        [5, { en: 'SOA expire', fr: 'délai d’expiration SOA' }],
      ] as const) {
        if (parseTtl(raw[index] as string, line) === undefined)
          throw new ZoneSyntaxError(line, {
            en: `${what.en} "${raw[index]}" is not a time`,
            fr: `« ${raw[index]} » n’est pas une durée (${what.fr})`,
          });
      }
      return {
        type,
        name,
        ttl,
        mname: resolveName(raw[0] as string, origin, line),
        rname: resolveName(raw[1] as string, origin, line),
        serial: parseUint(raw[2], 4_294_967_295, { en: 'SOA serial', fr: 'numéro de série SOA' }, line),
        minimum:
          parseTtl(raw[6] as string, line) ??
          parseUint(raw[6], MAX_TTL, { en: 'SOA minimum', fr: 'minimum SOA' }, line),
      };
    case 'TLSA':
      if (rdata.length < 4)
        throw new ZoneSyntaxError(line, {
          en: `TLSA record needs 4 fields, found ${rdata.length}`,
          fr: `l’enregistrement TLSA doit avoir 4 champs, il en a ${rdata.length}`,
        });
      return {
        type,
        name,
        ttl,
        usage: parseUint(raw[0], 255, { en: 'TLSA usage', fr: 'usage TLSA' }, line),
        selector: parseUint(raw[1], 255, { en: 'TLSA selector', fr: 'sélecteur TLSA' }, line),
        matchingType: parseUint(raw[2], 255, { en: 'TLSA matching type', fr: 'type de correspondance TLSA' }, line),
        data: joinHex(rdata.slice(3), { en: 'TLSA data', fr: 'données TLSA' }, line),
      };
    case 'DS':
      if (rdata.length < 4)
        throw new ZoneSyntaxError(line, {
          en: `DS record needs 4 fields, found ${rdata.length}`,
          fr: `l’enregistrement DS doit avoir 4 champs, il en a ${rdata.length}`,
        });
      return {
        type,
        name,
        ttl,
        keyTag: parseUint(raw[0], 65_535, { en: 'DS key tag', fr: 'identifiant de clé DS' }, line),
        algorithm: parseUint(raw[1], 255, { en: 'DS algorithm', fr: 'algorithme DS' }, line),
        digestType: parseUint(raw[2], 255, { en: 'DS digest type', fr: 'type d’empreinte DS' }, line),
        digest: joinHex(rdata.slice(3), { en: 'DS digest', fr: 'empreinte DS' }, line),
      };
    case 'DNSKEY': {
      if (rdata.length < 4)
        throw new ZoneSyntaxError(line, {
          en: `DNSKEY record needs 4 fields, found ${rdata.length}`,
          fr: `l’enregistrement DNSKEY doit avoir 4 champs, il en a ${rdata.length}`,
        });
      // The protocol field must be 3 (RFC 4034 section 2.1.2).
      if (raw[1] !== '3')
        throw new ZoneSyntaxError(line, {
          en: `DNSKEY protocol "${raw[1]}" is not 3`,
          fr: `le protocole DNSKEY doit valoir 3, pas « ${raw[1]} »`,
        });
      const key = raw.slice(3).join('');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0)
        throw new ZoneSyntaxError(line, {
          en: `DNSKEY public key "${key}" is not base64`,
          fr: `la clé publique DNSKEY « ${key} » n’est pas en base64`,
        });
      return {
        type,
        name,
        ttl,
        flags: parseUint(raw[0], 65_535, { en: 'DNSKEY flags', fr: 'indicateurs DNSKEY' }, line),
        algorithm: parseUint(raw[2], 255, { en: 'DNSKEY algorithm', fr: 'algorithme DNSKEY' }, line),
        key,
      };
    }
    case 'CAA': {
      expectCount(3);
      const tag = raw[1] as string;
      // Tags are ASCII letters and digits (RFC 8659 section 4.1).
      if (!/^[a-z0-9]+$/i.test(tag))
        throw new ZoneSyntaxError(line, {
          en: `CAA tag "${tag}" is not letters and digits`,
          fr: `la balise CAA « ${tag} » doit être faite de lettres et de chiffres`,
        });
      return {
        type,
        name,
        ttl,
        flags: parseUint(raw[0], 255, { en: 'CAA flags', fr: 'indicateurs CAA' }, line),
        tag: tag.toLowerCase(),
        value: Buffer.from((rdata[2] as Token).bytes).toString('utf8'),
      };
    }
  }
}

/**
 * Reads the subset of an RFC 1035 master file that facteur's fixtures and `facteur demo` need:
 * `$ORIGIN`, `$TTL`, `@`, relative names, blank owners, parentheses, quoted strings and comments, class IN only.
 * Throws InputError naming the file, the line and the reason.
 */
export function parseZoneFile(text: string, options: ParseZoneOptions): ZoneRecord[] {
  const where = options.file === undefined ? 'zone text' : `zone file "${options.file}"`;
  const whereFr = options.file === undefined ? 'le texte de zone' : `le fichier de zone « ${options.file} »`;
  try {
    return parseEntries(tokenize(text), normalizeAbsolute(options.origin, 0));
  } catch (error) {
    if (!(error instanceof ZoneSyntaxError)) throw error;
    throw new InputError(
      {
        en: `Cannot parse ${where} at line ${error.line}: ${error.text.en}`,
        fr: `Impossible d’analyser ${whereFr} à la ligne ${error.line} : ${error.text.fr}`,
      },
      {
        ...(options.file === undefined ? {} : { file: options.file }),
        line: error.line,
      },
    );
  }
}

function parseEntries(entries: Entry[], initialOrigin: string): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  let origin = initialOrigin;
  let defaultTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastOwner: string | undefined;

  for (const entry of entries) {
    const { line, tokens } = entry;
    const first = tokens[0] as Token;
    if (!entry.inheritsOwner && !first.quoted && first.raw.startsWith('$')) {
      const directive = first.raw.toUpperCase();
      if (directive === '$ORIGIN') {
        if (tokens.length !== 2)
          throw new ZoneSyntaxError(line, { en: '$ORIGIN needs one name', fr: '$ORIGIN attend un seul nom' });
        origin = resolveName((tokens[1] as Token).raw, origin, line);
      } else if (directive === '$TTL') {
        if (tokens.length !== 2)
          throw new ZoneSyntaxError(line, { en: '$TTL needs one value', fr: '$TTL attend une seule valeur' });
        const ttl = parseTtl((tokens[1] as Token).raw, line);
        if (ttl === undefined)
          throw new ZoneSyntaxError(line, {
            en: `$TTL "${(tokens[1] as Token).raw}" is not a time`,
            fr: `$TTL « ${(tokens[1] as Token).raw} » n’est pas une durée`,
          });
        defaultTtl = ttl;
      } else {
        throw new ZoneSyntaxError(line, {
          en: `directive "${first.raw}" is not supported`,
          fr: `la directive « ${first.raw} » n’est pas prise en charge`,
        });
      }
      continue;
    }

    let index = 0;
    let owner: string;
    if (entry.inheritsOwner) {
      if (lastOwner === undefined)
        throw new ZoneSyntaxError(line, {
          en: 'record has no owner name and no previous record to take it from',
          fr: 'l’enregistrement n’a pas de nom de propriétaire ni d’enregistrement précédent où le prendre',
        });
      owner = lastOwner;
    } else {
      owner = resolveName(first.raw, origin, line);
      index = 1;
    }

    let ttl: number | undefined;
    let type: RrType | undefined;
    // TTL and class may come in either order before the type (RFC 1035 section 5.1).
    while (index < tokens.length && type === undefined) {
      const token = tokens[index] as Token;
      index++;
      const upper = token.raw.toUpperCase();
      const asTtl = token.quoted ? undefined : parseTtl(token.raw, line);
      if (asTtl !== undefined) {
        if (ttl !== undefined)
          throw new ZoneSyntaxError(line, { en: `second TTL "${token.raw}"`, fr: `second TTL « ${token.raw} »` });
        ttl = asTtl;
      } else if (CLASSES.has(upper)) {
        if (upper !== 'IN')
          throw new ZoneSyntaxError(line, {
            en: `class "${token.raw}" is not supported, only IN`,
            fr: `la classe « ${token.raw} » n’est pas prise en charge, seulement IN`,
          });
      } else if ((RR_TYPES as readonly string[]).includes(upper)) {
        type = upper as RrType;
      } else {
        throw new ZoneSyntaxError(line, {
          en: `record type "${token.raw}" is not supported`,
          fr: `le type d’enregistrement « ${token.raw} » n’est pas pris en charge`,
        });
      }
    }
    if (type === undefined)
      throw new ZoneSyntaxError(line, { en: 'record has no type', fr: 'l’enregistrement n’a pas de type' });

    // Without an explicit TTL a record takes $TTL (RFC 2308 section 4), else the last explicit one (RFC 1035 section 5.1).
    const effectiveTtl = ttl ?? defaultTtl ?? lastTtl;
    if (effectiveTtl === undefined)
      throw new ZoneSyntaxError(line, {
        en: 'record has no TTL and no $TTL came before it',
        fr: 'l’enregistrement n’a pas de TTL et aucun $TTL ne le précède',
      });
    if (ttl !== undefined) lastTtl = ttl;
    lastOwner = owner;
    records.push(parseRdata(type, owner, effectiveTtl, tokens.slice(index), origin, line));
  }
  return records;
}
