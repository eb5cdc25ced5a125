import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSympaConf } from '../../src/sympa/read-sympa-conf.js';
import { readSympaDatabase } from '../../src/sympa/read-sympa-database.js';
import { readSubscriberTable } from '../../src/sympa/read-subscriber-table.js';
import type { SympaMember } from '../../src/sympa/types.js';
import { FIXTURES } from '../sympa/helpers.js';
import { startMariadb, startPostgresql, type SqlServer } from './helpers/sql-servers.js';
import { SYMPA, sympa as runSympa } from './helpers/sympa.js';
import { facteur } from './helpers/facteur.js';

/**
 * The reference rows: those Sympa 6.2.70 wrote in SQLite (the fixture), plus what `sympa include` of an include_file
 * list wrote there, and a member with a long UTF-8 name.
 */
function referenceDatabase(file: string): void {
  const db = new Database(file);
  db.exec(
    `${readFileSync(join(FIXTURES, 'subscriber-table.sql'), 'utf8')}
     INSERT INTO subscriber_table (list_subscriber, robot_subscriber, user_subscriber, comment_subscriber,
       date_epoch_subscriber, subscribed_subscriber, inclusion_subscriber, inclusion_ext_subscriber,
       inclusion_label_subscriber, number_messages_subscriber, reception_subscriber, update_epoch_subscriber,
       visibility_subscriber)
     VALUES ('staff', 'lists.example.org', 'both@example.org', 'Both', 1796477525, 1, 1796477531, 1796477531,
             'staff.txt', 0, 'mail', 1796477525, 'noconceal'),
            ('staff', 'lists.example.org', 'inc2@example.net', NULL, 1796477526, 0, 1796477531, 1796477531,
             'staff.txt', 0, 'mail', 1796477526, 'noconceal'),
            ('staff', 'other.example', 'zoé@example.org', '${'Zoé Ærøskøbing '.repeat(9)}', 1796477000, 1, NULL, NULL,
             NULL, 0, 'mail', 1796477000, 'noconceal');`,
  );
  db.close();
}

