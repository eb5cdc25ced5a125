import { isIPv4, isIPv6 } from 'node:net';
import { RecordSyntaxError, type SyntaxFault } from './record-syntax-error.js';

/** RFC 7208 4.6.2: the result a mechanism gives when it matches. */
export type SpfQualifier = '+' | '-' | '~' | '?';

/** One mechanism of an SPF record (RFC 7208 5), with its offset in the record for messages. */
export type SpfMechanism = { qualifier: SpfQualifier; position: number } & (
  | { kind: 'all' }
  | { kind: 'include' | 'exists'; domain: string }
  | { kind: 'a' | 'mx'; domain: string | null; cidr4: number | null; cidr6: number | null }
  | { kind: 'ptr'; domain: string | null }
  | { kind: 'ip4' | 'ip6'; address: string; prefix: number | null }
);

/** A parsed SPF record. */
export interface SpfRecord {
  /** The version section as written: `v=spf1`, or another case (RFC 7208 4.5 asks for exactly `v=spf1`). */
  version: string;
  mechanisms: SpfMechanism[];
  /** RFC 7208 6.1 `redirect=` modifier. */
  redirect: string | null;
  /** RFC 7208 6.2 `exp=` modifier. */
  exp: string | null;
  /** Modifiers RFC 7208 6 tells receivers to ignore. */
  unknownModifiers: { name: string; value: string }[];
}

/** An SPF record that does not follow the RFC 7208 12 grammar; `position` is the 0-based offset of the bad term. */
export class SpfSyntaxError extends RecordSyntaxError {
  constructor(name: string, fault: SyntaxFault, position: number) {
    super('SPF', name, fault, position);
    this.name = 'SpfSyntaxError';
  }
}

/** RFC 7208 4.5: a TXT record is an SPF record when it starts with the version section `v=spf1` (case-insensitive per RFC 5234). */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1(?: |$)/i.test(text);
}

/** RFC 7208 7.2: macro letters allowed in domain-specs (c, r, t only in `exp` explanations). */
const MACRO_LETTERS = 'slodiphv';
const MACRO_PATTERN = /^%\{([a-z])(\d*)(r?)([.\-+,/_=]*)\}/i;

/** True when a domain-spec contains a macro (`%{...}`): it can only be expanded for one message. */
export function hasMacro(domainSpec: string): boolean {
  return domainSpec.includes('%{');
}

/** RFC 7208 7.1 macro-string check; returns the offset (in the spec) of the first bad `%`, or -1. */
function findBadMacro(spec: string): number {
  for (let index = 0; index < spec.length; index++) {
    if (spec[index] !== '%') continue;
    const next = spec[index + 1];
    if (next === '%' || next === '_' || next === '-') {
      index++;
      continue;
    }
    const match = MACRO_PATTERN.exec(spec.slice(index));
    if (!match?.[1] || !MACRO_LETTERS.includes(match[1].toLowerCase())) return index;
    // RFC 7208 7.1: a transformer digit of zero is not allowed; 128 labels is the DNS maximum.
    if (match[2] && (Number(match[2]) === 0 || Number(match[2]) > 128)) return index;
    index += match[0].length - 1;
  }
  return -1;
}

/** RFC 7208 7.1 toplabel: alphanumeric with at least one letter, or containing inner hyphens. */
const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;

