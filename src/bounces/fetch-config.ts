import { resolve } from 'node:path';
import type { ConfigProblems, SectionContext } from '../config/config-problems.js';
import { isLoopbackHost, readSecretFile } from '../config/read-secret-file.js';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';

/** How the IMAP connection is protected: TLS from the first byte (RFC 8314), STARTTLS (RFC 3501 §6.2.1), or none. */
export type ImapSecurity = 'tls' | 'starttls' | 'none';

/** The mailbox bounces land in, as `facteur bounces fetch` reads it. */
export interface ImapConfig {
  host: string;
  port: number;
  security: ImapSecurity;
  user: string;
  /** Read from the environment or a 0600 file when fetching (readImapPassword); never kept in the config itself. */
  password: string;
  folder: string;
  /** Where a recorded message goes; null keeps it in place, flagged. */
  doneFolder: string | null;
  /** Where a message that is no bounce, or cannot be parsed, goes; null keeps it in place, flagged. */
  oddFolder: string | null;
  tlsRejectUnauthorized: boolean;
}

/** The IMAP account as the config names it: where its password is, not the password. */
export type ImapSettings = Omit<ImapConfig, 'password'> & { passwordEnv: string | null; passwordFile: string | null };

/** The validated `bounces` section of a facteur config. */
export interface BouncesConfig {
  imap: ImapSettings | null;
  /** Keep each fetched message's raw bytes in the database (evidence for a dispute; costs space). */
  keepRaw: boolean;
  /** Choices that weaken the setup; the CLI prints them to stderr. */
  warnings: Text[];
}

/** RFC 8314 §7.3: implicit TLS IMAP is 993; RFC 3501 plain and STARTTLS IMAP is 143. */
const DEFAULT_PORTS: Record<ImapSecurity, number> = { tls: 993, starttls: 143, none: 143 };

/** Folder names at the top level: they need no hierarchy delimiter, which differs between servers ("." or "/"). */
export const DEFAULT_DONE_FOLDER = 'facteur-done';
export const DEFAULT_ODD_FOLDER = 'facteur-odd';

const SECTION_KEYS = ['imap', 'keepRaw'];
const IMAP_KEYS = [
  'host',
  'port',
  'security',
  'user',
  'passwordEnv',
  'passwordFile',
  'folder',
  'doneFolder',
  'oddFolder',
  'tlsRejectUnauthorized',
];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bounces section's readers by key, over the config's own typed readers and one list of problems. */
class Problems {
  private readonly sink: ConfigProblems;

  constructor(sink: ConfigProblems) {
    this.sink = sink;
  }

  add(path: string, problem: Text): void {
    this.sink.add(path, problem);
  }

  /** A non-empty string without control characters (nothing may end an IMAP command line), or null when absent. */
  string(value: Json, key: string, path: string, required: boolean): string | null {
    const raw = value[key];
    if (raw === undefined || raw === null) {
      if (required) this.add(path, { en: 'is required', fr: 'est obligatoire' });
      return null;
    }
    return this.sink.string(raw, path) ?? null;
  }

  boolean(value: Json, key: string, path: string, fallback: boolean): boolean {
    return this.sink.boolean(value[key], path) ?? fallback;
  }

  /** A folder name, or null when the user set it to null (flag in place instead of moving). */
  folder(value: Json, key: string, path: string, fallback: string): string | null {
    if (value[key] === null) return null;
    return this.string(value, key, path, false) ?? fallback;
  }
}

