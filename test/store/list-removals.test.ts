import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG } from '../../src/dormant/dormant-config.js';
import { dormantEntries } from '../../src/dormant/run-dormant.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import type { DormantScope } from '../../src/store/dormant.js';
import { beginMembersImport, memberSourceReader, type ImportedMember } from '../../src/store/list-members.js';
import { countListRemovalsInForce, listRemovalsInForce, recordListRemovals } from '../../src/store/list-removals.js';
import { addEvents, NOW, replaceMembers } from './helpers.js';

const LIST = 'info@lists.example.org';
const OTHER = 'other@lists.example.org';
const HOW = { method: 'sympa_del', command: ['sympa', 'del', '--quiet', LIST], actor: 'alice' } as const;

function member(address: string, list = LIST): ImportedMember {
  return { list, address, gecos: null, subscribedAt: null, sympaBounce: null, sympaScore: null, source: null };
}

describe('list removals', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-list-removals-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The addresses and lists a dormant run reports for `scope`. */
  async function listed(scope: DormantScope): Promise<string[]> {
    const found: string[] = [];
    for await (const entry of dormantEntries(db, { scope, config: DEFAULT_DORMANT_CONFIG, now: NOW }))
      found.push(`${entry.address} ${entry.list ?? entry.campaign ?? '-'}`);
    return found;
  }

  it('recordListRemovals() takes the member out of the list and keeps what apply did', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    const source = { dataSource: 'staff.txt', syncedAt: null, isSubscribed: true };
    replaceMembers(db, LIST, [{ ...member('dead@example.org'), source }, member('fine@example.org')], NOW - 1000);
    replaceMembers(db, OTHER, [member('dead@example.org', OTHER)], NOW - 1000);
    expect(await listed({ kind: 'list', list: LIST })).toEqual([`dead@example.org ${LIST}`]);

    recordListRemovals(
      db,
      LIST,
      [{ address: 'Dead@Example.org', reply: 'dead@example.org has been removed' }],
      HOW,
      NOW,
    );
    expect(await listed({ kind: 'list', list: LIST })).toEqual([]);
    // Removed from one list, the address is still a member of the other, where it bounces just as much.
    expect(await listed({ kind: 'all' })).toEqual([`dead@example.org ${OTHER}`]);
    expect(memberSourceReader(db)(LIST, 'dead@example.org')).toBeUndefined();
    expect(db.prepare('SELECT address FROM list_members WHERE list = ?').pluck().all(LIST)).toEqual([
      'fine@example.org',
    ]);
    expect(listRemovalsInForce(db, LIST)).toEqual(
      new Map([
        [
          'dead@example.org',
          {
            list: LIST,
            address: 'dead@example.org',
            removedAt: NOW,
            method: 'sympa_del',
            command: ['sympa', 'del', '--quiet', LIST],
            reply: 'dead@example.org has been removed',
            actor: 'alice',
          },
        ],
      ]),
    );
    expect(countListRemovalsInForce(db, { kind: 'list', list: LIST })).toBe(1);
    expect(countListRemovalsInForce(db, { kind: 'list', list: OTHER })).toBe(0);
    expect(countListRemovalsInForce(db, { kind: 'all' })).toBe(1);
  });

  it('a later import of the list supersedes the removal: a member again when Sympa still lists it', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    addEvents(db, 'gone@example.org', 'h30 h20 h10');
    replaceMembers(db, LIST, [member('dead@example.org'), member('gone@example.org')], NOW - 1000);
    recordListRemovals(
      db,
      LIST,
      [
        { address: 'dead@example.org', reply: null },
        { address: 'gone@example.org', reply: null },
      ],
      HOW,
      NOW - 500,
    );
    expect(await listed({ kind: 'list', list: LIST })).toEqual([]);
    // Sympa did not remove dead@ after all (or it subscribed again); gone@ is gone.
    replaceMembers(db, LIST, [member('dead@example.org')], NOW);
    expect(await listed({ kind: 'list', list: LIST })).toEqual([`dead@example.org ${LIST}`]);
    expect(listRemovalsInForce(db, LIST).size).toBe(0);
    expect(countListRemovalsInForce(db, { kind: 'all' })).toBe(0);
    // The record stays, as the audit trail of what apply did.
    expect(db.prepare('SELECT address, superseded_at FROM list_removals ORDER BY address').raw().all()).toEqual([
      ['dead@example.org', NOW],
      ['gone@example.org', NOW],
    ]);
  });

  it("a bounce-format import that still names the member makes it one again; other lists' removals stay", async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    replaceMembers(db, LIST, [member('dead@example.org')], NOW - 1000);
    replaceMembers(db, OTHER, [member('dead@example.org', OTHER)], NOW - 1000);
    recordListRemovals(db, LIST, [{ address: 'dead@example.org', reply: null }], HOW, NOW - 500);
    recordListRemovals(db, OTHER, [{ address: 'dead@example.org', reply: null }], HOW, NOW - 500);
    const bounces = beginMembersImport(db, 'bounces.csv', NOW, { isBouncesOnly: true });
    bounces.add({
      ...member('dead@example.org'),
      sympaBounce: { first: NOW - 20 * 86_400_000, last: NOW - 86_400_000, count: 9, status: '5.1.1' },
      sympaScore: 90,
    });
    bounces.commit();
    expect(await listed({ kind: 'all' })).toEqual([`dead@example.org ${LIST}`]);
    expect(listRemovalsInForce(db, LIST).size).toBe(0);
    expect([...listRemovalsInForce(db, OTHER).keys()]).toEqual(['dead@example.org']);
  });

  it('a list known only by its events no longer reports the removed address, until it is imported', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    addEvents(db, 'worn@example.org', 'h30 h20 h10');
    recordListRemovals(db, LIST, [{ address: 'dead@example.org', reply: null }], HOW, NOW);
    expect(await listed({ kind: 'list', list: LIST })).toEqual([`worn@example.org ${LIST}`]);
    expect(await listed({ kind: 'all' })).toEqual([`worn@example.org ${LIST}`]);
    replaceMembers(db, LIST, [member('dead@example.org')], NOW + 1000);
    expect(await listed({ kind: 'list', list: LIST })).toEqual([`dead@example.org ${LIST}`]);
  });

  it("a campaign's recipient removed from a list is still reported for the campaign", async () => {
    db.prepare("INSERT INTO campaigns (id, name, verp_key, created_at) VALUES (1, 'news', zeroblob(32), 0)").run();
    db.prepare(
      `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id, updated_at)
       VALUES (1, 1, 'dead@example.org', 'dead@example.org', '{}', 'sent', '<1@x>', 0)`,
    ).run();
    addEvents(db, 'dead@example.org', 'h30 h20 h10', { list: null });
    replaceMembers(db, LIST, [member('dead@example.org')], NOW - 1000);
    recordListRemovals(db, LIST, [{ address: 'dead@example.org', reply: null }], HOW, NOW);
    expect(await listed({ kind: 'campaign', campaign: 'news' })).toEqual(['dead@example.org news']);
    expect(countListRemovalsInForce(db, { kind: 'campaign', campaign: 'news' })).toBe(0);
  });
});
