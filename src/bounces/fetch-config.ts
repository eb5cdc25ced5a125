import { childPath, type ConfigProblems, type SectionContext } from '../config/config-problems.js';
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

const SECURITIES: readonly ImapSecurity[] = ['tls', 'starttls', 'none'];

/** A folder name, or null when the user set it to null (flag in place instead of moving). */
function readFolder(value: unknown, path: string, fallback: string, problems: ConfigProblems): string | null {
  return value === null ? null : (problems.string(value, path) ?? fallback);
}

function parseImap(value: unknown, baseDir: string, problems: ConfigProblems, warnings: Text[]): ImapSettings | null {
  if (value === null) return null;
  const raw = problems.object(value, 'bounces.imap', IMAP_KEYS);
  if (raw === undefined) return null;
  const host = problems.required(raw.host, 'bounces.imap.host', (text, path) => problems.string(text, path));
  const security = problems.oneOf(raw.security, 'bounces.imap.security', SECURITIES) ?? 'tls';
  const port = problems.integer(raw.port, 'bounces.imap.port', 1, 65535) ?? DEFAULT_PORTS[security];
  const user = problems.required(raw.user, 'bounces.imap.user', (text, path) => problems.string(text, path));
  const passwordEnv = problems.string(raw.passwordEnv, 'bounces.imap.passwordEnv') ?? null;
  const passwordFile = problems.filePath(raw.passwordFile, 'bounces.imap.passwordFile', baseDir) ?? null;
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
  const folder = problems.string(raw.folder, 'bounces.imap.folder') ?? 'INBOX';
  const doneFolder = readFolder(raw.doneFolder, 'bounces.imap.doneFolder', DEFAULT_DONE_FOLDER, problems);
  const oddFolder = readFolder(raw.oddFolder, 'bounces.imap.oddFolder', DEFAULT_ODD_FOLDER, problems);
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
  const tlsRejectUnauthorized =
    problems.boolean(raw.tlsRejectUnauthorized, 'bounces.imap.tlsRejectUnauthorized') ?? true;
  if (host !== undefined && security === 'none' && !isLoopbackHost(host))
    problems.add('bounces.imap.security', {
      en: `is "none": the password would cross the network in clear to "${host}"`,
      fr: `vaut « none » : le mot de passe traverserait le réseau en clair jusqu’à « ${host} »`,
    });
  if (!tlsRejectUnauthorized && security !== 'none')
    warnings.push({
      en: `TLS certificate verification is off for "${host ?? ''}" (bounces.imap.tlsRejectUnauthorized): anyone on the path can read the password`,
      fr: `La vérification du certificat TLS est désactivée pour « ${host ?? ''} » (bounces.imap.tlsRejectUnauthorized) : n’importe qui sur le chemin peut lire le mot de passe`,
    });
  if (host === undefined || user === undefined || (passwordEnv === null) === (passwordFile === null)) return null;
  return {
    host,
    port,
    security,
    user,
    passwordEnv,
    passwordFile,
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
  const { problems } = context;
  const warnings: Text[] = [];
  const raw = problems.object(value, path, SECTION_KEYS);
  if (raw === undefined) return undefined;
  const imap = parseImap(raw.imap, context.baseDir, problems, warnings);
  const keepRaw = problems.boolean(raw.keepRaw, childPath(path, 'keepRaw')) ?? false;
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
