import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG, type DormantConfig } from '../../src/dormant/dormant-config.js';
import { observeDomain } from '../../src/dormant/domain-verdict.js';
import { openBounceSource, recordFetchedMessage, type BounceEventInput } from '../../src/store/bounce-events.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { forgetAddress, replaceListMembers, saveDomainStates, type MemberRecord } from '../../src/store/dormant.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { EVENT_PACK_PERIOD_MS } from '../../src/store/migrations/007-dormant-packs.js';

const DAY = 86_400_000;
/** A few milliseconds past a period boundary, so events land on both sides of one. */
const NOW = Math.ceil(Date.UTC(2026, 10, 23) / EVENT_PACK_PERIOD_MS) * EVENT_PACK_PERIOD_MS + 5 * DAY + 12_345;
const ADDRESSES = [
  'a@live.example',
  'b@live.example',
  'c@gone.example',
  'd@other.example',
  'e@gone.example',
  // A quoted local part holding an `@`: its domain is what follows the last one.
  '"x@live.example"@gone.example',
];
const IMPORTED = ['one@lists.example', 'two@lists.example'];
const LISTS = [null, ...IMPORTED, 'three@lists.example'];
const CAMPAIGNS = ['spring', 'autumn'];

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The random choices of one case, drawn once so two databases can be filled alike. */
function drawCase(seed: number) {
  const random = generator(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const config: DormantConfig = {
    ...DEFAULT_DORMANT_CONFIG,
    bounce: {
      ...DEFAULT_DORMANT_CONFIG.bounce,
      hardWeight: pick([1, 1, 2]),
      softWeight: pick([0.5, 0.5, 0, 1]),
      threshold: pick([1, 2, 3, 3]),
      minPeriodDays: pick([0, 3, 7]),
      staleAfterDays: pick([1, 10, 45]),
      windowDays: pick([30, 100, 180, 400]),
      sympaScoreThreshold: pick([50, 75]),
    },
  };
  const since = NOW - config.bounce.windowDays * DAY;
  const forgetAt = NOW - int(200) * DAY - int(DAY);
  const times: number[] = [];
  // Times on the edges the fast path cuts at: the window, a forget, period boundaries, a shared millisecond.
  const time = (): number => {
    const boundary = (Math.floor(since / EVENT_PACK_PERIOD_MS) + int(3) - 1) * EVENT_PACK_PERIOD_MS;
    const at = pick([
      () => NOW - int(420 * DAY),
      () => NOW - int(420 * DAY),
      () => NOW - int(30) * DAY,
      () => since + int(3) - 1,
      () => forgetAt + int(3) - 1,
      () => boundary + int(3) - 1,
      () => times[int(times.length)] ?? NOW - DAY,
    ])();
    times.push(at);
    return at;
  };
  const messages = Array.from({ length: 1 + int(30) }, () =>
    Array.from({ length: 1 + int(3) }, (): BounceEventInput => {
      const kind = pick(['bounce', 'bounce', 'bounce', 'delivered', 'feedback', 'autoreply'] as const);
      const address = pick(ADDRESSES);
      return {
        address,
        subscribedAddress: address,
        kind,
        reason: pick(['userunknown', 'mailboxfull', 'filtered']),
        statusCode: pick([null, '5.1.1', '4.2.2']),
        hardbounce: random() < 0.5,
        permanent: random() < 0.5,
        diagnostic: pick([null, '550 no such user', '452 mailbox full, "try later"']),
        campaignId: pick([null, null, 1, 2]),
        queueMessageId: null,
        list: pick(LISTS),
        surveyId: null,
        tokenId: null,
        occurredAt: time(),
      };
    }),
  );
  const refusals = Array.from({ length: int(6) }, () => ({
    campaign: 1 + int(2),
    address: pick(ADDRESSES),
    state: pick(['failed', 'failed', 'sent']),
    code: pick([550, 554, 450]),
    at: time(),
  }));
  const members = ADDRESSES.flatMap((address) =>
    IMPORTED.filter(() => random() < 0.5).map(
      (list): MemberRecord => ({
        list,
        address,
        gecos: pick([null, 'Jean Dupont']),
        subscribedAt: null,
        sympaBounce: random() < 0.3 ? { first: time(), last: time(), count: int(20), status: '5.1.1' } : null,
        sympaScore: random() < 0.3 ? int(100) : null,
      }),
    ),
  );
  const forgotten = ADDRESSES.filter(() => random() < 0.2);
  // Changes after the fact: a message deleted (its events go by cascade), a campaign deleted (its events lose it),
  // an event moved in time or turned into another kind.
  const deleteMessage = random() < 0.3 ? 1 + int(Math.max(messages.length, 1)) : null;
  const deleteCampaign = random() < 0.2;
  const moveEvent =
    random() < 0.3 ? { id: 1 + int(20), at: time(), kind: pick(['bounce', 'delivered', 'autoreply']) } : null;
  return { config, forgetAt, messages, refusals, members, forgotten, deleteMessage, deleteCampaign, moveEvent };
}

type Case = ReturnType<typeof drawCase>;

/** Writes a case into a database of schema 6 or later through the store's own functions where it has them. */
function fill(db: Db, draw: Case): void {
  const source = openBounceSource(db, 'test');
  for (const [i, name] of CAMPAIGNS.entries())
    db.prepare('INSERT INTO campaigns (id, name, verp_key, created_at) VALUES (?, ?, zeroblob(32), 0)').run(
      i + 1,
      name,
    );
  for (const [i, events] of draw.messages.entries())
    recordFetchedMessage(
      db,
      source,
      {
        key: `m${i}`,
        contentHash: `h${i}`,
        headerMessageId: null,
        kind: 'bounce',
        feedbackType: null,
        error: null,
        receivedAt: NOW,
        fetchedAt: NOW,
        raw: null,
      },
      events,
    );
  for (const [i, refusal] of draw.refusals.entries())
    db.prepare(
      `INSERT OR IGNORE INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id,
         last_reply_code, last_reply, updated_at) VALUES (?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)`,
    ).run(
      refusal.campaign,
      i,
      refusal.address,
      refusal.address,
      refusal.state,
      `<${i}@x>`,
      refusal.code,
      `${refusal.code} 5.1.1 refused`,
      refusal.at,
    );
  for (const list of IMPORTED)
    replaceListMembers(
      db,
      list,
      draw.members.filter((member) => member.list === list),
      'test',
      NOW,
    );
  for (const address of draw.forgotten) forgetAddress(db, address, draw.forgetAt, 'test', null);
  if (draw.deleteMessage !== null) db.prepare('DELETE FROM bounce_messages WHERE id = ?').run(draw.deleteMessage);
  if (draw.deleteCampaign) db.prepare('DELETE FROM campaigns WHERE id = 2').run();
  if (draw.moveEvent !== null)
    db.prepare('UPDATE bounce_events SET occurred_at = ?, kind = ? WHERE id = ?').run(
      draw.moveEvent.at,
      draw.moveEvent.kind,
      draw.moveEvent.id,
    );
  const gone = { domain: 'gone.example', status: 'nxdomain', detail: null } as const;
  saveDomainStates(db, [observeDomain(observeDomain(null, gone, NOW - 3 * DAY), gone, NOW - DAY)]);
}

describe('address event packs (schema 7)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-packs-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(Array.from({ length: 20 }, (_, seed) => 100 + seed))(
    'the triggers leave what migration 7 builds from the same events (seed %i)',
    (seed) => {
      const draw = drawCase(seed);
      const live = openDatabase(join(dir, 'live.sqlite'));
      fill(live, draw);
      // The same changes on a schema 6 database, which has no triggers, then migration 7 over what is left.
      const path = join(dir, 'old.sqlite');
      const old = new Database(path);
      old.pragma('foreign_keys = ON');
      for (const [i, migration] of MIGRATIONS.slice(0, 6).entries()) {
        migration(old);
        old.pragma(`user_version = ${i + 1}`);
      }
      fill(old, draw);
      old.close();
      const migrated = openDatabase(path);
      try {
        for (const table of ['address_event_packs', 'address_event_lists', 'address_last_bounces']) {
          const all = (db: Db) => ({ table, rows: db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all() });
          expect(all(migrated)).toEqual(all(live));
        }
        expect(live.prepare('SELECT count(*) FROM address_event_packs').pluck().get()).toBeGreaterThan(0);
      } finally {
        live.close();
        migrated.close();
      }
    },
  );
});
