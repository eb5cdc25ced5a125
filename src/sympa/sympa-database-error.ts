import { InputError, TransientError } from '../errors.js';
import { SYMPA_DB_PASSWORD_ENV, sympaDatabasePlace, type SympaServerDatabase } from './read-sympa-conf.js';

/** Network failures: the server is down, unreachable or went away; a rerun may well succeed (exit 3). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  // A Unix socket that is not there: the server is not running.
  'ENOENT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * The server refused who we are or what we asked for: wrong password, unknown user or database, no right to read.
 * PostgreSQL SQLSTATEs (Appendix A: 28000, 28P01, 3D000, 42501) and MySQL/MariaDB error names.
 */
const REFUSED = new Set([
  '28000',
  '28P01',
  '3D000',
  '42501',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

/** Certificate problems (Node's `tls` codes) and a server without TLS: the settings must change, not the weather. */
const TLS_REFUSED =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|does not support SSL|HANDSHAKE_NO_SSL_SUPPORT/;

/**
 * node-postgres's words, with no code, when the server answers its SSLRequest with neither "S" nor "N": no
 * PostgreSQL server answers so, another service (a web server, MySQL) listens on that port.
 */
const PG_NOT_POSTGRESQL = /error establishing an SSL connection/;

/** node-postgres reports a connect timeout by message only, with no code. */
const PG_TIMEOUT = /timeout|terminated unexpectedly/i;

/**
 * Turns a driver error into what the CLI reports: a TransientError (exit 3) when the server cannot be reached, an
 * InputError (exit 2) when it refuses the credentials or the settings are wrong, both naming the server and the
 * database; anything else is returned unchanged, as a bug.
 */
export function toSympaDatabaseError(error: unknown, database: SympaServerDatabase): Error {
  if (error instanceof InputError || error instanceof TransientError) return error;
  const failure = error as Error & { code?: unknown; errno?: unknown };
  const code = typeof failure.code === 'string' ? failure.code : '';
  const message = failure.message;
  const { en: what, fr: whatFr } = sympaDatabasePlace(database);
  if (UNREACHABLE.has(code) || (code === '' && PG_TIMEOUT.test(message))) {
    const detail = code === '' ? message : code;
    return new TransientError(
      {
        en: `Cannot reach Sympa's ${what}: ${detail}; rerun later`,
        fr: `Impossible de joindre ${whatFr} de Sympa : ${detail} ; relancez plus tard`,
      },
      { cause: error },
    );
  }
  if (code === 'ENOTFOUND')
    return new InputError(
      {
        en: `Cannot reach Sympa's ${what}: no such host (db_host in sympa.conf)`,
        fr: `Impossible de joindre ${whatFr} de Sympa : hôte inconnu (db_host dans sympa.conf)`,
      },
      {},
      'ECONFIG',
    );
  if (REFUSED.has(code)) {
    const isWithoutPassword = database.password === null;
    const hint = isWithoutPassword ? `; no db_passwd in sympa.conf and ${SYMPA_DB_PASSWORD_ENV} unset` : '';
    const hintFr = isWithoutPassword
      ? ` ; pas de db_passwd dans sympa.conf et ${SYMPA_DB_PASSWORD_ENV} n’est pas définie`
      : '';
    const user = database.user ?? '';
    return new InputError(
      {
        en: `Cannot read Sympa's ${what} as user "${user}": the server refused (${message})${hint}`,
        fr: `Impossible de lire ${whatFr} de Sympa en tant qu’utilisateur « ${user} » : le serveur a refusé (${message})${hintFr}`,
      },
      {},
      'ECONFIG',
    );
  }
  if (code === '' && PG_NOT_POSTGRESQL.test(message))
    return new InputError(
      {
        en: `Cannot read Sympa's ${what}: the server there answered the TLS request as no PostgreSQL server does; is it PostgreSQL? (db_host and db_port in sympa.conf)`,
        fr: `Impossible de lire ${whatFr} de Sympa : le serveur à cette adresse a répondu à la demande TLS comme aucun serveur PostgreSQL ne le fait ; est-ce bien PostgreSQL ? (db_host et db_port dans sympa.conf)`,
      },
      {},
      'ECONFIG',
    );
  if (TLS_REFUSED.test(code) || TLS_REFUSED.test(message))
    return new InputError(
      {
        en:
          `Cannot open a verified TLS connection to Sympa's ${what}: ${message} (set db_options in sympa.conf: ` +
          '"sslrootcert=FILE" or "mysql_ssl_ca_file=FILE" for a private CA, "sslmode=disable" or "mysql_ssl=0" for none)',
        fr:
          `Impossible d’ouvrir une connexion TLS vérifiée vers ${whatFr} de Sympa : ${message} (réglez db_options ` +
          'dans sympa.conf : « sslrootcert=FICHIER » ou « mysql_ssl_ca_file=FICHIER » pour une autorité de ' +
          'certification privée, « sslmode=disable » ou « mysql_ssl=0 » pour se passer de TLS)',
      },
      {},
      'ECONFIG',
    );
  return failure;
}
