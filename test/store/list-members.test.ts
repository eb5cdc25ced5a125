import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { listImports } from '../../src/store/dormant.js';
import { beginListImport, memberSourceReader, type ImportedMember } from '../../src/store/list-members.js';
import { replaceMembers } from './helpers.js';

const NOW = Date.UTC(2026, 10, 23, 12);
const LIST = 'staff@lists.example.org';

function member(address: string, source: ImportedMember['source'] = null): ImportedMember {
  return { list: LIST, address, gecos: null, subscribedAt: null, sympaBounce: null, sympaScore: null, source };
}

describe('beginListImport()', () => {
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

  const addresses = (): string[] =>
    db.prepare('SELECT address FROM list_members WHERE list = ? ORDER BY address').pluck().all(LIST) as string[];

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
    const listImport = beginListImport(db, LIST, 'broken', NOW);
    listImport.add(member('z@example.org', { dataSource: 'x', syncedAt: null, isSubscribed: false }));
    listImport.rollback();
    expect(addresses()).toEqual(['a@example.org']);
    expect(memberSourceReader(db)(LIST, 'z@example.org')).toBeUndefined();
    expect(listImports(db).get(LIST)?.source).toBe('test');
    expect(db.inTransaction).toBe(false);
  });

  it('shows nothing of an import to another connection before commit', () => {
    const listImport = beginListImport(db, LIST, 'test', NOW);
    listImport.add(member('a@example.org'));
    const other = openDatabase(join(dir, 'f.sqlite'), { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(0);
      listImport.commit();
      expect(other.prepare('SELECT count(*) FROM list_members').pluck().get()).toBe(1);
    } finally {
      other.close();
    }
  });

  it('keeps the last row of an address given twice', () => {
    replaceMembers(db, LIST, [member('a@example.org'), { ...member('a@example.org'), gecos: 'Second' }], NOW);
    expect(db.prepare('SELECT gecos FROM list_members').pluck().all()).toEqual(['Second']);
  });
});