function parseImap(raw: unknown, baseDir: string, problems: Problems, warnings: Text[]): ImapSettings | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) {
    problems.add('bounces.imap', { en: 'must be an object', fr: 'doit être un objet' });
    return null;
  }
  for (const key of Object.keys(raw))
    if (!IMAP_KEYS.includes(key))
      problems.add(`bounces.imap.${key}`, {
        en: 'is not a known setting (misspelt?)',
        fr: 'n’est pas un réglage connu (faute de frappe ?)',
      });
  const host = problems.string(raw, 'host', 'bounces.imap.host', true);
  let security: ImapSecurity = 'tls';
  if (raw.security !== undefined) {
    if (raw.security === 'tls' || raw.security === 'starttls' || raw.security === 'none') security = raw.security;
    else
      problems.add('bounces.imap.security', {
        en: 'must be "tls", "starttls" or "none"',
        fr: 'doit valoir « tls », « starttls » ou « none »',
      });
  }
  let port = DEFAULT_PORTS[security];
  if (raw.port !== undefined) {
    if (typeof raw.port === 'number' && Number.isInteger(raw.port) && raw.port >= 1 && raw.port <= 65535)
      port = raw.port;
    else
      problems.add('bounces.imap.port', {
        en: 'must be an integer from 1 to 65535',
        fr: 'doit être un entier de 1 à 65535',
      });
  }
  const user = problems.string(raw, 'user', 'bounces.imap.user', true);
  const passwordEnv = problems.string(raw, 'passwordEnv', 'bounces.imap.passwordEnv', false);
  const passwordFile = problems.string(raw, 'passwordFile', 'bounces.imap.passwordFile', false);
  if (passwordEnv !== null && passwordFile !== null) {
    problems.add('bounces.imap.passwordEnv', {
      en: 'and "bounces.imap.passwordFile" cannot both be set',
      fr: 'et « bounces.imap.passwordFile » ne peuvent pas être définis tous les deux',
    });
  } else if (raw.passwordEnv === undefined && raw.passwordFile === undefined) {
    problems.add('bounces.imap.passwordEnv', {
      en: 'or "bounces.imap.passwordFile" is required',
      fr: 'ou « bounces.imap.passwordFile » est obligatoire',
    });
  }
  const folder = problems.string(raw, 'folder', 'bounces.imap.folder', false) ?? 'INBOX';
  const doneFolder = problems.folder(raw, 'doneFolder', 'bounces.imap.doneFolder', DEFAULT_DONE_FOLDER);
  const oddFolder = problems.folder(raw, 'oddFolder', 'bounces.imap.oddFolder', DEFAULT_ODD_FOLDER);
  if (doneFolder !== null && doneFolder === folder)
    problems.add('bounces.imap.doneFolder', {
      en: `must differ from "bounces.imap.folder" ("${folder}")`,
      fr: `doit différer de « bounces.imap.folder » (« ${folder} »)`,
    });
  if (oddFolder !== null && oddFolder === folder)
    problems.add('bounces.imap.oddFolder', {
      en: `must differ from "bounces.imap.folder" ("${folder}")`,
      fr: `doit différer de « bounces.imap.folder » (« ${folder} »)`,
    });
  const tlsRejectUnauthorized = problems.boolean(
    raw,
    'tlsRejectUnauthorized',
    'bounces.imap.tlsRejectUnauthorized',
    true,
  );
  if (host !== null && security === 'none' && !isLoopbackHost(host))
    problems.add('bounces.imap.security', {
      en: `is "none": the password would cross the network in clear to "${host}"`,
      fr: `vaut « none » : le mot de passe traverserait le réseau en clair jusqu’à « ${host} »`,
    });
  if (!tlsRejectUnauthorized && security !== 'none')
    warnings.push({
      en: `TLS certificate verification is off for "${host ?? ''}" (bounces.imap.tlsRejectUnauthorized): anyone on the path can read the password`,
      fr: `La vérification du certificat TLS est désactivée pour « ${host ?? ''} » (bounces.imap.tlsRejectUnauthorized) : n'importe qui sur le chemin peut lire le mot de passe`,
    });
  if (host === null || user === null || (passwordEnv === null) === (passwordFile === null)) return null;
  return {
    host,
    port,
    security,
    user,
    passwordEnv,
    passwordFile: passwordFile === null ? null : resolve(baseDir, passwordFile),
    folder,
    doneFolder,
    oddFolder,
    tlsRejectUnauthorized,
  };
}

/**
 * Validates the `bounces` section of facteur.config.json: relative paths are taken from the config's directory, the
 * IMAP password read from the environment or a 0600 file. Every problem is recorded with its JSON path.
 */
export function parseBouncesSection(value: unknown, path: string, context: SectionContext): BouncesConfig | undefined {
  const problems = new Problems(context.problems);
  const warnings: Text[] = [];
  if (!isObject(value)) {
    problems.add(path, { en: 'must be a JSON object', fr: 'doit être un objet JSON' });
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!SECTION_KEYS.includes(key))
      problems.add(`${path}.${key}`, {
        en: 'is not a known setting (misspelt?)',
        fr: 'n’est pas un réglage connu (faute de frappe ?)',
      });
  const imap = parseImap(value.imap, context.baseDir, problems, warnings);
  const keepRaw = problems.boolean(value, 'keepRaw', `${path}.keepRaw`, false);
  return { imap, keepRaw, warnings };
}

/**
 * The IMAP account with its password, read when fetching so that other commands sharing the config never need it:
 * from the environment variable the config names, or from a file that group and others cannot read.
 */
export function readImapPassword(imap: ImapSettings, env: NodeJS.ProcessEnv = process.env): ImapConfig {
  const { passwordEnv, passwordFile, ...account } = imap;
  if (passwordEnv !== null) {
    const password = env[passwordEnv];
    if (password === undefined || password === '') {
      throw new InputError(
        {
          en: `Cannot log in to "${imap.host}": "bounces.imap.passwordEnv" names the variable "${passwordEnv}", which is not set`,
          fr: `Impossible de se connecter à « ${imap.host} » : « bounces.imap.passwordEnv » désigne la variable « ${passwordEnv} », qui n’est pas définie`,
        },
        {},
        'ECONFIG',
      );
    }
    return { ...account, password };
  }
  const file = passwordFile ?? '';
  const secret = readSecretFile(file);
  if (!secret.ok)
    throw new InputError(
      {
        en: `Cannot use "bounces.imap.passwordFile": it ${secret.problem.en}`,
        fr: `Impossible d’utiliser « bounces.imap.passwordFile » : il ${secret.problem.fr}`,
      },
      { file },
      'ECONFIG',
    );
  return { ...account, password: secret.text.replace(/\r?\n$/, '') };
}
