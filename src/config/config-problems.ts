import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { normaliseDomain } from '../parse/parse-members-csv.js';
import { closestMatch } from './closest-match.js';

/** A JSON object as parsed. */
export type JsonObject = Record<string, unknown>;

/** One DNS label, underscores allowed: SPF includes and DMARC names use `_spf`, `_dmarc` (RFC 8552). */
const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A property name that JSON paths can write after a dot; others are written `["…"]`. */
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/** The path of a property or an array item below `path`, as JSONPath writes it without its `$.` (`check.dnsbl[1]`). */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${path}["${key}"]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Names a JSON value's type for messages: `a string ("3s")`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number') return `a number (${value})`;
  if (typeof value === 'boolean') return `${value}`;
  return 'an object';
}

/**
 * Collects every problem of a config file, each naming its JSON path, so that one run shows them all. The readers
 * return undefined for a value that is absent or wrong (the problem is then recorded).
 */
export class ConfigProblems {
  readonly found: string[] = [];

  /** Records a problem at `path`: `"dns.timeout" must be …`. */
  add(path: string, problem: string): void {
    this.found.push(`"${path}" ${problem}`);
  }

  /** Records a value of the wrong type, naming what was expected and what was found. */
  wrongType(path: string, expected: string, value: unknown): void {
    this.add(path, `must be ${expected}, not ${describeValue(value)}`);
  }

  /** An object with any keys (a map), for the caller to judge. */
  map(value: unknown, path: string): JsonObject | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.wrongType(path, 'an object', value);
      return;
    }
    return value as JsonObject;
  }

  /** An object whose keys are all among `allowed`; an unknown key is reported with the nearest known one. */
  object(value: unknown, path: string, allowed: readonly string[]): JsonObject | undefined {
    const object = this.map(value, path);
    if (object === undefined) return undefined;
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue;
      const suggestion = closestMatch(key, allowed);
      const hint = suggestion === null ? `known: ${allowed.join(', ')}` : `did you mean "${suggestion}"?`;
      this.add(childPath(path, key), `is not a known setting (${hint})`);
    }
    return object;
  }

  /** A non-empty string without control characters, trimmed. */
  string(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.wrongType(path, 'a non-empty string', value);
      return;
    }
    // eslint-disable-next-line no-control-regex -- a config value ends up in messages and file names: no line breaks
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      this.add(path, 'must not contain line breaks or control characters');
      return undefined;
    }
    return value.trim();
  }

  /** An integer within bounds (both included). */
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.wrongType(path, `an integer from ${min} to ${max}`, value);
      return;
    }
    return value;
  }

  /** true or false. */
  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.wrongType(path, 'true or false', value);
      return;
    }
    return value;
  }

  /** One of a few strings. */
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.wrongType(path, `one of ${choices.map((choice) => `"${choice}"`).join(', ')}`, value);
      return;
    }
    return value as T;
  }

  /** An array whose items each pass `item` (called with the item's path); undefined when any item is wrong. */
  list<T>(
    value: unknown,
    path: string,
    item: (value: unknown, path: string) => T | undefined,
    options: { nonEmpty?: boolean } = {},
  ): T[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.wrongType(path, 'an array', value);
      return;
    }
    if (options.nonEmpty === true && value.length === 0) {
      this.add(path, 'must list at least one value');
      return undefined;
    }
    const before = this.found.length;
    const items = value.map((entry, index) => item(entry, childPath(path, index)));
    return this.found.length === before ? (items as T[]) : undefined;
  }

  /** A host name, normalised to lower-case A-labels without the final dot. */
  hostName(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    // An address passes normaliseDomain (digit labels) but names no host: RFC 5321 5.1 wants a name for an MX.
    const name = isIP(text) === 0 ? normaliseDomain(text) : null;
    if (name === null) this.add(path, `must be a domain name, not "${text}"`);
    return name ?? undefined;
  }

  /** A DNS name that may hold underscore labels (`_spf.example.org`), normalised as hostName does. */
  dnsName(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    const ascii = domainToASCII(text.replace(/\.$/, '')).toLowerCase();
    if (ascii.includes('.') && ascii.length <= 253 && ascii.split('.').every((label) => DNS_LABEL.test(label)))
      return ascii;
    this.add(path, `must be a DNS name, not "${text}"`);
    return undefined;
  }

  /** An IPv4 or IPv6 address. */
  ipAddress(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (isIP(text) === 0) {
      this.add(path, `must be an IPv4 or IPv6 address, not "${text}"`);
      return undefined;
    }
    return text.toLowerCase();
  }

  /** A file path, made absolute against the config file's directory (so a config works from any directory). */
  filePath(value: unknown, path: string, baseDir: string): string | undefined {
    const text = this.string(value, path);
    return text === undefined ? undefined : resolve(baseDir, text);
  }

  /** An http or https URL (an association's wiki may live on an intranet without TLS). */
  webUrl(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      this.add(path, `must be an http or https URL, not "${text}"`);
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.add(path, `must be an http or https URL, not "${text}"`);
      return undefined;
    }
    return text;
  }
}

/** What a section parser gets besides its value: where relative paths start, and where problems go. */
export interface SectionContext {
  /** The directory of the config file. */
  baseDir: string;
  problems: ConfigProblems;
}

/**
 * Parses one top-level section of the config: `path` is its JSON path (for messages). Returns undefined when the value
 * is unusable, after recording why in `context.problems`.
 */
export type SectionParser<T> = (value: unknown, path: string, context: SectionContext) => T | undefined;