describe.each([
  ['PostgreSQL', startPostgresql],
  ['MariaDB', startMariadb],
])("Sympa's subscriber_table in %s", (_name, start) => {
  let server: SqlServer;
  let dir: string;
  let reference: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-sympa-db-'));
    await chmod(dir, 0o755);
    reference = join(dir, 'reference.sqlite');
    referenceDatabase(reference);
    server = await start();
    // The same rows, column for column, into the table Sympa created on the server.
    const rows = new Database(reference, { readonly: true }).prepare('SELECT * FROM subscriber_table').all() as Record<
      string,
      unknown
    >[];
    for (const row of rows) {
      const columns = Object.keys(row);
      const marks = columns.map((_, index) => (server.kind === 'PostgreSQL' ? `$${index + 1}` : '?'));
      await server.query(
        `INSERT INTO subscriber_table (${columns.join(', ')}) VALUES (${marks.join(', ')})`,
        Object.values(row),
      );
    }
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (list?: string): Promise<SympaMember[]> => {
    const members: SympaMember[] = [];
    for await (const member of readSympaDatabase(readSympaConf(server.sympaConf), list === undefined ? {} : { list }))
      members.push(member);
    return sorted(members);
  };

  it('gives the same members, bounce data and data sources as the SQLite reader on the same rows', async () => {
    const fromSqlite = sorted([...readSubscriberTable(reference)]);
    expect(fromSqlite).toHaveLength(7);
    expect(await read()).toEqual(fromSqlite);
    expect(await read('staff@lists.example.org')).toEqual(
      sorted([...readSubscriberTable(reference, { list: 'staff@lists.example.org' })]),
    );
    expect(await read('staff')).toHaveLength(3);
  });

  describe('with Sympa itself writing to the server', () => {
    const name = `facteur-db-${process.pid}`;
    const list = `${name}@lists.example.org`;
    let store: string;
    let label: string;
    /** Runs the installed `sympa` against the server's sympa.conf; its output, or an error when it fails. */
    const sympa = async (args: string[], input = ''): Promise<string> => {
      const result = await runSympa(args, input, { ...process.env, SYMPA_CONFIG: server.sympaConf });
      if (result.code !== 0) throw new Error(`sympa ${args.join(' ')} failed: ${result.stderr}`);
      return result.stderr + result.stdout;
    };
    const review = async (): Promise<string[]> =>
      (await sympa(['review', list])).split('\n').filter((line) => /^\S+@\S+$/.test(line));
    beforeAll(async () => {
      store = join(dir, 'facteur.sqlite');
      const xml = join(dir, 'list.xml');
      await writeFile(
        xml,
        `<?xml version="1.0" ?>
<list><listname>${name}</listname><type>discussion_list</type><subject>facteur test</subject>
<description>facteur test</description><status>open</status><language>en_US</language><topic>other</topic>
<owner multiple="1"><email>owner@example.org</email></owner></list>
`,
      );
      await chmod(xml, 0o644);
      await sympa(['create', `--input_file=${xml}`]);
      await sympa(
        ['add', '--quiet', list],
        'alice@example.org Alice Liddell\ncarol@example.com Carol Été\nbob@example.net Bob\n',
      );
      // A file data source, synchronised by Sympa: inc@ comes only from it.
      const staff = join(dir, 'staff.txt');
      await writeFile(staff, 'inc@example.net Included One\n');
      await chmod(staff, 0o644);
      const config = join(readSympaConfHome(server.sympaConf), name, 'config');
      await writeFile(config, `${await readFile(config, 'utf8')}\ninclude_file ${staff}\n`);
      const included = await sympa(['include', list]);
      // Sympa names the data source in its own report: that name is what the owner sees and must find.
      label = /data source "([^"]+)"/.exec(included)?.[1] ?? '';
      if (label === '') throw new Error(`sympa include named no data source: ${included}`);
      // bounced.pl and the eval_bouncers task write these two columns (test/integration/sympa.test.ts runs
      // bounced.pl on the installed Sympa); set here as they would leave them.
      const bounced = `${Math.floor(Date.now() / 1000) - 20 * 86_400} ${Math.floor(Date.now() / 1000) - 86_400} 12 5.1.1`;
      for (const email of ['bob@example.net', 'inc@example.net'])
        await server.query(
          server.kind === 'PostgreSQL'
            ? 'UPDATE subscriber_table SET bounce_subscriber = $1, bounce_score_subscriber = 90 WHERE user_subscriber = $2'
            : 'UPDATE subscriber_table SET bounce_subscriber = ?, bounce_score_subscriber = 90 WHERE user_subscriber = ?',
          [bounced, email],
        );
    });

    it('facteur dormant reads what Sympa wrote and names the data source of the included member', async () => {
      const { code, stdout, stderr } = await facteur([
        'dormant',
        '--db',
        store,
        '--sympa-conf',
        server.sympaConf,
        '--list',
        list,
        '--no-dns',
        '--json',
      ]);
      expect(stderr).toContain(
        `1 list, 4 members imported from ${server.kind === 'PostgreSQL' ? 'PostgreSQL' : 'MySQL'} database "sympa" on 127.0.0.1:${server.port}`,
      );
      expect(code).toBe(1);
      const document = JSON.parse(stdout) as { entries: { address: string; inclusion: unknown }[] };
      expect(document.entries.map((entry) => [entry.address, entry.inclusion])).toEqual([
        ['bob@example.net', null],
        ['inc@example.net', { dataSource: label, syncedAt: expect.any(String) as unknown, subscribed: false }],
      ]);
      const db = new Database(store, { readonly: true });
      expect(db.prepare("SELECT gecos FROM list_members WHERE address = 'carol@example.com'").pluck().get()).toBe(
        'Carol Été',
      );
      db.close();
      expect(stdout + stderr).not.toContain(server.password);
    });

    it('dormant apply removes both through sympa del on that Sympa, and the included one stays out after a sync', async () => {
      const { code, stdout } = await facteur([
        'dormant',
        'apply',
        '--sympa',
        list,
        '--sympa-conf',
        server.sympaConf,
        '--db',
        store,
        '--sympa-command',
        SYMPA,
        '--yes',
        '--json',
      ]);
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as {
        command: string[];
        results: { address: string; outcome: string; inclusion: unknown }[];
      };
      expect(result.command).toContain(`--config=${server.sympaConf}`);
      expect(result.results.map((item) => [item.address, item.outcome, item.inclusion])).toEqual([
        ['bob@example.net', 'removed', null],
        ['inc@example.net', 'removed', { dataSource: label }],
      ]);
      expect(await review()).toEqual(['alice@example.org', 'carol@example.com']);
      // Sympa 6.2.70 records the removal of an included member as an exclusion, so the next sync leaves it out...
      await sympa(['include', list]);
      expect(await review()).toEqual(['alice@example.org', 'carol@example.com']);
      const excluded = await server.query('SELECT user_exclusion FROM exclusion_table');
      expect(excluded.map((row) => row.user_exclusion)).toEqual(['inc@example.net']);
      // ...while the data source still holds the address, which is why facteur names it.
      expect(await readFile(join(dir, 'staff.txt'), 'utf8')).toContain('inc@example.net');
    });

    it('refuses a wrong password with exit 2, naming host:port and database, never the password', async () => {
      const wrong = join(dir, 'wrong.conf');
      await writeFile(wrong, (await readFile(server.sympaConf, 'utf8')).replace(server.password, 'not-the-password'));
      await chmod(wrong, 0o600);
      const { code, stdout, stderr } = await facteur(['dormant', '--db', store, '--sympa-conf', wrong, '--no-dns']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`database "sympa" on 127.0.0.1:${server.port} as user "sympa": the server refused`);
      expect(stderr).not.toContain('not-the-password');
    });

    it('exits 3 when the server cannot be reached, and imports nothing', async () => {
      const closed = join(dir, 'closed.conf');
      const port = await closedPort();
      await writeFile(
        closed,
        (await readFile(server.sympaConf, 'utf8')).replace(`db_port\t${server.port}`, `db_port\t${port}`),
      );
      await chmod(closed, 0o600);
      const members = (): string[] => {
        const db = new Database(store, { readonly: true });
        try {
          return db
            .prepare('SELECT address FROM list_members WHERE list = ? ORDER BY address')
            .pluck()
            .all(list) as string[];
        } finally {
          db.close();
        }
      };
      // The four imported, less the two apply removed above.
      expect(members()).toEqual(['alice@example.org', 'carol@example.com']);
      const { code, stdout, stderr } = await facteur(['dormant', '--db', store, '--sympa-conf', closed, '--no-dns']);
      expect(code).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toContain(`database "sympa" on 127.0.0.1:${port}: ECONNREFUSED`);
      expect(members()).toEqual(['alice@example.org', 'carol@example.com']);
    });
  });
});

