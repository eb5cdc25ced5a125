import type { Db } from './database.js';
import { releaseProcessLock, takeProcessLock, type IsAlive } from './process-lock.js';

/** What a fetched message turned out to be; `unparseable` when the parser threw on it. */
export type FetchedKind = 'bounce' | 'autoreply' | 'feedback' | 'delivered' | 'other' | 'unparseable';

/** The kinds that carry per-recipient events. */
export type EventKind = 'bounce' | 'autoreply' | 'feedback' | 'delivered';

/** One mailbox bounces are read from, and the IMAP UIDVALIDITY last seen there. */
export interface BounceSource {
  id: number;
  name: string;
  uidValidity: number | null;
}

/** One message as read from a source, before its events. */
export interface FetchedMessage {
  /** `<uidvalidity>:<uid>` for IMAP, the unique part of a Maildir file name, a content hash for an mbox. */
  key: string;
  /** SHA-256 of the raw bytes, hex. */
  contentHash: string;
  headerMessageId: string | null;
  kind: FetchedKind;
  feedbackType: string | null;
  /** Why the message could not be parsed, for kind `unparseable`. */
  error: string | null;
  /** When the mailbox received it (IMAP INTERNALDATE, file mtime), Unix ms. */
  receivedAt: number;
  fetchedAt: number;
  /** The raw message when the config keeps it, else null. */
  raw: Buffer | null;
}

/** One recipient of one fetched message, ready to store. */
export interface BounceEventInput {
  /** The failed recipient, lowercased. */
  address: string;
  /** The address the list or campaign knows (VERP, Original-Recipient, else `address`), lowercased. */
  subscribedAddress: string;
  kind: EventKind;
  reason: string;
  statusCode: string | null;
  hardbounce: boolean;
  permanent: boolean;
  diagnostic: string | null;
  campaignId: number | null;
  queueMessageId: number | null;
  /** `list@domain` for a Sympa VERP. */
  list: string | null;
  surveyId: string | null;
  tokenId: string | null;
  occurredAt: number;
}

/** A message the store already holds: enough to finish moving it after a run died between commit and move. */
export interface KnownMessage {
  id: number;
  kind: FetchedKind;
  /** How many events it gave: a message with none was set aside. */
  events: number;
}

/** Finds a source by name or creates it. */
export function openBounceSource(db: Db, name: string): BounceSource {
  db.prepare('INSERT OR IGNORE INTO bounce_sources (name) VALUES (?)').run(name);
  const row = db.prepare('SELECT id, name, uid_validity FROM bounce_sources WHERE name = ?').get(name) as {
    id: number;
    name: string;
    uid_validity: number | null;
  };
  return { id: row.id, name: row.name, uidValidity: row.uid_validity };
}

/**
 * Takes a source's fetch lock, held in the meta table by process id, and returns the pid of the live process that
 * holds it instead, if any: two runs reading one IMAP folder at once both MOVE the same messages, and Dovecot then
 * keeps a copy of each in the done folder per run. A lock left by a killed process (kill -9, a reboot) is taken over.
 */
export function acquireFetchLock(
  db: Db,
  sourceId: number,
  pid: number,
  isAlive: IsAlive,
  now: number = Date.now(),
): number | null {
  return takeProcessLock(db, `bounces.fetch-lock.${sourceId}`, pid, isAlive, now);
}

/** Releases a fetch lock taken by `acquireFetchLock`. */
export function releaseFetchLock(db: Db, sourceId: number, pid: number): void {
  releaseProcessLock(db, `bounces.fetch-lock.${sourceId}`, pid);
}

/** Records the UIDVALIDITY now seen on an IMAP source (RFC 3501 §2.3.1.1). */
export function setSourceUidValidity(db: Db, sourceId: number, uidValidity: number): void {
  db.prepare('UPDATE bounce_sources SET uid_validity = ? WHERE id = ?').run(uidValidity, sourceId);
}

