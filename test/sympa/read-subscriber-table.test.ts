import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSubscriberTable } from '../../src/sympa/read-subscriber-table.js';
import { collect, FIXTURES, scratch } from './helpers.js';

/** Builds a database with the subscriber_table schema and rows Sympa 6.2.70 wrote, plus extra SQL. */
function sympaDatabase(path: string, extra = ''): string {
  const db = new Database(path);
  db.exec(readFileSync(join(FIXTURES, 'subscriber-table.sql'), 'utf8') + extra);
  db.close();
  return path;
}

function insert(list: string, robot: string, user: string, values: Record<string, string | number | null> = {}) {
  const columns = ['list_subscriber', 'robot_subscriber', 'user_subscriber', ...Object.keys(values)];
  const cells = [list, robot, user, ...Object.values(values)].map((value) =>
    value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`,
  );
  return `INSERT INTO subscriber_table (${columns.join(', ')}) VALUES (${cells.join(', ')});\n`;
}

describe('readSubscriberTable()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  it("reads the members and Sympa's bounce data as Sympa 6.2.70 stored them", async () => {
    const db = sympaDatabase(files.write('sympa', ''));
    const { items, errors } = await collect((onInputError) => readSubscriberTable(db, { onInputError }));
    expect(errors).toEqual([]);
    expect(items).toEqual([
      {
        list: 'probe@lists.example.org',
        email: 'alice@example.org',
        gecos: 'Alice Liddell',
        subscribedAt: new Date(1795444000_000),
        bounce: null,
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: 'probe@lists.example.org',
        email: 'bob@example.net',
        gecos: 'Bob',
        subscribedAt: new Date(1795444000_000),
        bounce: { first: new Date(1795444004_000), last: new Date(1795444013_000), count: 2, status: '5.1.1' },
        bounceScore: 87,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: 'probe@lists.example.org',
        email: 'carol@example.com',
        gecos: 'Carol Été',
        subscribedAt: new Date(1795444000_000),
        bounce: null,
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: 'probe@lists.example.org',
        email: 'dave@gone.example',
        gecos: null,
        subscribedAt: new Date(1795444000_000),
        bounce: { first: new Date(1795444004_000), last: new Date(1795444004_000), count: 1, status: '4.2.2' },
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
    ]);
  });

  it.each([
    ['probe@lists.example.org', ['alice@example.org', 'bob@example.net', 'carol@example.com', 'dave@gone.example']],
    ['probe@other.example', ['zed@example.org']],
    ['probe', ['alice@example.org', 'bob@example.net', 'carol@example.com', 'dave@gone.example', 'zed@example.org']],
    ['news@lists.example.org', ['yann@example.org']],
    ['absent@lists.example.org', []],
  ])('reads only list "%s" when asked', async (list, emails) => {
    const db = sympaDatabase(
      files.write('sympa', ''),
      insert('probe', 'other.example', 'zed@example.org') + insert('news', 'lists.example.org', 'yann@example.org'),
    );
    const { items } = await collect(() => readSubscriberTable(db, { list }));
    expect(items.map((member) => member.email)).toEqual(emails);
  });

  it.each([
    ['a user that is no address', insert('x', 'd.example', 'not an address'), 'user_subscriber "not an address"', 0],
    [
      'a damaged bounce field',
      insert('x', 'd.example', 'a@example.org', { bounce_subscriber: 'bounced twice' }),
      'bounce_subscriber "bounced twice"',
      1,
    ],
    [
      'a date that is no number',
      insert('x', 'd.example', 'a@example.org', { date_epoch_subscriber: '2026-11-23' }),
      'date_epoch_subscriber "2026-11-23"',
      1,
    ],
    [
      'an inclusion date that is no number',
      insert('x', 'd.example', 'a@example.org', { inclusion_subscriber: 'yesterday' }),
      'inclusion_subscriber "yesterday"',
      1,
    ],
    [
      'a negative score',
      insert('x', 'd.example', 'a@example.org', { bounce_score_subscriber: -3 }),
      'bounce_score_subscriber "-3"',
      1,
    ],
  ])('reports %s with its record and goes on', async (_name, sql, reason, count) => {
    const db = sympaDatabase(files.write('sympa', ''), sql);
    const { items, errors } = await collect((onInputError) => readSubscriberTable(db, { list: 'x', onInputError }));
    expect(items).toHaveLength(count);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(reason);
    expect(errors[0]?.location.file).toBe(db);
    expect(errors[0]?.location.record).toMatch(/^x@d\.example /);
  });

  it('reads where each member came from: a subscription, a data source, or both', async () => {
    // The rows Sympa 6.2.70 wrote after `sympa add` of both@ and `sympa include` of a list with include_file.
    const db = sympaDatabase(
      files.write('sympa', ''),
      insert('staff', 'd.example', 'both@example.org', {
        subscribed_subscriber: 1,
        inclusion_subscriber: 1796477531,
        inclusion_ext_subscriber: 1796477531,
        inclusion_label_subscriber: 'staff.txt',
      }) +
        insert('staff', 'd.example', 'inc2@example.net', {
          subscribed_subscriber: 0,
          inclusion_subscriber: 1796477531,
          inclusion_label_subscriber: 'staff.txt',
        }) +
        insert('staff', 'd.example', 'old@example.net', { inclusion_subscriber: 1796477000 }),
    );
    const { items, errors } = await collect((onInputError) =>
      readSubscriberTable(db, { list: 'staff@d.example', onInputError }),
    );
    expect(errors).toEqual([]);
    expect(items.map((member) => [member.email, member.isSubscribed, member.inclusion])).toEqual([
      ['both@example.org', true, { dataSource: 'staff.txt', syncedAt: new Date(1796477531_000) }],
      ['inc2@example.net', false, { dataSource: 'staff.txt', syncedAt: new Date(1796477531_000) }],
      // NULL subscribed_subscriber with an inclusion: Sympa's own queries count such a member as only included.
      ['old@example.net', false, { dataSource: null, syncedAt: new Date(1796477000_000) }],
    ]);
  });

  it('reads a database older than Sympa 6.2.45, without the inclusion columns', () => {
    const path = files.write('old', '');
    new Database(path)
      .exec(
        `CREATE TABLE subscriber_table (list_subscriber text, robot_subscriber text, user_subscriber text,
           comment_subscriber text, date_epoch_subscriber integer, bounce_subscriber text, bounce_score_subscriber integer,
           included_subscriber integer);
         INSERT INTO subscriber_table VALUES ('x', 'd.example', 'a@example.org', 'A', 1795444000, NULL, NULL, 1);`,
      )
      .close();
    const [member] = [...readSubscriberTable(path)];
    expect(member).toMatchObject({ email: 'a@example.org', inclusion: null, isSubscribed: null });
  });

  it('treats a blank bounce field as no bounce', async () => {
    const db = sympaDatabase(
      files.write('sympa', ''),
      insert('x', 'd.example', 'a@example.org', { bounce_subscriber: ' ' }),
    );
    const { items, errors } = await collect((onInputError) => readSubscriberTable(db, { list: 'x', onInputError }));
    expect(errors).toEqual([]);
    expect(items[0]?.bounce).toBeNull();
  });

  it('refuses a database without subscriber_table', () => {
    const path = files.write('other', '');
    new Database(path).exec('CREATE TABLE t (a)').close();
    expect(() => [...readSubscriberTable(path)]).toThrow(
      `Cannot read Sympa subscriber_table in "${path}": no such table; is this Sympa 6.2's database?`,
    );
  });

  it('refuses a file that is not SQLite, naming it', () => {
    const path = files.write('text', 'email a@example.org\n'.repeat(100));
    expect(() => [...readSubscriberTable(path)]).toThrow(
      `Cannot open Sympa database "${path}": file is not a database`,
    );
  });

  it('refuses a missing file rather than creating one', () => {
    const path = join(FIXTURES, 'no-such.sqlite');
    expect(() => [...readSubscriberTable(path)]).toThrow(`Cannot open Sympa database "${path}"`);
  });

  it('never writes to the database it reads', () => {
    const db = sympaDatabase(files.write('sympa', ''));
    const before = readFileSync(db);
    expect([...readSubscriberTable(db)]).toHaveLength(4);
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});
