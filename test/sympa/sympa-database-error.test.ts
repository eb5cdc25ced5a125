import { describe, expect, it } from 'vitest';
import { InputError, TransientError } from '../../src/errors.js';
import type { SympaServerDatabase } from '../../src/sympa/read-sympa-conf.js';
import { toSympaDatabaseError } from '../../src/sympa/sympa-database-error.js';

const DATABASE: SympaServerDatabase = {
  type: 'PostgreSQL',
  host: 'db.example.org',
  port: 5432,
  socketPath: null,
  database: 'sympa',
  user: 'sympa',
  password: 's3cret',
  tls: null,
};

/** A driver error as node-postgres or mysql2 throws it: a message and, mostly, a code. */
function failure(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('toSympaDatabaseError()', () => {
  it.each([
    ['a refused connection', failure('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
    ['an unreachable network', failure('connect EHOSTUNREACH', 'EHOSTUNREACH')],
    ["node-postgres's connect timeout", failure('timeout expired')],
    ['a missing MySQL socket', failure('connect ENOENT /run/mysqld/mysqld.sock', 'ENOENT')],
    [
      'a lost MySQL connection',
      failure('Connection lost: The server closed the connection.', 'PROTOCOL_CONNECTION_LOST'),
    ],
  ])('makes %s a transient error naming host:port and database (exit 3)', (_name, error) => {
    const mapped = toSympaDatabaseError(error, DATABASE);
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped.message).toContain('PostgreSQL database "sympa" on db.example.org:5432');
  });

  it.each([
    ['a wrong PostgreSQL password', failure('password authentication failed for user "sympa"', '28P01')],
    ['a host pg_hba.conf refuses', failure('no pg_hba.conf entry for host', '28000')],
    ['a missing database', failure('database "sympa" does not exist', '3D000')],
    ['a wrong MySQL password', failure("Access denied for user 'sympa'@'10.0.0.1'", 'ER_ACCESS_DENIED_ERROR')],
    [
      'a MySQL user without rights',
      failure("Access denied for user 'sympa' to database 'sympa'", 'ER_DBACCESS_DENIED_ERROR'),
    ],
  ])('makes %s a config error naming the server, the database and the user (exit 2)', (_name, error) => {
    const mapped = toSympaDatabaseError(error, DATABASE);
    expect(mapped).toBeInstanceOf(InputError);
    expect((mapped as InputError).code).toBe('ECONFIG');
    expect(mapped.message).toContain('PostgreSQL database "sympa" on db.example.org:5432 as user "sympa"');
    expect(mapped.message).not.toContain('s3cret');
  });

  it('says where the password should have come from when there was none', () => {
    const mapped = toSympaDatabaseError(failure('password authentication failed', '28P01'), {
      ...DATABASE,
      password: null,
    });
    expect(mapped.message).toContain('no db_passwd in sympa.conf and FACTEUR_SYMPA_DB_PASSWORD unset');
  });

  it('makes a certificate that does not verify a config error with what to set', () => {
    const mapped = toSympaDatabaseError(failure('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), DATABASE);
    expect(mapped).toBeInstanceOf(InputError);
    expect(mapped.message).toContain('sslrootcert=FILE');
  });

  it('makes a server that answers the TLS request as no PostgreSQL does a config error naming it (exit 2)', () => {
    // node-postgres's words when the byte after its SSLRequest is neither "S" nor "N" (an HTTP server on the port).
    const mapped = toSympaDatabaseError(failure('There was an error establishing an SSL connection'), DATABASE);
    expect(mapped).toBeInstanceOf(InputError);
    expect((mapped as InputError).code).toBe('ECONFIG');
    expect(mapped.message).toContain('PostgreSQL database "sympa" on db.example.org:5432');
    expect(mapped.message).toContain('db_host and db_port');
  });

  it('makes an unknown host a config error', () => {
    expect(toSympaDatabaseError(failure('getaddrinfo ENOTFOUND db', 'ENOTFOUND'), DATABASE)).toBeInstanceOf(InputError);
  });

  it('leaves any other error as it is, a bug to report', () => {
    const error = new TypeError('x is undefined');
    expect(toSympaDatabaseError(error, DATABASE)).toBe(error);
  });
});
