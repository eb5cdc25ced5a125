import { InputError, TransientError } from '../errors.js';
import { describeSympaDatabase, SYMPA_DB_PASSWORD_ENV, type SympaServerDatabase } from './read-sympa-conf.js';

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
  const what = describeSympaDatabase(database);
  if (UNREACHABLE.has(code) || (code === '' && PG_TIMEOUT.test(message)))
    return new TransientError(`Cannot reach Sympa's ${what}: ${code === '' ? message : code}; rerun later`, {
      cause: error,
    });
  if (code === 'ENOTFOUND')
    return new InputError(`Cannot reach Sympa's ${what}: no such host (db_host in sympa.conf)`, {}, 'ECONFIG');
  if (REFUSED.has(code)) {
    const hint = database.password === null ? `; no db_passwd in sympa.conf and ${SYMPA_DB_PASSWORD_ENV} unset` : '';
    return new InputError(
      `Cannot read Sympa's ${what} as user "${database.user ?? ''}": the server refused (${message})${hint}`,
      {},
      'ECONFIG',
    );
  }
  if (TLS_REFUSED.test(code) || TLS_REFUSED.test(message))
    return new InputError(
      `Cannot open a verified TLS connection to Sympa's ${what}: ${message} (set db_options in sympa.conf: ` +
        '"sslrootcert=FILE" or "mysql_ssl_ca_file=FILE" for a private CA, "sslmode=disable" or "mysql_ssl=0" for none)',
      {},
      'ECONFIG',
    );
  return failure;
}