/** Members in list then address order: each database hands them over in its own order. */
function sorted(members: SympaMember[]): SympaMember[] {
  const key = (member: SympaMember): string => `${member.list}\n${member.email}`;
  return members.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The `home` (list directories) of a sympa.conf. */
function readSympaConfHome(file: string): string {
  return /^home\s+(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim() ?? '';
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

describe('facteur dormant --sympa-conf naming a port where no PostgreSQL listens', () => {
  it('exits 2 naming host:port when the server there answers the TLS request as a web server does', async () => {
    const net = await import('node:net');
    // A web server's answer to PostgreSQL's SSLRequest: "H" where the protocol allows only "S" or "N".
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const dir = await mkdtemp(join(tmpdir(), 'facteur-not-pg-'));
    try {
      const conf = join(dir, 'sympa.conf');
      await writeFile(
        conf,
        `db_type\tPg\ndb_host\t127.0.0.1\ndb_port\t${port}\ndb_name\tsympa\ndb_user\tsympa\ndb_passwd\tx\ndb_options\tsslmode=require\n`,
      );
      await chmod(conf, 0o600);
      const store = join(dir, 'f.sqlite');
      const { code, stdout, stderr } = await facteur(['dormant', '--db', store, '--sympa-conf', conf, '--no-dns']);
      expect(stderr).not.toContain('unexpected error');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`PostgreSQL database "sympa" on 127.0.0.1:${port}: the server there answered`);
    } finally {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await rm(dir, { recursive: true, force: true });
    }
  });
});
