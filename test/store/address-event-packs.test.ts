import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG, type DormantConfig } from '../../src/dormant/dormant-config.js';
import { observeDomain } from '../../src/dormant/domain-verdict.js';
import { judgeAddress, type DormantEntry, type JudgeContext } from '../../src/dormant/judge-address.js';
import { confirmedDeadDomains, dormantEntries } from '../../src/dormant/run-dormant.js';
import { scoreBounces, type AddressEvent } from '../../src/dormant/score-bounces.js';
import { openBounceSource, recordFetchedMessage, type BounceEventInput } from '../../src/store/bounce-events.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { seededRandom } from '../helpers/seeded-random.js';
import {
  campaignNames,
  forgetAddress,
  forgottenAddresses,
  membersReader,
  readAddressRecords,
  updateDomainStates,
  type AddressRecord,
  type DormantScope,
  type MemberRecord,
  type StoredEvent,
} from '../../src/store/dormant.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { EVENT_PACK_PERIOD_MS } from '../../src/store/migrations/009-dormant-packs.js';

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
/** A case with addresses to act on both among the campaign's recipients and out of them. */
const SEED_WIDE = 2;

/** The random choices of one case, drawn once so two databases can be filled alike. */
function drawCase(seed: number) {
  const random = seededRandom(seed);
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
  // The rows an import writes, written here as schema 8 has them: today's import also writes tables of later schemas.
  const addMember = db.prepare(
    `INSERT INTO list_members (address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last,
       sympa_bounce_count, sympa_bounce_status, sympa_bounce_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const member of draw.members)
    addMember.run(
      member.address,
      member.list,
      member.gecos,
      member.subscribedAt,
      member.sympaBounce?.first ?? null,
      member.sympaBounce?.last ?? null,
      member.sympaBounce?.count ?? null,
      member.sympaBounce?.status ?? null,
      member.sympaScore,
    );
  for (const list of IMPORTED)
    db.prepare("INSERT INTO list_imports (list, source, members, imported_at) VALUES (?, 'test', ?, ?)").run(
      list,
      draw.members.filter((member) => member.list === list).length,
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
  const gone = { domain: 'gone.example', status: 'nxdomain', detail: null, failure: null } as const;
  updateDomainStates(db, [observeDomain(observeDomain(null, gone, NOW - 3 * DAY), gone, NOW - DAY)], (state) => state);
}

/** The addresses of a scope as fillCandidates describes them, read straight from the tables. */
function scopeAddresses(db: Db, scope: DormantScope): string[] {
  const sql =
    scope.kind === 'all'
      ? `SELECT address FROM list_members UNION SELECT subscribed_address FROM bounce_events
         UNION SELECT email_key FROM messages`
      : scope.kind === 'list'
        ? IMPORTED.includes(scope.list)
          ? 'SELECT address FROM list_members WHERE list = :name'
          : 'SELECT subscribed_address FROM bounce_events WHERE list = :name'
        : `SELECT email_key FROM messages WHERE campaign_id = (SELECT id FROM campaigns WHERE name = :name)
           UNION SELECT subscribed_address FROM bounce_events
             WHERE campaign_id = (SELECT id FROM campaigns WHERE name = :name)`;
  const name = scope.kind === 'list' ? scope.list : scope.kind === 'campaign' ? scope.campaign : '';
  return [
    ...new Set(
      db
        .prepare(sql)
        .pluck()
        .all(sql.includes(':name') ? { name } : {}) as string[],
    ),
  ].sort();
}

/** The straightforward computation: every event of an address read from `bounce_events` itself, oldest first. */
function straightRecords(
  db: Db,
  scope: DormantScope,
  since: number,
  deadDomains: ReadonlyMap<string, unknown>,
): AddressRecord[] {
  const events = db.prepare(
    `SELECT * FROM bounce_events WHERE subscribed_address = ? AND kind != 'autoreply'
       AND (occurred_at >= ? OR kind = 'feedback') ORDER BY occurred_at, kind, hardbounce, list, campaign_id, id`,
  );
  const refused = db.prepare(
    `SELECT * FROM messages WHERE email_key = ? AND state = 'failed' AND last_reply_code >= 500
       ORDER BY updated_at, id`,
  );
  const members = db.prepare(`SELECT * FROM list_members WHERE address = ? AND (? IS NULL OR list = ?) ORDER BY list`);
  const queued = db.prepare(
    `SELECT DISTINCT campaign_id FROM messages WHERE email_key = :address
       AND (:name IS NULL OR campaign_id = (SELECT id FROM campaigns WHERE name = :name)) ORDER BY campaign_id`,
  );
  const records = scopeAddresses(db, scope).map((address) => {
    const rows = events.all(address, since) as {
      id: number;
      kind: AddressEvent['kind'];
      hardbounce: number;
      occurred_at: number;
      reason: string;
      status_code: string | null;
      diagnostic: string | null;
      list: string | null;
      campaign_id: number | null;
    }[];
    const fromEvents: StoredEvent[] = rows.map((row) => ({
      kind: row.kind,
      isHard: row.hardbounce === 1,
      at: row.occurred_at,
      reason: row.reason,
      statusCode: row.status_code,
      diagnostic: row.diagnostic,
      eventId: row.id,
      source: 'bounce',
      hasList: row.list !== null,
      campaignId: row.campaign_id,
    }));
    const fromRefusals = (
      refused.all(address) as { last_reply: string; campaign_id: number; updated_at: number }[]
    ).map(
      (row): StoredEvent => ({
        kind: 'bounce',
        isHard: true,
        at: row.updated_at,
        reason: 'rejected',
        statusCode: '5.1.1',
        diagnostic: row.last_reply,
        eventId: null,
        source: 'smtp',
        hasList: false,
        campaignId: row.campaign_id,
      }),
    );
    const list = scope.kind === 'list' ? scope.list : null;
    const memberRows =
      scope.kind === 'campaign'
        ? []
        : (
            members.all(address, list, list) as {
              list: string;
              gecos: string | null;
              subscribed_at: number | null;
              sympa_bounce_first: number | null;
              sympa_bounce_last: number | null;
              sympa_bounce_count: number | null;
              sympa_bounce_status: string | null;
              sympa_bounce_score: number | null;
            }[]
          ).map(
            (row): MemberRecord => ({
              list: row.list,
              address,
              gecos: row.gecos,
              subscribedAt: row.subscribed_at,
              sympaBounce:
                row.sympa_bounce_first === null || row.sympa_bounce_last === null
                  ? null
                  : {
                      first: row.sympa_bounce_first,
                      last: row.sympa_bounce_last,
                      count: row.sympa_bounce_count ?? 0,
                      status: row.sympa_bounce_status,
                    },
              sympaScore: row.sympa_bounce_score,
            }),
          );
    const unimported = new Set(
      rows.flatMap((row) => (row.list === null || IMPORTED.includes(row.list) ? [] : row.list)),
    );
    return {
      address,
      members: memberRows,
      events: [...fromEvents, ...fromRefusals].sort((x, y) => x.at - y.at),
      unimportedLists: scope.kind === 'all' ? [...unimported].sort() : [],
      recipientOf:
        scope.kind !== 'list' && deadDomains.has(address.slice(address.lastIndexOf('@') + 1))
          ? (queued.pluck().all({ address, name: scope.kind === 'campaign' ? scope.campaign : null }) as number[])
          : [],
    };
  });
  // The pass looks at the addresses it has a membership, an event or a refusal of, or a message queued on a dead domain.
  return records.filter(
    (record) => record.members.length > 0 || record.events.length > 0 || record.recipientOf.length > 0,
  );
}

/** An event without what the pass reads only for the addresses it reports (reason, status, diagnostic). */
function scored(event: StoredEvent): StoredEvent {
  return { ...event, reason: '', statusCode: null, diagnostic: null };
}

function hasCampaign(db: Db, name: string): boolean {
  return db.prepare('SELECT 1 FROM campaigns WHERE name = ?').get(name) !== undefined;
}

async function collect(entries: AsyncIterable<DormantEntry>): Promise<DormantEntry[]> {
  const all: DormantEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

const SCOPES: DormantScope[] = [
  { kind: 'all' },
  ...LISTS.flatMap((list): DormantScope[] => (list === null ? [] : [{ kind: 'list', list }])),
  ...CAMPAIGNS.map((campaign): DormantScope => ({ kind: 'campaign', campaign })),
];

describe('address event packs (schema 9)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-packs-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(Array.from({ length: 60 }, (_, seed) => seed))(
    'readAddressRecords() and dormantEntries() equal a straightforward read of the events (seed %i)',
    async (seed) => {
      const draw = drawCase(seed);
      const db = openDatabase(join(dir, `${seed}.sqlite`));
      try {
        fill(db, draw);
        const { config } = draw;
        const since = NOW - config.bounce.windowDays * DAY;
        const forgotten = forgottenAddresses(db);
        const deadDomains = confirmedDeadDomains(db, config.deadDomainConfirmHours);
        // A deleted campaign is no scope any more.
        for (const scope of SCOPES.filter((scope) => scope.kind !== 'campaign' || hasCampaign(db, scope.campaign))) {
          const context: JudgeContext = {
            config,
            now: NOW,
            scope,
            forgotten,
            deadDomains,
            campaignNames: campaignNames(db),
            readMembers: () => {
              throw new Error('The straightforward records hold every membership');
            },
          };
          const straight = straightRecords(db, scope, since, deadDomains);
          const fast = new Map(
            [
              ...readAddressRecords(db, scope, {
                since,
                deadDomains: deadDomains.keys(),
                sympaScoreThreshold: config.bounce.sympaScoreThreshold,
              }),
            ].map((record) => [record.address, record]),
          );
          // An all-lists pass reads with the events only the memberships that can make an address reportable, and
          // skips an address it knows only by other memberships: judging it from all of them gives nothing.
          const isRead = (record: AddressRecord) =>
            record.events.length > 0 ||
            scope.kind !== 'all' ||
            deadDomains.has(record.address.slice(record.address.lastIndexOf('@') + 1)) ||
            (record.members ?? []).some((member) => (member.sympaScore ?? 0) >= config.bounce.sympaScoreThreshold);
          expect([...fast.keys()]).toEqual(straight.filter(isRead).map((record) => record.address));
          expect(
            straight.filter((record) => !isRead(record)).flatMap((record) => judgeAddress(record, context)),
          ).toEqual([]);
          const readMembers = membersReader(db);
          const view = (record: AddressRecord) => ({
            address: record.address,
            events: record.events.map(scored),
            unimportedLists: record.unimportedLists,
            recipientOf: record.recipientOf,
            members: record.members ?? readMembers(record.address),
            judgement: scoreBounces(
              record.events.map(scored),
              config.bounce,
              NOW,
              forgotten.get(record.address) ?? null,
            ),
          });
          expect([...fast.values()].map(view)).toEqual(straight.filter(isRead).map(view));
          const expected = straight.flatMap((record) => judgeAddress(record, context));
          expect(await collect(dormantEntries(db, { scope, config, now: NOW }))).toEqual(expected);
        }
      } finally {
        db.close();
      }
    },
  );

  it('dormantEntries() reads all the packs of a scope of over 10,000 addresses, and keeps the scope to them', async () => {
    const draw = drawCase(SEED_WIDE);
    const db = openDatabase(join(dir, 'wide.sqlite'));
    try {
      fill(db, draw);
      // Ten thousand more recipients the campaign reached without a word back.
      db.prepare(
        `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, state, message_id, updated_at)
         WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10000)
         SELECT 1, 1000 + k, 'r' || k || '@live.example', 'r' || k || '@live.example', '{}', 'sent', '<r' || k || '@x>', 0
         FROM n`,
      ).run();
      const { config } = draw;
      const entries = async (scope: DormantScope) => collect(dormantEntries(db, { scope, config, now: NOW }));
      const scope: DormantScope = { kind: 'campaign', campaign: 'spring' };
      const deadDomains = confirmedDeadDomains(db, config.deadDomainConfirmHours);
      const straight = straightRecords(db, scope, NOW - config.bounce.windowDays * DAY, deadDomains);
      const context: JudgeContext = {
        config,
        now: NOW,
        scope,
        forgotten: forgottenAddresses(db),
        deadDomains,
        campaignNames: campaignNames(db),
        readMembers: () => [],
      };
      const expected = straight.flatMap((record) => judgeAddress(record, context));
      const inScope = new Set(expected.map((entry) => entry.address));
      // Addresses to act on both in the campaign and out of it, or the case would not tell a scope kept from none.
      expect(inScope.size).toBeGreaterThan(0);
      expect((await entries({ kind: 'all' })).some((entry) => !inScope.has(entry.address))).toBe(true);
      expect(await entries(scope)).toEqual(expected);
    } finally {
      db.close();
    }
  });

  it.each(Array.from({ length: 20 }, (_, seed) => 100 + seed))(
    'the triggers leave what migration 9 builds from the same events (seed %i)',
    (seed) => {
      const draw = drawCase(seed);
      const live = openDatabase(join(dir, 'live.sqlite'));
      fill(live, draw);
      // The same changes on a schema 8 database, which has no triggers, then migration 9 over what is left.
      const path = join(dir, 'old.sqlite');
      const old = new Database(path);
      old.pragma('foreign_keys = ON');
      for (const [i, migration] of MIGRATIONS.slice(0, 8).entries()) {
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
