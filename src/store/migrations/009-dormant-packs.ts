import type Database from 'better-sqlite3';

/**
 * How much time one row of `address_event_packs` covers: 90 days, so the 180-day default window reads two or three
 * rows of an address that bounces every day instead of one row per event, while building a row again (after a late
 * or removed event) reads one quarter of that address's events.
 */
export const EVENT_PACK_PERIOD_MS = 90 * 86_400_000;

/**
 * One event in a pack, decoded by the dormant pass (`decodeEventPack` in src/store/dormant.ts):
 * `occurred_at,id,flags,campaign_id` with flags = hardbounce (1) + 2 for `delivered` or 4 for `feedback` + 8 when
 * the event names a list; an empty campaign_id is none. Events are joined by `;`. `e` names the event row.
 */
function packedEvent(e: string): string {
  return `${e}.occurred_at || ',' || ${e}.id || ',' ||
    (${e}.hardbounce + CASE ${e}.kind WHEN 'delivered' THEN 2 WHEN 'feedback' THEN 4 ELSE 0 END
      + 8 * (${e}.list IS NOT NULL)) || ',' || coalesce(${e}.campaign_id, '')`;
}
/** The dormant pass's order, ties included: that of the `bounce_events_dormant` index it walked before schema 9. */
const EVENT_ORDER = 'e.occurred_at, e.kind, e.hardbounce, e.list, e.campaign_id, e.id';
/** EVENT_ORDER backwards (SQLite puts NULLs first going up, last going down). */
const EVENT_ORDER_DESC =
  'e.occurred_at DESC, e.kind DESC, e.hardbounce DESC, e.list DESC, e.campaign_id DESC, e.id DESC';

/**
 * The domain of a `list_members` address in SQL: what follows its last `@`, as `domainOf` in src/dormant reads it
 * (a quoted local part may hold an `@`). `rtrim` strips every trailing character but `@`, leaving the address up to
 * its last `@`. The dormant pass must spell it exactly so for SQLite to use the index on it.
 */
export const MEMBER_DOMAIN = sqlDomainOf('address');

/** The domain of the address in `column`, in SQL, as MEMBER_DOMAIN reads a member's. */
export function sqlDomainOf(column: string): string {
  return `substr(${column}, length(rtrim(${column}, replace(${column}, '@', ''))) + 1)`;
}

/**
 * The packs of (address, period) rows of the source `g`, from the events themselves, so they are exact whatever the
 * order events arrive in; `onlyMissing` leaves a pack that exists alone.
 */
function buildPacks(g: string, options: { onlyMissing: boolean }): string {
  // The range lets bounce_events_dormant serve the read; the division keeps SQLite's own period of each event.
  const inPeriod = `e.subscribed_address = g.address AND e.occurred_at > (g.period - 1) * ${EVENT_PACK_PERIOD_MS}
    AND e.occurred_at < (g.period + 1) * ${EVENT_PACK_PERIOD_MS} AND e.occurred_at / ${EVENT_PACK_PERIOD_MS} = g.period`;
  const missing = options.onlyMissing
    ? 'WHERE NOT EXISTS (SELECT 1 FROM address_event_packs x WHERE x.address = g.address AND x.period = g.period)'
    : '';
  return `
    INSERT INTO address_event_packs (address, period, has_feedback, last_at, events)
    SELECT p.address, p.period, p.has_feedback, p.last_at, p.events
    FROM (
      SELECT g.address, g.period,
        EXISTS (SELECT 1 FROM bounce_events e WHERE ${inPeriod} AND e.kind = 'feedback') AS has_feedback,
        (SELECT max(e.occurred_at) FROM bounce_events e WHERE ${inPeriod} AND e.kind != 'autoreply') AS last_at,
        -- An ordered subquery rather than group_concat(... ORDER BY): SQLite does not flatten an ordered subquery into
        -- an aggregate, so rows arrive in its order, and sqlite3 before 3.44 (Debian 12's) could not even open a
        -- database whose triggers use the latter.
        (SELECT group_concat(packed, ';') FROM (SELECT ${packedEvent('e')} AS packed FROM bounce_events e
          WHERE ${inPeriod} AND e.kind != 'autoreply' ORDER BY ${EVENT_ORDER})) AS events
      FROM ${g} g ${missing}
    ) p
    WHERE p.events IS NOT NULL;`;
}

/** The newest bounce of each address of the source `g` (rows with an `address`). */
function buildLastBounces(g: string): string {
  return `
    INSERT INTO address_last_bounces (address, event_id, reason, status_code, diagnostic)
    SELECT b.subscribed_address, b.id, b.reason, b.status_code, b.diagnostic
    FROM ${g} g JOIN bounce_events b ON b.id = (SELECT e.id FROM bounce_events e
      WHERE e.subscribed_address = g.address AND e.kind = 'bounce' ORDER BY ${EVENT_ORDER_DESC} LIMIT 1);`;
}

/**
 * Brings up to date what an event row (`new` or `old`) counts in: its pack, its list row, its address's newest bounce.
 * Events mostly arrive in time order: a new event later than every other of its pack is appended to it, and only
 * one that is not (a late bounce, a tie) has its pack built again from the events; a new event only adds to its list
 * row. A deleted or changed event has all three built again.
 */
