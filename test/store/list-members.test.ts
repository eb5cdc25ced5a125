import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { listImports } from '../../src/store/dormant.js';
import { MEMBER_DOMAIN } from '../../src/store/migrations/009-dormant-packs.js';
import { beginMembersImport, memberSourceReader, type ImportedMember } from '../../src/store/list-members.js';
import { replaceMembers } from './helpers.js';

const NOW = Date.UTC(2026, 10, 23, 12);
const LIST = 'staff@lists.example.org';

function member(address: string, source: ImportedMember['source'] = null, list = LIST): ImportedMember {
  return { list, address, gecos: null, subscribedAt: null, sympaBounce: null, sympaScore: null, source };
}

describe('beginMembersImport()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-list-members-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addresses = (list = LIST): string[] =>
    db.prepare('SELECT address FROM list_members WHERE list = ? ORDER BY address').pluck().all(list) as string[];
  const schema = (): unknown[] =>
    db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name LIKE 'list_member%' ORDER BY name").all();

  it('replaces the membership and the data sources, and records the import', () => {
    const source = { dataSource: 'staff.txt', syncedAt: NOW - 1000, isSubscribed: false };
    replaceMembers(db, LIST, [member('a@example.org'), member('b@example.org', source)], NOW - 1);
    expect(memberSourceReader(db)(LIST, 'b@example.org')).toEqual(source);
    expect(replaceMembers(db, LIST, [member('c@example.org')], NOW)).toBe(1);
    expect(addresses()).toEqual(['c@example.org']);
    expect(memberSourceReader(db)(LIST, 'b@example.org')).toBeUndefined();
    expect(listImports(db).get(LIST)).toEqual({ source: 'test', members: 1, importedAt: NOW });
  });

  it('keeps the previous membership whole when an import is rolled back halfway', () => {
    replaceMembers(db, LIST, [member('a@example.org')], NOW - 1);
    const membersImport = beginMembersImport(db, 'broken', NOW);
    membersImport.add(member('z@example.org', { dataSource: 'x', syncedAt: null, isSubscribed: false }));
    membersImport.rollback();
    expect(addresses()).toEqual(['a@example.org']);
    expect(memberSourceReader(db)(LIST, 'z@example.org')).toBeUndefined();
    expect(listImports(db).get(LIST)?.source).toBe('test');
    expect(db.inTransaction).toBe(false);
  });

  it('shows nothing of an import to another connection before commit, and lets it write meanwhile', () => {
    const membersImport = beginMembersImport(db, 'test', NOW);
    membersImport.add(member('a@example.org'));
    const other = openDatabase(join(dir, 'f.sqlite'));
    try {
      expect(other.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(0);
      // Staging holds no lock on the store: `facteur bounces fetch` may record events during a long import.
      other.prepare("INSERT INTO list_imports (list, source, members, imported_at) VALUES ('x@y', 'o', 0, 1)").run();
      membersImport.commit();
      expect(other.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(1);
    } finally {
      other.close();
    }
  });

  it('keeps the last row of an address given twice, data source included', () => {
    const source = { dataSource: 'staff.txt', syncedAt: null, isSubscribed: true };
    replaceMembers(
      db,
      LIST,
      [
        member('a@example.org', source),
        { ...member('a@example.org'), gecos: 'Second' },
        member('b@example.org'),
        { ...member('b@example.org', source), gecos: 'Included' },
      ],
      NOW,
    );
    expect(db.prepare('SELECT gecos FROM list_members ORDER BY address').pluck().all()).toEqual(['Second', 'Included']);
    expect(memberSourceReader(db)(LIST, 'a@example.org')).toBeUndefined();
    expect(memberSourceReader(db)(LIST, 'b@example.org')).toEqual(source);
  });

  it('replaces every list staged in one commit, empties one named without members, leaves the others', () => {
    replaceMembers(db, 'other@lists.example.org', [member('o@example.org', null, 'other@lists.example.org')], NOW);
    replaceMembers(db, 'closed@lists.example.org', [member('c@example.org', null, 'closed@lists.example.org')], NOW);
    const membersImport = beginMembersImport(db, 'sympa', NOW);
    membersImport.add(member('b@example.org'));
    membersImport.add(member('a@example.org', null, 'new@lists.example.org'));
    membersImport.addList('closed@lists.example.org');
    expect(Object.fromEntries(membersImport.commit())).toEqual({
      'closed@lists.example.org': 0,
      'new@lists.example.org': 1,
      [LIST]: 1,
    });
    expect(addresses('closed@lists.example.org')).toEqual([]);
    expect(addresses('other@lists.example.org')).toEqual(['o@example.org']);
    expect(listImports(db).get('other@lists.example.org')?.source).toBe('test');
  });

  it('with replacesSource, empties the lists imported from the same source that are gone from it', () => {
    replaceMembers(db, 'gone@lists.example.org', [member('g@example.org', null, 'gone@lists.example.org')], NOW, 'db');
    replaceMembers(db, 'file@lists.example.org', [member('f@example.org', null, 'file@lists.example.org')], NOW);
    const membersImport = beginMembersImport(db, 'db', NOW, { replacesSource: true });
    membersImport.add(member('a@example.org'));
    expect(Object.fromEntries(membersImport.commit())).toEqual({ 'gone@lists.example.org': 0, [LIST]: 1 });
    expect(addresses('gone@lists.example.org')).toEqual([]);
    expect(addresses('file@lists.example.org')).toEqual(['f@example.org']);
  });

  it('gives the same rows and indexes whether the import rebuilds the indexes (large) or updates them (small)', () => {
    const big = Array.from({ length: 400 }, (_, index) => member(`m${index}@example.org`, null, `l${index % 4}@x`));
    const membersImport = beginMembersImport(db, 'test', NOW);
    for (const item of big) membersImport.add(item);
    membersImport.commit();
    const before = schema();
    expect(before.map((row) => (row as { name: string }).name)).toContain('list_members_by_list');
    // One list of four is 25% of the table: rebuilt; one member of a fifth list is not.
    replaceMembers(db, 'l0@x', [member('n@example.org', null, 'l0@x')], NOW);
    replaceMembers(db, 'l5@x', [member('p@example.org', null, 'l5@x')], NOW);
    expect(schema()).toEqual(before);
    expect(addresses('l0@x')).toEqual(['n@example.org']);
    expect(addresses('l1@x')).toHaveLength(100);
    expect(db.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(302);
    expect(
      db.prepare("SELECT count(*) FROM list_members INDEXED BY list_members_by_list WHERE list = 'l1@x'").pluck().get(),
    ).toBe(100);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('sets the index by domain aside while it inserts most of the store, and builds it again', () => {
    const before = schema();
    const membersImport = beginMembersImport(db, 'test', NOW);
    // More members than the first swap transaction takes, over lists swapped in several batches.
    for (let index = 0; index < 60_000; index++)
      membersImport.add(member(`m${index}@d${index % 97}.example`, null, `l${index % 7}@x`));
    const exec = vi.spyOn(db, 'exec');
    membersImport.commit();
    expect(exec).toHaveBeenCalledWith('DROP INDEX "list_members_by_domain"');
    expect(schema()).toEqual(before);
    expect(db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'dormant.%'").pluck().get()).toBe(0);
    expect(
      db
        .prepare(
          `SELECT count(*) FROM list_members INDEXED BY list_members_by_domain WHERE ${MEMBER_DOMAIN} = 'd5.example'`,
        )
        .pluck()
        .get(),
    ).toBe(Math.ceil((60_000 - 5) / 97));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('builds again the index an import killed halfway set aside, at the next import', () => {
    replaceMembers(db, LIST, [member('a@example.org')], NOW - 1);
    const before = schema();
    // As an import killed between two swap transactions leaves it.
    db.transaction(() => {
      const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'list_members_by_domain'").pluck().get();
      db.prepare("INSERT INTO meta (key, value) VALUES ('dormant.set-aside-index.list_members_by_domain', ?)").run(sql);
      db.exec('DROP INDEX list_members_by_domain');
    })();
    expect(replaceMembers(db, LIST, [member('b@example.org')], NOW)).toBe(1);
    expect(schema()).toEqual(before);
    expect(db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'dormant.%'").pluck().get()).toBe(0);
  });

  it('leaves every list and index as it was when the swap fails halfway', () => {
    replaceMembers(db, LIST, [member('a@example.org')], NOW - 1);
    const before = schema();
    db.exec(`CREATE TEMP TRIGGER fail_swap BEFORE INSERT ON main.list_members WHEN NEW.address = 'z@example.org'
             BEGIN SELECT RAISE(ABORT, 'disk gone'); END`);
    const membersImport = beginMembersImport(db, 'broken', NOW);
    membersImport.add(member('b@example.org'));
    membersImport.add(member('z@example.org'));
    expect(() => membersImport.commit()).toThrow('disk gone');
    expect(addresses()).toEqual(['a@example.org']);
    expect(listImports(db).get(LIST)?.source).toBe('test');
    expect(schema()).toEqual(before);
    expect(db.inTransaction).toBe(false);
  });
});
