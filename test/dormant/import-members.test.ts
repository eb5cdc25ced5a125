import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { importMembersFile, importSympaDatabase } from '../../src/dormant/import-members.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { memberSourceReader } from '../../src/store/list-members.js';
import { FIXTURES } from '../sympa/helpers.js';

const NOW = Date.UTC(2026, 10, 23, 12);

describe('importSympaDatabase()', () => {
  let dir: string;
  let sympaFile: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-import-'));
    sympaFile = join(dir, 'sympa.sqlite');
    const sympa = new Database(sympaFile);
    sympa.exec(readFileSync(join(FIXTURES, 'subscriber-table.sql'), 'utf8'));
    sympa.exec(`INSERT INTO subscriber_table (list_subscriber, robot_subscriber, user_subscriber, subscribed_subscriber,
      inclusion_subscriber, inclusion_label_subscriber) VALUES ('staff', 'lists.example.org', 'inc@example.net', 0,
      1796477531, 'staff.txt')`);
    sympa.close();
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const members = (list: string): string[] =>
    db.prepare('SELECT address FROM list_members WHERE list = ? ORDER BY address').pluck().all(list) as string[];

  it('imports every list with the data source of its included members', async () => {
    const counts = await importSympaDatabase(db, { type: 'SQLite', file: sympaFile }, undefined, NOW);
    expect(Object.fromEntries(counts)).toEqual({ 'probe@lists.example.org': 4, 'staff@lists.example.org': 1 });
    expect(memberSourceReader(db)('staff@lists.example.org', 'inc@example.net')).toEqual({
      dataSource: 'staff.txt',
      syncedAt: 1796477531_000,
      isSubscribed: false,
    });
    expect(memberSourceReader(db)('probe@lists.example.org', 'bob@example.net')).toBeUndefined();
  });

  it('empties a list that has left Sympa since the last import, and one named that has no members', async () => {
    const database = { type: 'SQLite', file: sympaFile } as const;
    await importSympaDatabase(db, database, undefined, NOW - 1);
    const sympa = new Database(sympaFile);
    sympa.exec("DELETE FROM subscriber_table WHERE list_subscriber = 'staff'");
    sympa.close();
    const counts = await importSympaDatabase(db, database, undefined, NOW);
    expect(counts.get('staff@lists.example.org')).toBe(0);
    expect(members('staff@lists.example.org')).toEqual([]);
    expect(members('probe@lists.example.org')).toHaveLength(4);
    expect(Object.fromEntries(await importSympaDatabase(db, database, 'closed@lists.example.org', NOW))).toEqual({
      'closed@lists.example.org': 0,
    });
  });
});

describe('importMembersFile()', () => {
  it('refuses a directory given as the members file, naming it, and imports nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-import-'));
    const db = openDatabase(join(dir, 'f.sqlite'));
    try {
      const error = await importMembersFile(db, dir, 'info@lists.example.org', NOW).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(`"${dir}": it is a directory (EISDIR)`);
      expect(db.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(0);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a member.dump saved with a byte-order mark and CR LF as a dump, not as a web export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-import-'));
    const db = openDatabase(join(dir, 'f.sqlite'));
    try {
      // As Windows Notepad saves it after an edit.
      const dump = ['date 1796529908', 'email Carol@Example.COM', 'gecos Carole Émile', 'subscribed 1', '']
        .map((line) => `${line}\r\n`)
        .join('');
      const file = join(dir, 'member.dump');
      writeFileSync(file, `\uFEFF${dump}`);
      expect(await importMembersFile(db, file, 'info@lists.example.org', NOW)).toBe(1);
      expect(db.prepare('SELECT address, gecos, subscribed_at FROM list_members').all()).toEqual([
        { address: 'carol@example.com', gecos: 'Carole Émile', subscribed_at: 1796529908_000 },
      ]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes a bounce export as Sympa's bounce data of the members it names, keeping the other members", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-import-'));
    const db = openDatabase(join(dir, 'f.sqlite'));
    const list = 'info@lists.example.org';
    const rows = (): unknown[] =>
      db
        .prepare('SELECT address, gecos, sympa_bounce_count, sympa_bounce_score FROM list_members ORDER BY address')
        .raw()
        .all();
    try {
      const full = join(dir, 'export-full.txt');
      writeFileSync(full, 'alice@example.org\tAlice\nbob@example.net\tBob\ncarol@example.com\n');
      await importMembersFile(db, full, list, NOW - 2);
      // The bounce format lists the members Sympa counts as bouncing, and them only (wwsympa do_export_member).
      const header = '# Email\tName\tBounce score\tBounce count\tFirst bounce\tLast bounce\n';
      const carol = join(dir, 'export-bounce-1.txt');
      writeFileSync(carol, `${header}carol@example.com\t\t80\t4\t1795444004\t1795444013\n`);
      expect(await importMembersFile(db, carol, list, NOW - 1)).toBe(1);
      const bob = join(dir, 'export-bounce-2.txt');
      writeFileSync(bob, readFileSync(join(FIXTURES, 'export-bounce.txt')));
      expect(await importMembersFile(db, bob, list, NOW)).toBe(2);
      expect(rows()).toEqual([
        ['alice@example.org', 'Alice', null, null],
        ['bob@example.net', 'Bob', 2, 87],
        // Carol no longer bounces for Sympa: her old record is gone, her membership stays.
        ['carol@example.com', null, null, null],
        ['dave@gone.example', null, 1, null],
      ]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