function checkDomainSpec(spec: string, name: string, position: number): string {
  if (spec === '') throw new SpfSyntaxError(name, { code: 'empty_domain' }, position);
  if (/[\s;"]/.test(spec)) throw new SpfSyntaxError(name, { code: 'invalid_domain', term: spec }, position);
  const bad = findBadMacro(spec);
  if (bad >= 0) throw new SpfSyntaxError(name, { code: 'invalid_macro', term: spec }, position + bad);
  if (!hasMacro(spec)) {
    const labels = spec.replace(/\.$/, '').split('.');
    const top = labels.at(-1) ?? '';
    // RFC 7208 7.1 domain-end: a literal domain needs at least two labels and a real top label.
    if (labels.length < 2 || labels.some((label) => label === '' || label.length > 63) || !TOPLABEL.test(top))
      throw new SpfSyntaxError(name, { code: 'invalid_domain', term: spec }, position);
  }
  return spec;
}

function parseCidr(text: string, max: number, name: string, position: number): number {
  if (!/^\d{1,3}$/.test(text) || (text.length > 1 && text.startsWith('0')) || Number(text) > max)
    throw new SpfSyntaxError(name, { code: 'invalid_prefix', term: text }, position);
  return Number(text);
}

/** Splits `domain/24//64` into the domain-spec and RFC 7208 5.6 dual-cidr-length. */
function parseDualCidr(
  rest: string,
  name: string,
  position: number,
): { domain: string | null; cidr4: number | null; cidr6: number | null } {
  const match = /^(.*?)(?:\/(\d*))?(?:\/\/(\d*))?$/.exec(rest);
  const spec = match?.[1] ?? rest;
  const cidr4 = match?.[2] === undefined ? null : parseCidr(match[2], 32, name, position);
  const cidr6 = match?.[3] === undefined ? null : parseCidr(match[3], 128, name, position);
  let domain: string | null = null;
  if (spec.startsWith(':')) domain = checkDomainSpec(spec.slice(1), name, position);
  else if (spec !== '') throw new SpfSyntaxError(name, { code: 'unexpected', term: spec }, position);
  return { domain, cidr4, cidr6 };
}

function parseMechanism(term: string, name: string, position: number): SpfMechanism {
  const first = term[0];
  const qualifier: SpfQualifier = first === '+' || first === '-' || first === '~' || first === '?' ? first : '+';
  const body = qualifier === first ? term.slice(1) : term;
  const kindMatch = /^[a-z0-9]+/i.exec(body);
  const kind = kindMatch?.[0].toLowerCase() ?? '';
  const rest = body.slice(kind.length);
  // Offset of the domain-spec after "kind:", so macro errors point at the bad "%".
  const specPosition = position + term.length - rest.length + 1;
  switch (kind) {
    case 'all':
      if (rest !== '') throw new SpfSyntaxError(name, { code: 'unexpected_after_all', term: rest }, position);
      return { kind, qualifier, position };
    case 'include':
    case 'exists':
      if (!rest.startsWith(':')) throw new SpfSyntaxError(name, { code: 'needs_domain', keyword: kind }, position);
      return { kind, qualifier, position, domain: checkDomainSpec(rest.slice(1), name, specPosition) };
    case 'a':
    case 'mx':
      return { kind, qualifier, position, ...parseDualCidr(rest, name, specPosition) };
    case 'ptr':
      return {
        kind,
        qualifier,
        position,
        domain: rest === '' ? null : checkDomainSpec(rest.replace(/^:/, ''), name, specPosition),
      };
    case 'ip4':
    case 'ip6': {
      const match = /^:([^/]+)(?:\/(.*))?$/.exec(rest);
      const address = match?.[1] ?? '';
      if (!(kind === 'ip4' ? isIPv4(address) : isIPv6(address)))
        throw new SpfSyntaxError(
          name,
          { code: 'invalid_address', keyword: kind, term: rest.replace(/^:/, '') },
          position,
        );
      const prefix = match?.[2] === undefined ? null : parseCidr(match[2], kind === 'ip4' ? 32 : 128, name, position);
      return { kind, qualifier, position, address, prefix };
    }
    default:
      throw new SpfSyntaxError(name, { code: 'unknown_mechanism', term }, position);
  }
}

/** Parses an SPF record (RFC 7208 4.5, 5, 6, 12); `name` is the DNS name it was found at, for messages. */
export function parseSpfRecord(text: string, name: string): SpfRecord {
  if (!isSpfRecord(text)) throw new SpfSyntaxError(name, { code: 'missing_spf_version' }, 0);
  const record: SpfRecord = {
    version: text.slice(0, 6),
    mechanisms: [],
    redirect: null,
    exp: null,
    unknownModifiers: [],
  };
  // RFC 7208 12: terms are separated by one or more SP; tabs and other blanks are not allowed.
  const termPattern = / +([^ ]+)/g;
  const body = text.slice(6);
  if (/[^\x20-\x7e]/.test(body)) {
    const offset = body.search(/[^\x20-\x7e]/);
    throw new SpfSyntaxError(name, { code: 'bad_character' }, 6 + offset);
  }
  for (const match of body.matchAll(termPattern)) {
    const term = match[1] ?? '';
    const position = 6 + match.index + match[0].length - term.length;
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (modifier) {
      const modName = (modifier[1] ?? '').toLowerCase();
      const value = modifier[2] ?? '';
      if (modName === 'redirect' || modName === 'exp') {
        // RFC 7208 6: redirect and exp each appear at most once.
        if (record[modName] !== null)
          throw new SpfSyntaxError(name, { code: 'second_modifier', keyword: modName }, position);
        record[modName] = checkDomainSpec(value, name, position + modName.length + 1);
      } else {
        const bad = findBadMacro(value);
        if (bad >= 0)
          throw new SpfSyntaxError(name, { code: 'invalid_macro', term }, position + modName.length + 1 + bad);
        record.unknownModifiers.push({ name: modName, value });
      }
      continue;
    }
    record.mechanisms.push(parseMechanism(term, name, position));
  }
  return record;
}
