import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Lang, Text } from '../i18n.js';
import { isDkimSelector } from '../parse/parse-dkim-key.js';
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
export function describeValue(value: unknown, lang: Lang = 'en'): string {
  const fr = lang === 'fr';
  if (value === null) return 'null';
  if (Array.isArray(value)) return fr ? 'un tableau' : 'an array';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    return fr ? `une chaîne (${shown})` : `a string (${shown})`;
  }
  if (typeof value === 'number') return fr ? `un nombre (${value})` : `a number (${value})`;
  if (typeof value === 'boolean') return `${value}`;
  return fr ? 'un objet' : 'an object';
}

/** The hint after an unknown name: the nearest known one, else every known one (`known` names them for people). */
export function nearestHint(suggestion: string | null, names: readonly string[], known: Text): Text {
  return suggestion === null
    ? { en: `${known.en}: ${names.join(', ')}`, fr: `${known.fr} : ${names.join(', ')}` }
    : { en: `did you mean "${suggestion}"?`, fr: `vouliez-vous dire « ${suggestion} » ?` };
}

/**
 * Collects every problem of a config file, each naming its JSON path, so that one run shows them all. The readers
 * return undefined for a value that is absent or wrong (the problem is then recorded).
 */
export class ConfigProblems {
  /** Each problem, in each language: `"dns.timeout" must be …`. */
  private readonly lines: Text[] = [];

  /** Each problem in English. */
  get found(): readonly string[] {
    return this.lines.map((line) => line.en);
  }

  /** Records a problem at `path`: `"dns.timeout" must be …`. */
  add(path: string, problem: Text): void {
    this.lines.push({ en: `"${path}" ${problem.en}`, fr: `« ${path} » ${problem.fr}` });
  }

  /** Every problem found, joined by semicolons, in each language. */
  joined(): Text {
    return {
      en: this.lines.map((line) => line.en).join('; '),
      fr: this.lines.map((line) => line.fr).join(' ; '),
    };
  }

  /** Records a value of the wrong type, naming what was expected and what was found. */
  wrongType(path: string, expected: Text, value: unknown): void {
    this.add(path, {
      en: `must be ${expected.en}, not ${describeValue(value)}`,
      fr: `doit être ${expected.fr}, pas ${describeValue(value, 'fr')}`,
    });
  }

  /** A setting that must be there: "is required" when it is absent, else what `read` makes of it. */
  required<T>(value: unknown, path: string, read: (value: unknown, path: string) => T | undefined): T | undefined {
    if (value !== undefined) return read(value, path);
    this.add(path, { en: 'is required', fr: 'est obligatoire' });
    return undefined;
  }

  /** An object with any keys (a map), for the caller to judge. */
  map(value: unknown, path: string): JsonObject | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.wrongType(path, { en: 'an object', fr: 'un objet' }, value);
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
      const hint = nearestHint(closestMatch(key, allowed), allowed, { en: 'known', fr: 'réglages connus' });
      this.add(childPath(path, key), {
        en: `is not a known setting (${hint.en})`,
        fr: `n’est pas un réglage connu (${hint.fr})`,
      });
    }
    return object;
  }

  /** A non-empty string without control characters, trimmed. */
  string(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.wrongType(path, { en: 'a non-empty string', fr: 'une chaîne non vide' }, value);
      return;
    }
    // eslint-disable-next-line no-control-regex -- a config value ends up in messages and file names: no line breaks
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      this.add(path, {
        en: 'must not contain line breaks or control characters',
        fr: 'ne doit contenir ni saut de ligne ni caractère de contrôle',
      });
      return undefined;
    }
    return value.trim();
  }

  /** An integer within bounds (both included). */
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    return this.bounded(value, path, min, max, true);
  }

  /** A number within bounds (both included), fractions allowed: a weight or a score. */
  number(value: unknown, path: string, min: number, max: number): number | undefined {
    return this.bounded(value, path, min, max, false);
  }

  private bounded(value: unknown, path: string, min: number, max: number, whole: boolean): number | undefined {
    if (value === undefined) return undefined;
    const fits = whole ? Number.isInteger(value) : Number.isFinite(value);
    if (typeof value === 'number' && fits && value >= min && value <= max) return value;
    const expected = whole
      ? { en: `an integer from ${min} to ${max}`, fr: `un entier de ${min} à ${max}` }
      : { en: `a number from ${min} to ${max}`, fr: `un nombre de ${min} à ${max}` };
    this.wrongType(path, expected, value);
    return undefined;
  }

  /** true or false. */
  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.wrongType(path, { en: 'true or false', fr: 'true ou false' }, value);
      return;
    }
    return value;
  }

  /** One of a few strings. */
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.wrongType(
        path,
        {
          en: `one of ${choices.map((choice) => `"${choice}"`).join(', ')}`,
          fr: `l’une des valeurs ${choices.map((choice) => `« ${choice} »`).join(', ')}`,
        },
        value,
      );
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
      this.wrongType(path, { en: 'an array', fr: 'un tableau' }, value);
      return;
    }
    if (options.nonEmpty === true && value.length === 0) {
      this.add(path, { en: 'must list at least one value', fr: 'doit contenir au moins une valeur' });
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
    const name = normaliseDomain(text);
    if (name === null)
      this.add(path, {
        en: `must be a domain name, not "${text}"`,
        fr: `doit être un nom de domaine, pas « ${text} »`,
      });
    return name ?? undefined;
  }

  /** A DNS name that may hold underscore labels (`_spf.example.org`), normalised as hostName does. */
  dnsName(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    const ascii = domainToASCII(text.replace(/\.$/, '')).toLowerCase();
    if (ascii.includes('.') && ascii.length <= 253 && ascii.split('.').every((label) => DNS_LABEL.test(label)))
      return ascii;
    this.add(path, { en: `must be a DNS name, not "${text}"`, fr: `doit être un nom DNS, pas « ${text} »` });
    return undefined;
  }

  /** A DKIM selector (RFC 6376 3.1: dot-separated DNS labels), lower-cased. */
  dkimSelector(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (isDkimSelector(text)) return text.toLowerCase();
    this.add(path, {
      en: `must be dot-separated DNS labels (RFC 6376 3.1), not "${text}"`,
      fr: `doit être une suite d’étiquettes DNS séparées par des points (RFC 6376 3.1), pas « ${text} »`,
    });
    return undefined;
  }

  /** An IPv4 or IPv6 address. */
  ipAddress(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (isIP(text) === 0) {
      this.add(path, {
        en: `must be an IPv4 or IPv6 address, not "${text}"`,
        fr: `doit être une adresse IPv4 ou IPv6, pas « ${text} »`,
      });
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
      this.add(path, notWebUrl(text));
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.add(path, notWebUrl(text));
      return undefined;
    }
    return text;
  }
}

function notWebUrl(text: string): Text {
  return { en: `must be an http or https URL, not "${text}"`, fr: `doit être une URL http ou https, pas « ${text} »` };
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
