import { readFileSync, statSync } from 'node:fs';
import { isLoopbackHost } from '../config/read-secret-file.js';
import { InputError } from '../errors.js';
import type { Lang, Text } from '../i18n.js';
import { fileErrorReason } from '../file-failure.js';

/** The environment variable that gives the database password when sympa.conf holds none (`db_passwd`). */
export const SYMPA_DB_PASSWORD_ENV = 'FACTEUR_SYMPA_DB_PASSWORD';

/** Sympa's SQLite database: `db_name` is the file. */
export interface SympaSqliteDatabase {
  type: 'SQLite';
  file: string;
}

/** Sympa's database on a MySQL/MariaDB or PostgreSQL server, as sympa.conf's `db_*` settings name it. */
export interface SympaServerDatabase {
  type: 'MySQL' | 'PostgreSQL';
  /** A host name or address; null for a Unix socket. */
  host: string | null;
  port: number;
  /** The Unix socket (MySQL) or its directory (PostgreSQL); null over TCP. */
  socketPath: string | null;
  database: string;
  user: string | null;
  /** From `db_passwd` or FACTEUR_SYMPA_DB_PASSWORD; never printed. */
  password: string | null;
  /** TLS with certificate verification (against `ca` when set, else the system's CAs), or null for none. */
  tls: { ca: string | null; checkHostname: boolean } | null;
}

/** Where Sympa keeps its members, read from sympa.conf. */
export type SympaDatabase = SympaSqliteDatabase | SympaServerDatabase;

/**
 * The `db_type` values Sympa 6.2 accepts for the databases facteur reads: a driver class name (Sympa::DatabaseDriver::
 * MySQL, PostgreSQL, SQLite) or the older aliases `mysql` and `Pg` (Sympa::Database %driver_aliases).
 */
const DB_TYPES: Record<string, SympaDatabase['type']> = {
  mysql: 'MySQL',
  MySQL: 'MySQL',
  Pg: 'PostgreSQL',
  PostgreSQL: 'PostgreSQL',
  SQLite: 'SQLite',
};

/** The servers' own default ports: PostgreSQL 5432, MySQL/MariaDB 3306 (what DBD::Pg and DBD::mysql use unset). */
const DEFAULT_PORTS = { PostgreSQL: 5432, MySQL: 3306 } as const;

/** Debian's MariaDB socket, which libmysqlclient (and so Sympa) uses for `localhost`. */
const DEFAULT_MYSQL_SOCKET = '/run/mysqld/mysqld.sock';

/** One `key value` setting and the line it was on. */
interface Setting {
  value: string;
  line: number;
}

/**
 * Reads sympa.conf as Sympa's Conf.pm does: blank lines and lines starting with `#` or `;` are skipped, each other
 * line is `key value` with the value's trailing spaces removed, and a key set twice keeps its last value.
 */
function parseSympaConf(text: string): Map<string, Setting> {
  const settings = new Map<string, Setting>();
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*$/.test(raw) || /^[#;]/.test(raw)) return;
    const match = /^(\S+)\s+(.+)$/.exec(raw);
    if (match?.[1] !== undefined && match[2] !== undefined)
      settings.set(match[1], { value: match[2].trimEnd(), line: index + 1 });
    else settings.set(raw.trim(), { value: '', line: index + 1 });
  });
  return settings;
}