const EVENT_COUNT = '(SELECT count(*) FROM bounce_events e WHERE e.message_id = m.id)';

/**
 * Tells whether a message of this source was already recorded, by its key or, when given, by its content hash (an IMAP
 * folder recreated with a new UIDVALIDITY gives old messages new keys). Null when it is new.
 */
export function isMessageKnown(db: Db, sourceId: number, key: string, contentHash?: string): KnownMessage | null {
  const byKey = db
    .prepare(`SELECT id, kind, ${EVENT_COUNT} AS events FROM bounce_messages m WHERE source_id = ? AND message_key = ?`)
    .get(sourceId, key) as KnownMessage | undefined;
  if (byKey !== undefined) return byKey;
  if (contentHash === undefined) return null;
  const byHash = db
    .prepare(
      `SELECT id, kind, ${EVENT_COUNT} AS events FROM bounce_messages m WHERE source_id = ? AND content_hash = ? LIMIT 1`,
    )
    .get(sourceId, contentHash) as KnownMessage | undefined;
  return byHash ?? null;
}

/**
 * Records a message and its events in one transaction, before the caller moves the message: a crash leaves either
 * both or neither. Idempotent on (source, key): recording a known message again changes nothing and returns
 * `inserted: false`.
 */
export function recordFetchedMessage(
  db: Db,
  source: Pick<BounceSource, 'id'>,
  message: FetchedMessage,
  events: readonly BounceEventInput[],
): { inserted: boolean; id: number } {
  return db
    .transaction(() => {
      const result = db
        .prepare(
          `INSERT OR IGNORE INTO bounce_messages
             (source_id, message_key, content_hash, header_message_id, kind, feedback_type, error, received_at,
              fetched_at, raw)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          source.id,
          message.key,
          message.contentHash,
          message.headerMessageId,
          message.kind,
          message.feedbackType,
          message.error,
          message.receivedAt,
          message.fetchedAt,
          message.raw,
        );
      if (result.changes === 0) {
        const known = db
          .prepare('SELECT id FROM bounce_messages WHERE source_id = ? AND message_key = ?')
          .get(source.id, message.key) as { id: number };
        return { inserted: false, id: known.id };
      }
      const id = Number(result.lastInsertRowid);
      const insert = db.prepare(
        `INSERT INTO bounce_events
           (message_id, address, subscribed_address, kind, reason, status_code, hardbounce, permanent, diagnostic,
            campaign_id, queue_message_id, list, survey_id, token_id, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of events) {
        insert.run(
          id,
          e.address,
          e.subscribedAddress,
          e.kind,
          e.reason,
          e.statusCode,
          e.hardbounce ? 1 : 0,
          e.permanent ? 1 : 0,
          e.diagnostic,
          e.campaignId,
          e.queueMessageId,
          e.list,
          e.surveyId,
          e.tokenId,
          e.occurredAt,
        );
      }
      return { inserted: true, id };
    })
    .immediate();
}

/** A campaign's VERP key by campaign id, for decoding facteur's own Return-Paths; null for an unknown campaign. */
export function campaignVerpKeyLookup(db: Db): (campaign: number) => Buffer | null {
  const select = db.prepare('SELECT verp_key FROM campaigns WHERE id = ?');
  const cache = new Map<number, Buffer | null>();
  return (campaign) => {
    let key = cache.get(campaign);
    if (key === undefined) {
      key = (select.get(campaign) as { verp_key: Buffer } | undefined)?.verp_key ?? null;
      cache.set(campaign, key);
    }
    return key;
  };
}

/** The queued message a facteur VERP names (campaign + recipient ordinal), or null when the queue has no such row. */
export function findQueuedRecipient(
  db: Db,
  campaignId: number,
  recipientId: number,
): { queueMessageId: number; email: string } | null {
  const row = db
    .prepare('SELECT id, email FROM messages WHERE campaign_id = ? AND recipient_id = ?')
    .get(campaignId, recipientId) as { id: number; email: string } | undefined;
  return row === undefined ? null : { queueMessageId: row.id, email: row.email };
}

/** Which recorded messages a summary counts. */
export interface BounceSummaryFilter {
  sourceIds?: readonly number[];
  /** Only messages fetched at or after this time (Unix ms): one run's summary. */
  fetchedSince?: number;
}

/** Counts of recorded messages and events, for the end-of-run summary and reports. */
export interface BounceSummary {
  messages: number;
  messagesByKind: Partial<Record<FetchedKind, number>>;
  events: number;
  hardbounces: number;
  eventsByKind: Partial<Record<EventKind, number>>;
  eventsByReason: Record<string, number>;
  byCampaign: { campaignId: number; campaign: string; events: number }[];
  byList: { list: string; events: number }[];
}

/** Sums recorded messages and events by kind, reason, campaign and list. */
export function summarizeBounceEvents(db: Db, filter: BounceSummaryFilter = {}): BounceSummary {
  const where: string[] = [];
  const params: number[] = [];
  if (filter.sourceIds !== undefined) {
    // An empty list matches nothing, as the caller asked for no source.
    where.push(filter.sourceIds.length === 0 ? '0' : `m.source_id IN (${filter.sourceIds.map(() => '?').join(', ')})`);
    params.push(...filter.sourceIds);
  }
  if (filter.fetchedSince !== undefined) {
    where.push('m.fetched_at >= ?');
    params.push(filter.fetchedSince);
  }
  const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  const messagesByKind: Partial<Record<FetchedKind, number>> = {};
  let messages = 0;
  for (const row of db
    .prepare(`SELECT m.kind, count(*) AS n FROM bounce_messages m ${clause} GROUP BY m.kind`)
    .all(...params) as { kind: FetchedKind; n: number }[]) {
    messagesByKind[row.kind] = row.n;
    messages += row.n;
  }
  const fromEvents = `FROM bounce_events e JOIN bounce_messages m ON m.id = e.message_id ${clause}`;
  const eventsByKind: Partial<Record<EventKind, number>> = {};
  let events = 0;
  for (const row of db.prepare(`SELECT e.kind, count(*) AS n ${fromEvents} GROUP BY e.kind`).all(...params) as {
    kind: EventKind;
    n: number;
  }[]) {
    eventsByKind[row.kind] = row.n;
    events += row.n;
  }
  const hard = db
    .prepare(`SELECT count(*) AS n ${fromEvents} ${clause ? 'AND' : 'WHERE'} e.hardbounce = 1`)
    .get(...params) as { n: number };
  const eventsByReason: Record<string, number> = {};
  for (const row of db
    .prepare(`SELECT e.reason, count(*) AS n ${fromEvents} GROUP BY e.reason ORDER BY n DESC, e.reason`)
    .all(...params) as { reason: string; n: number }[]) {
    eventsByReason[row.reason] = row.n;
  }
  const byCampaign = (
    db
      .prepare(
        `SELECT e.campaign_id, c.name, count(*) AS n ${fromEvents.replace(
          'JOIN bounce_messages m',
          'JOIN campaigns c ON c.id = e.campaign_id JOIN bounce_messages m',
        )} GROUP BY e.campaign_id ORDER BY n DESC, c.name`,
      )
      .all(...params) as { campaign_id: number; name: string; n: number }[]
  ).map((row) => ({ campaignId: row.campaign_id, campaign: row.name, events: row.n }));
  const byList = (
    db
      .prepare(
        `SELECT e.list, count(*) AS n ${fromEvents} ${clause ? 'AND' : 'WHERE'} e.list IS NOT NULL
         GROUP BY e.list ORDER BY n DESC, e.list`,
      )
      .all(...params) as { list: string; n: number }[]
  ).map((row) => ({ list: row.list, events: row.n }));
  return {
    messages,
    messagesByKind,
    events,
    hardbounces: hard.n,
    eventsByKind,
    eventsByReason,
    byCampaign,
    byList,
  };
}
