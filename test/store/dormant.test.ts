import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG } from '../../src/dormant/dormant-config.js';
import { observeDomain } from '../../src/dormant/domain-verdict.js';
import type { DormantEntry } from '../../src/dormant/judge-address.js';
import { dormantEntries } from '../../src/dormant/run-dormant.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import {
  domainState,
  forgetAddress,
  forgetHistory,
  updateDomainStates,
  scopeDomains,
  type DormantScope,
  type MemberRecord,
} from '../../src/store/dormant.js';
import { MEMBER_DOMAIN } from '../../src/store/migrations/009-dormant-packs.js';
import { addEvents, NOW, replaceMembers } from './helpers.js';

const DAY = 86_400_000;

function member(list: string, address: string, extra: Partial<MemberRecord> = {}): MemberRecord {
  return { list, address, gecos: null, subscribedAt: null, sympaBounce: null, sympaScore: null, ...extra };
}

async function run(db: Db, scope: DormantScope = { kind: 'all' }): Promise<DormantEntry[]> {
  const entries: DormantEntry[] = [];
  for await (const entry of dormantEntries(db, { scope, config: DEFAULT_DORMANT_CONFIG, now: NOW }))
    entries.push(entry);
  return entries;
}

describe('dormant store and pass', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-dormant-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dormantEntries() reports bouncing and complaining addresses with their evidence, not the others', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    addEvents(db, 'fine@example.org', 'h30 h20 d15 h10');
    addEvents(db, 'away@example.org', 'a30 a20 a10 a5');
    addEvents(db, 'angry@example.org', 'f3');
    const entries = await run(db);
    expect(entries.map((entry) => [entry.address, entry.list, entry.reasons])).toEqual([
      ['angry@example.org', 'info@lists.example.org', ['complained']],
      ['dead@example.org', 'info@lists.example.org', ['bouncing']],
    ]);
    expect(entries[1]?.evidence.bounce).toMatchObject({ days: 3, firstAt: NOW - 30 * DAY, lastStatusCode: '5.1.1' });
  });

  it('dormantEntries() reports a member on every imported list and skips lists it has left', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    replaceMembers(db, 'a@lists.example.org', [member('a@lists.example.org', 'dead@example.org')], NOW);
    replaceMembers(db, 'b@lists.example.org', [member('b@lists.example.org', 'dead@example.org')], NOW);
    replaceMembers(db, 'info@lists.example.org', [], NOW);
    expect((await run(db)).map((entry) => entry.list)).toEqual(['a@lists.example.org', 'b@lists.example.org']);
    expect(await run(db, { kind: 'list', list: 'info@lists.example.org' })).toEqual([]);
    expect((await run(db, { kind: 'list', list: 'b@lists.example.org' })).map((entry) => entry.address)).toEqual([
      'dead@example.org',
    ]);
  });

  it('dormantEntries() names the data source of a member Sympa includes, on that list only', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    const source = { dataSource: 'staff.txt', syncedAt: NOW - DAY, isSubscribed: false };
    replaceMembers(db, 'a@lists.example.org', [{ ...member('a@lists.example.org', 'dead@example.org'), source }], NOW);
    replaceMembers(db, 'b@lists.example.org', [member('b@lists.example.org', 'dead@example.org')], NOW);
    expect((await run(db)).map((entry) => [entry.list, entry.inclusion])).toEqual([
      ['a@lists.example.org', source],
      ['b@lists.example.org', undefined],
      // Known only through its bounce events: no membership imported, so nothing to say of a data source.
      ['info@lists.example.org', undefined],
    ]);
  });

  it("dormantEntries() takes Sympa's own bounce score at its removal level", async () => {
    const sympaBounce = { first: NOW - 40 * DAY, last: NOW - 2 * DAY, count: 12, status: '5.1.1' };
    replaceMembers(
      db,
      'l@lists.example.org',
      [
        member('l@lists.example.org', 'x@example.org', { sympaBounce, sympaScore: 80 }),
        member('l@lists.example.org', 'y@example.org', { sympaBounce, sympaScore: 40 }),
      ],
      NOW,
    );
    const entries = await run(db, { kind: 'list', list: 'l@lists.example.org' });
    expect(entries.map((entry) => entry.address)).toEqual(['x@example.org']);
    expect(entries[0]?.evidence.sympaBounce).toMatchObject({ score: 80, count: 12 });
  });

  it('updateDomainStates() gives each update the state stored before it and returns what it stored', () => {
    const bad = { domain: 'gone.example', status: 'nxdomain', detail: null, failure: null } as const;
    const observe = (at: number) =>
      updateDomainStates(db, [bad], (observation, previous) => observeDomain(previous, observation, at));
    expect(observe(NOW - 2 * DAY)).toMatchObject([{ badObservations: 1, badSince: NOW - 2 * DAY }]);
    expect(observe(NOW - DAY)).toMatchObject([{ badObservations: 2, badSince: NOW - 2 * DAY, lastBadAt: NOW - DAY }]);
    expect(domainState(db, 'gone.example')).toMatchObject({ badObservations: 2, lastBadAt: NOW - DAY });
  });

  it('dormantEntries() reports members of a confirmed dead domain only', async () => {
    replaceMembers(
      db,
      'l@lists.example.org',
      [member('l@lists.example.org', 'a@gone.example'), member('l@lists.example.org', 'b@new.example')],
      NOW,
    );
    const twice = observeDomain(
      observeDomain(null, { domain: 'gone.example', status: 'nxdomain', detail: null, failure: null }, NOW - 2 * DAY),
      { domain: 'gone.example', status: 'nxdomain', detail: null, failure: null },
      NOW - DAY,
    );
    const once = observeDomain(
      null,
      { domain: 'new.example', status: 'nxdomain', detail: null, failure: null },
      NOW - DAY,
    );
    updateDomainStates(db, [twice, once], (state) => state);
    expect(domainState(db, 'gone.example')?.badObservations).toBe(2);
    const entries = await run(db);
    expect(entries.map((entry) => [entry.address, entry.reasons])).toEqual([['a@gone.example', ['dead_domain']]]);
    expect(entries[0]?.evidence.deadDomain).toMatchObject({ status: 'nxdomain', observations: 2 });
  });

  it("dormantEntries() reports a campaign's queued recipients on a confirmed dead domain before anything is sent", async () => {
    db.prepare(
      "INSERT INTO campaigns (id, name, verp_key, created_at) VALUES (1, 'consultation', zeroblob(32), 0)",
    ).run();
    const queue = db.prepare(
      `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id, updated_at)
       VALUES (1, ?, ?, lower(?), '{}', 'pending', ?, 0)`,
    );
    for (const [i, email] of ['Anne@Gone.example', 'bob@live.example', 'carl@new.example'].entries())
      queue.run(i + 1, email, email, `<${i}@x>`);
    const bad = (domain: string) => ({ domain, status: 'nxdomain', detail: null, failure: null }) as const;
    const states = [
      observeDomain(observeDomain(null, bad('gone.example'), NOW - 2 * DAY), bad('gone.example'), NOW - DAY),
      observeDomain(null, bad('new.example'), NOW - DAY),
    ];
    updateDomainStates(db, states, (state) => state);
    for (const scope of [{ kind: 'campaign', campaign: 'consultation' }, { kind: 'all' }] as const) {
      const entries = await run(db, scope);
      expect(entries.map((entry) => [entry.address, entry.campaign, entry.list, entry.reasons])).toEqual([
        ['anne@gone.example', 'consultation', null, ['dead_domain']],
      ]);
      expect(entries[0]?.evidence.deadDomain).toMatchObject({ domain: 'gone.example', observations: 2 });
    }
  });

  it('scopeDomains() reads the domain after the last @ of members, addresses with a counted event, and the queue', () => {
    replaceMembers(db, 'l@lists.example.org', [member('l@lists.example.org', '"a@live.example"@gone.example')], NOW);
    addEvents(db, 'b@other.example', 'h1');
    // Auto-replies never count: an address known only by them can never be reported.
    addEvents(db, 'c@away.example', 'a1 a2');
    db.prepare("INSERT INTO campaigns (id, name, verp_key, created_at) VALUES (1, 'c', zeroblob(32), 0)").run();
    db.prepare(
      `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id, updated_at)
       VALUES (1, 1, 'd@queued.example', 'd@queued.example', '{}', 'pending', '<1@x>', 0)`,
    ).run();
    expect(scopeDomains(db, { kind: 'all' }).sort()).toEqual(['gone.example', 'other.example', 'queued.example']);
    expect(scopeDomains(db, { kind: 'list', list: 'l@lists.example.org' })).toEqual(['gone.example']);
    expect(scopeDomains(db, { kind: 'campaign', campaign: 'c' })).toEqual(['queued.example']);
  });

  it('dormantEntries() counts messages refused with a 5xx by facteur send as hard bounces', async () => {
    const insert = db.prepare(
      `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id, last_reply_code,
         last_reply, updated_at) VALUES (?, 1, ?, ?, '{}', 'failed', ?, 550, '550 5.1.1 user unknown', ?)`,
    );
    for (const [i, days] of [40, 20, 5].entries()) {
      db.prepare('INSERT INTO campaigns (id, name, verp_key, created_at) VALUES (?, ?, zeroblob(32), 0)').run(
        i + 1,
        i === 2 ? 'news' : `old${i}`,
      );
      insert.run(i + 1, 'gone@example.org', 'gone@example.org', `<${i}@x>`, NOW - days * DAY);
    }
    const entries = await run(db, { kind: 'campaign', campaign: 'news' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ address: 'gone@example.org', campaign: 'news', reasons: ['bouncing'] });
    expect(entries[0]?.evidence.bounce).toMatchObject({ lastSource: 'smtp', lastStatusCode: '5.1.1', days: 3 });
  });

  it('forgetAddress() stops old events counting, keeps them, and records who asked', async () => {
    addEvents(db, 'dead@example.org', 'h30 h20 h10');
    const record = forgetAddress(db, 'dead@example.org', NOW, 'alice', 'new mailbox');
    expect(record.eventsCleared).toBe(3);
    expect(await run(db)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM bounce_events').pluck().get()).toBe(3);
    expect(forgetHistory(db, 'dead@example.org')).toEqual([
      { address: 'dead@example.org', forgottenAt: NOW, eventsCleared: 3, actor: 'alice', note: 'new mailbox' },
    ]);
  });

  it('reads all lists in index order without a temporary sort', () => {
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');
    expect(plan('SELECT * FROM bounce_events ORDER BY subscribed_address, occurred_at')).not.toMatch(/TEMP B-TREE/);
    expect(plan('SELECT * FROM list_members ORDER BY address, list')).not.toMatch(/TEMP B-TREE/);
    expect(
      plan("SELECT * FROM messages WHERE state = 'failed' AND last_reply_code >= 500 ORDER BY email_key, updated_at"),
    ).not.toMatch(/TEMP B-TREE/);
  });

  it('reads the event packs and lists of schema 9 in key order, and members only through their indexes', () => {
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({}) as { detail: string }[]).map((row) => row.detail).join('; ');
    expect(
      plan(
        'SELECT address, events FROM address_event_packs WHERE period >= 5 OR has_feedback = 1 ORDER BY address, period',
      ),
    ).not.toMatch(/TEMP B-TREE/);
    expect(plan('SELECT address, list FROM address_event_lists ORDER BY address, list')).not.toMatch(/TEMP B-TREE/);
    const members = plan(
      `SELECT * FROM list_members m WHERE m.address IN (
         SELECT address FROM list_members WHERE ${MEMBER_DOMAIN} IN (SELECT value FROM json_each('["a.example"]'))
         UNION SELECT address FROM list_members WHERE sympa_bounce_score >= 75)`,
    );
    expect(members).toContain('USING COVERING INDEX list_members_by_domain');
    expect(members).toContain('USING COVERING INDEX list_members_by_sympa_score');
    expect(members).not.toMatch(/SCAN list_members/);
  });
});