/** `db_options` is appended to the DBI data source name: `key=value` pairs apart by `;`. */
function parseDbOptions(value: string | undefined): Map<string, string> {
  const options = new Map<string, string>();
  for (const pair of (value ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) options.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return options;
}

/**
 * Reads which database Sympa uses from its sympa.conf (`db_type`, `db_host`, `db_port`, `db_name`, `db_user`,
 * `db_passwd`, `db_options`), with Sympa's defaults for what is unset (`db_type mysql`, `db_name sympa`, host
 * `localhost`). The password is `db_passwd`, or else the FACTEUR_SYMPA_DB_PASSWORD environment variable; a
 * sympa.conf that holds one and that every user can read is refused, as a leaked secret.
 *
 * TLS, as `db_options` asks: PostgreSQL's `sslmode` (`disable`; `require`, `verify-ca` and `verify-full` verify the
 * certificate, against `sslrootcert` when given) and MySQL's `mysql_ssl` (0 or 1, `mysql_ssl_ca_file`). Unset, the
 * connection is in clear to the local machine and TLS with verification to any other host.
 */
export function readSympaConf(file: string, env: NodeJS.ProcessEnv = process.env): SympaDatabase {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(file, 'utf8');
    mode = statSync(file).mode;
  } catch (error) {
    const reason = fileErrorReason(error);
    const isDenied = (error as NodeJS.ErrnoException).code === 'EACCES';
    const hint = isDenied ? '; sympa.conf is readable by root and the sympa group' : '';
    const hintFr = isDenied ? ' ; sympa.conf n’est lisible que par root et le groupe sympa' : '';
    throw new InputError(
      {
        en: `Cannot read Sympa config "${file}": ${reason.en}${hint}`,
        fr: `Impossible de lire la configuration de Sympa « ${file} » : ${reason.fr}${hintFr}`,
      },
      { file },
      'ECONFIG',
    );
  }
  const settings = parseSympaConf(text);
  const fail = (key: string, problem: Text): never => {
    const line = settings.get(key)?.line;
    throw new InputError(
      {
        en: `Cannot use Sympa config "${file}": ${key} ${problem.en}`,
        fr: `Impossible d’utiliser la configuration de Sympa « ${file} » : ${key} ${problem.fr}`,
      },
      line === undefined ? { file } : { file, line },
      'ECONFIG',
    );
  };
  const get = (key: string): string | undefined => {
    const setting = settings.get(key);
    if (setting?.value === '') fail(key, { en: 'has no value', fr: 'n’a pas de valeur' });
    return setting?.value;
  };
  const rawType = get('db_type') ?? 'mysql';
  const type = DB_TYPES[rawType];
  if (type === undefined)
    return fail('db_type', {
      en: `is "${rawType}": facteur reads MySQL/MariaDB, PostgreSQL and SQLite databases`,
      fr: `vaut « ${rawType} » : facteur lit les bases de données MySQL/MariaDB, PostgreSQL et SQLite`,
    });
  const name = get('db_name') ?? 'sympa';
  if (type === 'SQLite') return { type, file: name };

  const rawPort = get('db_port');
  let port: number = DEFAULT_PORTS[type];
  if (rawPort !== undefined) {
    port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : 0;
    if (port < 1 || port > 65535)
      fail('db_port', {
        en: `is "${rawPort}", not a port number`,
        fr: `vaut « ${rawPort} », qui n’est pas un numéro de port`,
      });
  }
  const options = parseDbOptions(get('db_options'));
  const configured = get('db_host');
  let host: string | null = configured ?? 'localhost';
  let socketPath: string | null = null;
  if (type === 'MySQL' && host === 'localhost') {
    // libmysqlclient takes "localhost" as its Unix socket, never TCP.
    socketPath = options.get('mysql_socket') ?? DEFAULT_MYSQL_SOCKET;
    host = null;
  } else if (type === 'PostgreSQL' && host.startsWith('/')) {
    // libpq takes a host starting with "/" as the directory of the server's socket.
    socketPath = host;
    host = null;
  }
  const isLocal = host === null || isLoopbackHost(host);
  let tls: SympaServerDatabase['tls'] = isLocal ? null : { ca: null, checkHostname: true };
  if (type === 'PostgreSQL') {
    const sslmode = options.get('sslmode');
    if (sslmode === 'disable') tls = null;
    else if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full')
      tls = { ca: options.get('sslrootcert') ?? null, checkHostname: sslmode !== 'verify-ca' };
    else if (sslmode !== undefined && sslmode !== 'allow' && sslmode !== 'prefer')
      fail('db_options', {
        en: `has sslmode "${sslmode}", which PostgreSQL does not know`,
        fr: `contient sslmode « ${sslmode} », que PostgreSQL ne connaît pas`,
      });
  } else {
    const ssl = options.get('mysql_ssl');
    if (ssl === '0') tls = null;
    else if (ssl === '1') tls = { ca: options.get('mysql_ssl_ca_file') ?? null, checkHostname: true };
    else if (ssl !== undefined)
      fail('db_options', {
        en: `has mysql_ssl "${ssl}", not 0 or 1`,
        fr: `contient mysql_ssl « ${ssl} », qui ne vaut ni 0 ni 1`,
      });
  }

  let password = get('db_passwd') ?? null;
  if (password !== null && (mode & 0o004) !== 0)
    fail('db_passwd', {
      en: `is readable by every user (mode ${(mode & 0o777).toString(8)}); run chmod o-r on "${file}" first`,
      fr: `est lisible par tous les utilisateurs (mode ${(mode & 0o777).toString(8)}) ; lancez d’abord chmod o-r sur « ${file} »`,
    });
  password ??= env[SYMPA_DB_PASSWORD_ENV] === '' ? null : (env[SYMPA_DB_PASSWORD_ENV] ?? null);
  return { type, host, port, socketPath, database: name, user: get('db_user') ?? null, password, tls };
}

/**
 * Names a database for messages, never with its password: `PostgreSQL database "sympa" on db.example.org:5432`, in
 * French `base de données PostgreSQL « sympa » sur db.example.org:5432`.
 */
/** The database as a place in a sentence, in each language: `PostgreSQL database "sympa" on …`, `la base de données…`. */
export function sympaDatabasePlace(database: SympaDatabase): Text {
  return { en: describeSympaDatabase(database), fr: `la ${describeSympaDatabase(database, 'fr')}` };
}

export function describeSympaDatabase(database: SympaDatabase, lang: Lang = 'en'): string {
  if (database.type === 'SQLite')
    return lang === 'fr' ? `base de données SQLite « ${database.file} »` : `SQLite database "${database.file}"`;
  const where = database.socketPath ?? `${database.host ?? ''}:${database.port}`;
  return lang === 'fr'
    ? `base de données ${database.type} « ${database.database} » sur ${where}`
    : `${database.type} database "${database.database}" on ${where}`;
}