function rebuildOf(row: 'new' | 'old', change: 'insert' | 'other'): string {
  const address = `${row}.subscribed_address`;
  const period = `${row}.occurred_at / ${EVENT_PACK_PERIOD_MS}`;
  const source = `(SELECT ${address} AS address, ${period} AS period)`;
  const pack =
    change === 'insert'
      ? `DELETE FROM address_event_packs
           WHERE address = ${address} AND period = ${period} AND last_at >= new.occurred_at;
         ${buildPacks(source, { onlyMissing: true })}
         UPDATE address_event_packs SET events = events || ';' || ${packedEvent('new')}, last_at = new.occurred_at,
             has_feedback = max(has_feedback, new.kind = 'feedback')
           WHERE address = ${address} AND period = ${period} AND last_at < new.occurred_at;`
      : `DELETE FROM address_event_packs WHERE address = ${address} AND period = ${period};
         ${buildPacks(source, { onlyMissing: false })}`;
  const list =
    change === 'insert'
      ? `INSERT INTO address_event_lists (address, list, last_at, has_feedback)
           SELECT new.subscribed_address, new.list, new.occurred_at, new.kind = 'feedback' WHERE new.list IS NOT NULL
           ON CONFLICT (address, list) DO UPDATE SET last_at = max(last_at, excluded.last_at),
             has_feedback = max(has_feedback, excluded.has_feedback);`
      : `DELETE FROM address_event_lists WHERE address = ${address} AND list = ${row}.list;
         INSERT INTO address_event_lists (address, list, last_at, has_feedback)
           SELECT subscribed_address, list, max(occurred_at), max(kind = 'feedback') FROM bounce_events
           WHERE list = ${row}.list AND subscribed_address = ${address} AND kind != 'autoreply'
           GROUP BY subscribed_address, list;`;
  return `
    ${pack}
    ${list}
    DELETE FROM address_last_bounces WHERE address = ${address};
    ${buildLastBounces(`(SELECT ${address} AS address)`)}`;
}

/**
 * Schema 9: what the dormant pass reads instead of every bounce event, kept by triggers in the transaction that writes
 * the events, so it is exact whoever writes them (`facteur bounces`, a cascade from a deleted message, a campaign
 * deleted under its events) and no caller can forget it. Each is filled from the events already stored.
 * - `address_event_packs`: per address and 90-day period, the events the score reads (auto-replies never count, so
 *   they are left out), packed as text in the pass's order, and the time of the latest. `has_feedback` lets the pass
 *   read complaints older than its window, which never expire.
 * - `address_event_lists`: per address and list named by its events, the newest such event and whether one is a
 *   complaint: a list whose membership was never imported is known through these.
 * - `address_last_bounces`: the newest bounce of each address with its reason, status and diagnostic: the last
 *   counted bounce of a bouncing address, its evidence, read without a random read in the events table.
 * Two indexes on `list_members` find the members that can be reported without any event, a dead domain or Sympa's
 * own score: the all-lists pass reads the others' memberships only for the addresses it reports.
 * Times are Unix milliseconds.
 */
export function migrate009DormantPacks(db: Database.Database): void {
  db.exec(`
    -- WITHOUT ROWID keeps the pass's read in key order, but stores whole rows in the key tree: the long pack last.
    CREATE TABLE address_event_packs (
      address TEXT NOT NULL,
      period INTEGER NOT NULL,
      has_feedback INTEGER NOT NULL CHECK (has_feedback IN (0, 1)),
      last_at INTEGER NOT NULL,
      events TEXT NOT NULL,
      PRIMARY KEY (address, period)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE address_event_lists (
      address TEXT NOT NULL,
      list TEXT NOT NULL,
      last_at INTEGER NOT NULL,
      has_feedback INTEGER NOT NULL CHECK (has_feedback IN (0, 1)),
      PRIMARY KEY (address, list)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE address_last_bounces (
      address TEXT PRIMARY KEY,
      event_id INTEGER NOT NULL,
      reason TEXT NOT NULL,
      status_code TEXT,
      diagnostic TEXT
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX list_members_by_domain ON list_members (${MEMBER_DOMAIN});
    CREATE INDEX list_members_by_sympa_score ON list_members (sympa_bounce_score) WHERE sympa_bounce_score IS NOT NULL;

    ${buildPacks(
      `(SELECT DISTINCT subscribed_address AS address, occurred_at / ${EVENT_PACK_PERIOD_MS} AS period
         FROM bounce_events WHERE kind != 'autoreply')`,
      { onlyMissing: false },
    )}
    INSERT INTO address_event_lists (address, list, last_at, has_feedback)
      SELECT subscribed_address, list, max(occurred_at), max(kind = 'feedback') FROM bounce_events
      WHERE list IS NOT NULL AND kind != 'autoreply' GROUP BY subscribed_address, list;
    ${buildLastBounces(`(SELECT DISTINCT subscribed_address AS address FROM bounce_events WHERE kind = 'bounce')`)}

    CREATE TRIGGER bounce_events_pack_insert AFTER INSERT ON bounce_events WHEN new.kind != 'autoreply'
    BEGIN
      ${rebuildOf('new', 'insert')}
    END;
    CREATE TRIGGER bounce_events_pack_delete AFTER DELETE ON bounce_events WHEN old.kind != 'autoreply'
    BEGIN
      ${rebuildOf('old', 'other')}
    END;
    CREATE TRIGGER bounce_events_pack_update AFTER UPDATE ON bounce_events
    BEGIN
      ${rebuildOf('old', 'other')}
      ${rebuildOf('new', 'other')}
    END;
  `);
}
