import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { recipientKey } from '../send/recipient-key.js';
import type { Db } from './database.js';
import type { RunOwner } from './history.js';
import { releaseProcessLock, takeProcessLock, type IsAlive } from './process-lock.js';

/** The states of a queued message (STYLE.md crash safety: intent before the SMTP transaction, outcome after). */
export type MessageState = 'pending' | 'sending' | 'sent' | 'deferred' | 'failed' | 'uncertain';

/** RFC 2104 section 3: a key shorter than the hash output (32 bytes for SHA-256) weakens the MAC. */
const VERP_KEY_BYTES = 32;

/**
 * Statements of the send path, prepared once per database: preparing costs more than running these one-row
 * statements, and a campaign runs them twice per message.
 */
const statements = new WeakMap<Db, Map<string, Statement>>();

function prepared(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (cache === undefined) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** A campaign row. */
export interface CampaignRow {
  id: number;
  name: string;
  verpKey: Buffer;
}

/** A message due for sending. */
export interface QueuedMessage {
  id: number;
  recipientId: number;
  email: string;
  fields: Record<string, string>;
  messageId: string;
  attempts: number;
  /** When the message was first handed to the server (Unix ms), or null if never: its queue lifetime starts then. */
  firstAttemptAt: number | null;
  /** Its state when read: what restoreMessage() puts back. */
  state: 'pending' | 'deferred' | 'uncertain';
}

/** Finds a campaign by name or creates it with a fresh random VERP key. */
export function openCampaign(db: Db, name: string, now: number): CampaignRow {
  db.prepare('INSERT OR IGNORE INTO campaigns (name, verp_key, created_at) VALUES (?, ?, ?)').run(
    name,
    randomBytes(VERP_KEY_BYTES),
    now,
  );
  const row = db.prepare('SELECT id, name, verp_key FROM campaigns WHERE name = ?').get(name) as {
    id: number;
    name: string;
    verp_key: Buffer;
  };
  return { id: row.id, name: row.name, verpKey: row.verp_key };
}

/** Every campaign's VERP key by campaign id, read-only: `bounces parse --db` decodes facteur's tokens with them. */
export function campaignVerpKeys(db: Db): Map<number, Buffer> {
  const rows = db.prepare('SELECT id, verp_key FROM campaigns').all() as { id: number; verp_key: Buffer }[];
  return new Map(rows.map((row) => [row.id, row.verp_key]));
}

/**
 * Enqueues one recipient; idempotent on (campaign, recipientId) so enqueueing again after a crash adds nothing.
 * Returns false when the address is already queued under another row (a duplicate is sent once).
 */
export function enqueueMessage(
  db: Db,
  campaignId: number,
  message: { recipientId: number; email: string; fields: Record<string, string>; messageId: string },
  now: number,
): boolean {
  const result = prepared(
    db,
    `INSERT OR IGNORE INTO messages (campaign_id, recipient_id, email, email_key, fields, message_id, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    campaignId,
    message.recipientId,
    message.email,
    recipientKey(message.email),
    JSON.stringify(message.fields),
    message.messageId,
    now,
  );
  if (result.changes > 0) return true;
  const same = prepared(db, 'SELECT 1 FROM messages WHERE campaign_id = ? AND recipient_id = ?').get(
    campaignId,
    message.recipientId,
  );
  return same !== undefined;
}

/**
 * Turns rows a killed run left in 'sending' into 'uncertain': the server may have accepted them, so they are not
 * resent unless asked. Returns how many.
 */
export function markInterrupted(db: Db, campaignId: number, now: number): number {
  return db
    .prepare(`UPDATE messages SET state = 'uncertain', updated_at = ? WHERE campaign_id = ? AND state = 'sending'`)
    .run(now, campaignId).changes;
}

/** Messages due now in id order (after `afterId`, to page through them): pending, deferred whose time has come, and uncertain ones when retrying them. */
export function dueMessages(
  db: Db,
  campaignId: number,
  now: number,
  options: { limit: number; retryUncertain: boolean; afterId?: number },
): QueuedMessage[] {
  const rows = prepared(
    db,
    `SELECT id, recipient_id, email, fields, message_id, attempts, first_attempt_at, state FROM messages
     WHERE campaign_id = ? AND next_attempt_at <= ? AND id > ?
       AND (state IN ('pending', 'deferred') OR (? = 1 AND state = 'uncertain'))
     ORDER BY id LIMIT ?`,
  ).all(campaignId, now, options.afterId ?? 0, options.retryUncertain ? 1 : 0, options.limit) as {
    id: number;
    recipient_id: number;
    email: string;
    fields: string;
    message_id: string;
    attempts: number;
    first_attempt_at: number | null;
    state: QueuedMessage['state'];
  }[];
  return rows.map((row) => ({
    id: row.id,
    recipientId: row.recipient_id,
    email: row.email,
    fields: JSON.parse(row.fields) as Record<string, string>,
    messageId: row.message_id,
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at,
    state: row.state,
  }));
}

/**
 * Records the intent before the SMTP transaction, committed on its own; false if another run took the row. The first
 * attempt's time is kept: the queue lifetime counts from it.
 */
export function markSending(db: Db, messageId: number, now: number): boolean {
  return (
    prepared(
      db,
      `UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ?,
         first_attempt_at = coalesce(first_attempt_at, ?)
       WHERE id = ? AND state IN ('pending', 'deferred', 'uncertain')`,
    ).run(now, now, messageId).changes === 1
  );
}

/** What an SMTP transaction came to, as the queue keeps it. */
export interface MessageOutcome {
  /** `uncertain`: the connection was lost after the end of DATA, before the reply (RFC 1047). */
  state: 'sent' | 'deferred' | 'failed' | 'uncertain';
  replyCode: number | null;
  reply: string;
  nextAttemptAt?: number;
  /** A deferral past the campaign's queue lifetime: failed, the last reply kept as the evidence. */
  isExpired?: boolean;
}

/** Records the outcome after the SMTP transaction, with the server's reply. */
export function recordOutcome(db: Db, messageId: number, outcome: MessageOutcome, now: number): void {
  prepared(
    db,
    `UPDATE messages SET state = ?, last_reply_code = ?, last_reply = ?, next_attempt_at = ?, updated_at = ?,
       sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, expired_at = ?
     WHERE id = ? AND state = 'sending'`,
  ).run(
    outcome.state,
    outcome.replyCode,
    outcome.reply,
    outcome.nextAttemptAt ?? 0,
    now,
    outcome.state,
    now,
    outcome.isExpired === true ? now : null,
    messageId,
  );
}

/**
 * Undoes the intent of a message whose transaction never began, the run having stopped on a refusal that concerns
 * every message (session, login, sender): its state, attempts and first attempt as it was read, so that a
 * configuration at fault neither spends an attempt nor starts the message's queue lifetime.
 */
export function restoreMessage(
  db: Db,
  message: Pick<QueuedMessage, 'id' | 'state' | 'attempts' | 'firstAttemptAt'>,
  now: number,
): void {
  prepared(
    db,
    `UPDATE messages SET state = ?, attempts = ?, first_attempt_at = ?, updated_at = ?
     WHERE id = ? AND state = 'sending'`,
  ).run(message.state, message.attempts, message.firstAttemptAt, now, message.id);
}

/** An intent, an outcome, an undone intent or a postponed attempt, for `writeQueue`. */
export type QueueWrite =
  | { kind: 'sending'; messageId: number; now: number }
  | { kind: 'outcome'; messageId: number; outcome: MessageOutcome; now: number }
  | { kind: 'restore'; message: Pick<QueuedMessage, 'id' | 'state' | 'attempts' | 'firstAttemptAt'>; now: number }
  | { kind: 'postpone'; messageId: number; at: number };

/**
 * Applies intents and outcomes in their order, in one transaction: one commit for all, where a commit per row would
 * cost the send path more than building and signing the message. Returns, for each write, whether it took its row
 * (an intent finds it still due; an outcome always applies).
 */
export function writeQueue(db: Db, writes: readonly QueueWrite[]): boolean[] {
  return db.transaction(() =>
    writes.map((write) => {
      if (write.kind === 'sending') return markSending(db, write.messageId, write.now);
      if (write.kind === 'restore') restoreMessage(db, write.message, write.now);
      else if (write.kind === 'postpone') postponeMessage(db, write.messageId, write.at);
      else recordOutcome(db, write.messageId, write.outcome, write.now);
      return true;
    }),
  )();
}

/**
 * Fails the deferred messages first tried at or before `cutoff`: past the campaign's queue lifetime, a message
 * is given up on (Postfix's maximal_queue_lifetime), its last reply kept as the evidence. Returns how many.
 */
export function expireDeferred(db: Db, campaignId: number, cutoff: number, now: number): number {
  return db
    .prepare(
      `UPDATE messages SET state = 'failed', expired_at = ?, next_attempt_at = 0, updated_at = ?
       WHERE campaign_id = ? AND state = 'deferred' AND first_attempt_at <= ?`,
    )
    .run(now, now, campaignId, cutoff).changes;
}

/** Counts messages by state. */
export function countByState(db: Db, campaignId: number): Record<MessageState, number> {
  const counts: Record<MessageState, number> = {
    pending: 0,
    sending: 0,
    sent: 0,
    deferred: 0,
    failed: 0,
    uncertain: 0,
  };
  const rows = db
    .prepare('SELECT state, count(*) AS n FROM messages WHERE campaign_id = ? GROUP BY state')
    .all(campaignId) as { state: MessageState; n: number }[];
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

/** A campaign as `send status` and `send run` read it. */
export interface CampaignInfo extends CampaignRow {
  createdAt: number;
  isEnqueueComplete: boolean;
  skipped: number;
  duplicates: number;
}

/** Finds a campaign by name without creating it. */
export function findCampaign(db: Db, name: string): CampaignInfo | undefined {
  const row = db
    .prepare(
      'SELECT id, name, verp_key, created_at, enqueue_complete, skipped, duplicates FROM campaigns WHERE name = ?',
    )
    .get(name) as
    | {
        id: number;
        name: string;
        verp_key: Buffer;
        created_at: number;
        enqueue_complete: number;
        skipped: number;
        duplicates: number;
      }
    | undefined;
  if (row === undefined) return undefined;
  return {
    id: row.id,
    name: row.name,
    verpKey: row.verp_key,
    createdAt: row.created_at,
    isEnqueueComplete: row.enqueue_complete === 1,
    skipped: row.skipped,
    duplicates: row.duplicates,
  };
}

/** A recipient row ready for the queue. */
export interface NewMessage {
  recipientId: number;
  email: string;
  fields: Record<string, string>;
  messageId: string;
}

/** Enqueues a batch in one transaction (one commit per batch, not per row); returns how many were duplicates. */
export function enqueueBatch(db: Db, campaignId: number, messages: readonly NewMessage[], now: number): number {
  return db.transaction(() => {
    let duplicates = 0;
    for (const message of messages) if (!enqueueMessage(db, campaignId, message, now)) duplicates++;
    return duplicates;
  })();
}

/**
 * Marks the recipients file as fully enqueued, with the totals of the complete pass: a pass interrupted by a crash
 * is redone from the start, so the counts are set, never added to.
 */
export function completeEnqueue(db: Db, campaignId: number, totals: { skipped: number; duplicates: number }): void {
  db.prepare('UPDATE campaigns SET enqueue_complete = 1, skipped = ?, duplicates = ? WHERE id = ?').run(
    totals.skipped,
    totals.duplicates,
    campaignId,
  );
}

/** Moves a waiting message's next attempt (a per-domain rate slot) without counting an attempt. */
export function postponeMessage(db: Db, messageId: number, at: number): void {
  prepared(
    db,
    `UPDATE messages SET next_attempt_at = ? WHERE id = ? AND state IN ('pending', 'deferred', 'uncertain')`,
  ).run(at, messageId);
}

/**
 * Makes every pending and deferred message due now: a new run decides its own schedule, and rate slots or backoff
 * times a killed run left behind must not strand messages it will never wait for.
 */
export function resetSchedule(db: Db, campaignId: number): void {
  db.prepare(
    `UPDATE messages SET next_attempt_at = 0
     WHERE campaign_id = ? AND state IN ('pending', 'deferred', 'uncertain') AND next_attempt_at > 0`,
  ).run(campaignId);
}

/** A message as `send status` lists it. */
export interface MessageSummary {
  recipientId: number;
  email: string;
  state: MessageState;
  attempts: number;
  replyCode: number | null;
  reply: string | null;
  updatedAt: number;
  /** When a deferred message was failed for outliving the queue lifetime (Unix ms), or null. */
  expiredAt: number | null;
}

/** Lists messages in one state, oldest first, at most `limit`. */
export function messagesInState(db: Db, campaignId: number, state: MessageState, limit: number): MessageSummary[] {
  const rows = db
    .prepare(
      `SELECT recipient_id, email, state, attempts, last_reply_code, last_reply, updated_at, expired_at FROM messages
       WHERE campaign_id = ? AND state = ? ORDER BY id LIMIT ?`,
    )
    .all(campaignId, state, limit) as {
    recipient_id: number;
    email: string;
    state: MessageState;
    attempts: number;
    last_reply_code: number | null;
    last_reply: string | null;
    updated_at: number;
    expired_at: number | null;
  }[];
  return rows.map((row) => ({
    recipientId: row.recipient_id,
    email: row.email,
    state: row.state,
    attempts: row.attempts,
    replyCode: row.last_reply_code,
    reply: row.last_reply,
    updatedAt: row.updated_at,
    expiredAt: row.expired_at,
  }));
}

/** How many of a campaign's messages were failed for outliving the queue lifetime. */
export function countExpired(db: Db, campaignId: number): number {
  return db
    .prepare(`SELECT count(*) FROM messages WHERE campaign_id = ? AND state = 'failed' AND expired_at IS NOT NULL`)
    .pluck()
    .get(campaignId) as number;
}

/** When a campaign's messages were accepted: over the whole campaign, and over the recent window. */
export interface SendTimes {
  firstSentAt: number | null;
  lastSentAt: number | null;
  /** Accepted at or after `since`, with the first and last of those times. */
  recent: { count: number; firstSentAt: number | null; lastSentAt: number | null };
}

/** Sending times of a campaign: first and last acceptance, overall and since `since`. */
export function sendTimes(db: Db, campaignId: number, since: number): SendTimes {
  const row = db
    .prepare(
      `SELECT min(sent_at) AS first, max(sent_at) AS last, sum(CASE WHEN sent_at >= ? THEN 1 ELSE 0 END) AS recent,
         min(CASE WHEN sent_at >= ? THEN sent_at END) AS recent_first
       FROM messages WHERE campaign_id = ? AND state = 'sent'`,
    )
    .get(since, since, campaignId) as {
    first: number | null;
    last: number | null;
    recent: number | null;
    recent_first: number | null;
  };
  const count = row.recent ?? 0;
  return {
    firstSentAt: row.first,
    lastSentAt: row.last,
    recent: { count, firstSentAt: row.recent_first, lastSentAt: count > 0 ? row.last : null },
  };
}

/**
 * Takes the campaign's run lock, held in the meta table by process id: a second `send run` of the same campaign would
 * turn the first one's in-flight messages into uncertain ones. A lock left by a killed process (kill -9, a reboot) is
 * taken over.
 */
export function acquireRunLock(
  db: Db,
  campaignId: number,
  pid: number,
  isAlive: IsAlive,
  now: number = Date.now(),
): boolean {
  return takeProcessLock(db, `send.run-lock.${campaignId}`, pid, isAlive, now) === null;
}

/** Releases the run lock taken by `acquireRunLock`. */
export function releaseRunLock(db: Db, campaignId: number, pid: number): void {
  releaseProcessLock(db, `send.run-lock.${campaignId}`, pid);
}

/** A `send run` as recorded: who ran it and when (Unix ms); `finishedAt` null while it runs, or if it died. */
export interface SendRun {
  owner: RunOwner;
  startedAt: number;
  finishedAt: number | null;
}

/** Records that a run starts sending a campaign, once it holds the run lock; returns the run's id for `finishSendRun`. */
export function beginSendRun(db: Db, campaignId: number, owner: RunOwner, now: number): number {
  const result = db
    .prepare('INSERT INTO send_runs (campaign_id, pid, hostname, started_at) VALUES (?, ?, ?, ?)')
    .run(campaignId, owner.pid, owner.hostname, now);
  return Number(result.lastInsertRowid);
}

/** Records that a run ended, whichever way (done, --limit, Ctrl-C, a refusal): only a killed process leaves it open. */
export function finishSendRun(db: Db, runId: number, now: number): void {
  db.prepare('UPDATE send_runs SET finished_at = ? WHERE id = ?').run(now, runId);
}

/** The latest run of a campaign, or undefined when none has sent (a dry run is not recorded). */
export function lastSendRun(db: Db, campaignId: number): SendRun | undefined {
  const row = db
    .prepare(
      'SELECT pid, hostname, started_at, finished_at FROM send_runs WHERE campaign_id = ? ORDER BY id DESC LIMIT 1',
    )
    .get(campaignId) as { pid: number; hostname: string; started_at: number; finished_at: number | null } | undefined;
  if (row === undefined) return undefined;
  return {
    owner: { pid: row.pid, hostname: row.hostname },
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
