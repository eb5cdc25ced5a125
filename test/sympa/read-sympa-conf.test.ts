import { chmodSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeSympaDatabase, readSympaConf, type SympaDatabase } from '../../src/sympa/read-sympa-conf.js';
import { scratch } from './helpers.js';

/** The head of the sympa.conf Debian's package writes, database lines left to each case. */
const HEAD = `## Configuration file for Sympa
domain\tlists.example.org
listmaster\tlistmaster@lists.example.org
`;

describe('readSympaConf()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  const conf = (lines: string, mode = 0o640): string => {
    const file = files.write('sympa.conf', HEAD + lines);
    chmodSync(file, mode);
    return file;
  };

  it.each<[string, string, SympaDatabase]>([
    [
      "Debian's SQLite backend",
      'db_type\tSQLite\ndb_name\t/var/lib/dbconfig-common/sqlite3/sympa/sympa\n',
      { type: 'SQLite', file: '/var/lib/dbconfig-common/sqlite3/sympa/sympa' },
    ],
    [
      'PostgreSQL by its old alias, on another host, default port, verified TLS',
      'db_type Pg\ndb_host db.example.org\ndb_name sympa\ndb_user sympa\ndb_passwd s3cret  \n',
      {
        type: 'PostgreSQL',
        host: 'db.example.org',
        port: 5432,
        socketPath: null,
        database: 'sympa',
        user: 'sympa',
        password: 's3cret',
        tls: { ca: null, checkHostname: true },
      },
    ],
    [
      'PostgreSQL on the loopback, in clear, port given',
      'db_type PostgreSQL\ndb_host 127.0.0.1\ndb_port 5433\ndb_name lists\ndb_user sympa\n',
      {
        type: 'PostgreSQL',
        host: '127.0.0.1',
        port: 5433,
        socketPath: null,
        database: 'lists',
        user: 'sympa',
        password: null,
        tls: null,
      },
    ],
    [
      'PostgreSQL through its socket directory',
      'db_type PostgreSQL\ndb_host /var/run/postgresql\ndb_name sympa\n',
      {
        type: 'PostgreSQL',
        host: null,
        port: 5432,
        socketPath: '/var/run/postgresql',
        database: 'sympa',
        user: null,
        password: null,
        tls: null,
      },
    ],
    [
      'PostgreSQL with sslmode verify-ca and a private CA',
      'db_type PostgreSQL\ndb_host db.example.org\ndb_options sslmode=verify-ca;sslrootcert=/etc/ssl/db-ca.pem\n',
      {
        type: 'PostgreSQL',
        host: 'db.example.org',
        port: 5432,
        socketPath: null,
        database: 'sympa',
        user: null,
        password: null,
        tls: { ca: '/etc/ssl/db-ca.pem', checkHostname: false },
      },
    ],
    [
      'PostgreSQL elsewhere with sslmode disable',
      'db_type PostgreSQL\ndb_host 10.0.0.5\ndb_options sslmode=disable\n',
      {
        type: 'PostgreSQL',
        host: '10.0.0.5',
        port: 5432,
        socketPath: null,
        database: 'sympa',
        user: null,
        password: null,
        tls: null,
      },
    ],
    [
      "MySQL by default (Sympa's default db_type), localhost through Debian's socket",
      'db_user sympa\n',
      {
        type: 'MySQL',
        host: null,
        port: 3306,
        socketPath: '/run/mysqld/mysqld.sock',
        database: 'sympa',
        user: 'sympa',
        password: null,
        tls: null,
      },
    ],
    [
      'MySQL with its socket in db_options',
      'db_type mysql\ndb_host localhost\ndb_options mysql_socket=/tmp/my.sock\n',
      {
        type: 'MySQL',
        host: null,
        port: 3306,
        socketPath: '/tmp/my.sock',
        database: 'sympa',
        user: null,
        password: null,
        tls: null,
      },
    ],
    [
      'MariaDB on another host with mysql_ssl=0',
      'db_type MySQL\ndb_host db.example.org\ndb_port 3307\ndb_options mysql_ssl=0\n',
      {
        type: 'MySQL',
        host: 'db.example.org',
        port: 3307,
        socketPath: null,
        database: 'sympa',
        user: null,
        password: null,
        tls: null,
      },
    ],
  ])('reads %s', (_name, lines, expected) => {
    expect(readSympaConf(conf(lines), {})).toEqual(expected);
  });

  it('keeps the last of a key set twice and skips comments, as Conf.pm does', () => {
    const file = conf('db_type PostgreSQL\n# db_name old\n; db_name older\ndb_name first\ndb_name second\n');
    expect(readSympaConf(file, {})).toMatchObject({ database: 'second' });
  });

  it('takes the password from FACTEUR_SYMPA_DB_PASSWORD when sympa.conf has none', () => {
    const file = conf('db_type PostgreSQL\n');
    expect(readSympaConf(file, { FACTEUR_SYMPA_DB_PASSWORD: 'from-env' })).toMatchObject({ password: 'from-env' });
  });

  it("keeps sympa.conf's db_passwd over the environment", () => {
    const file = conf('db_type PostgreSQL\ndb_passwd from-file\n');
    expect(readSympaConf(file, { FACTEUR_SYMPA_DB_PASSWORD: 'from-env' })).toMatchObject({ password: 'from-file' });
  });

  it.each([
    ['a database facteur cannot read', 'db_type Oracle\n', 'db_type is "Oracle": facteur reads MySQL/MariaDB', 4],
    ['a port that is no number', 'db_type Pg\ndb_port five\n', 'db_port is "five", not a port number', 5],
    ['a port out of range', 'db_type Pg\ndb_port 70000\n', 'db_port is "70000"', 5],
    ['a setting without value', 'db_type Pg\ndb_host\n', 'db_host has no value', 5],
    ['an unknown sslmode', 'db_type Pg\ndb_options sslmode=maybe\n', 'sslmode "maybe"', 5],
    ['a mysql_ssl that is no 0 or 1', 'db_type mysql\ndb_options mysql_ssl=yes\n', 'mysql_ssl "yes"', 5],
  ])('refuses %s, naming the line', (_name, lines, message, line) => {
    const file = conf(lines);
    expect(() => readSympaConf(file, {})).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(message) as unknown,
        code: 'ECONFIG',
        location: { file, line },
      }),
    );
  });

  it('refuses a db_passwd every user can read', () => {
    const file = conf('db_type Pg\ndb_passwd s3cret\n', 0o644);
    expect(() => readSympaConf(file, {})).toThrow('db_passwd is readable by every user (mode 644)');
  });

  it('reads a world-readable sympa.conf that holds no password', () => {
    const file = conf('db_type Pg\n', 0o644);
    expect(readSympaConf(file, {})).toMatchObject({ type: 'PostgreSQL', password: null });
  });

  it('refuses a missing file, naming it', () => {
    expect(() => readSympaConf('/nonexistent/sympa.conf', {})).toThrow(
      'Cannot read Sympa config "/nonexistent/sympa.conf": no such file or directory (ENOENT)',
    );
  });
});

describe('describeSympaDatabase()', () => {
  it('names the server and database, never the password', () => {
    const database: SympaDatabase = {
      type: 'PostgreSQL',
      host: 'db.example.org',
      port: 5432,
      socketPath: null,
      database: 'sympa',
      user: 'sympa',
      password: 's3cret',
      tls: null,
    };
    expect(describeSympaDatabase(database)).toBe('PostgreSQL database "sympa" on db.example.org:5432');
    expect(
      describeSympaDatabase({ ...database, host: null, socketPath: '/run/mysqld/mysqld.sock', type: 'MySQL' }),
    ).toBe('MySQL database "sympa" on /run/mysqld/mysqld.sock');
    expect(describeSympaDatabase({ type: 'SQLite', file: '/var/lib/sympa.db' })).toBe(
      'SQLite database "/var/lib/sympa.db"',
    );
  });
});
