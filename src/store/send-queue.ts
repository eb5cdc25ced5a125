import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** The states of a queued message (STYLE.md crash safety: intent before the SMTP transaction, outcome after). */
export type MessageState = 'pending' | 'sending' | 'sent' | 'deferred' | 'failed' | 'uncertain';

/** RFC 2104 section 3: a key shorter than the hash output (32 bytes for SHA-256) weakens the MAC. */
const VERP_KEY_BYTES = 32;

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
  const result = db
    .prepare(
      `INSERT OR IGNORE INTO messages (campaign_id, recipient_id, email, email_key, fields, message_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      campaignId,
      message.recipientId,
      message.email,
      message.email.toLowerCase(),
      JSON.stringify(message.fields),
      message.messageId,
      now,
    );
  if (result.changes > 0) return true;
  const same = db
    .prepare('SELECT 1 FROM messages WHERE campaign_id = ? AND recipient_id = ?')
    .get(campaignId, message.recipientId);
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

/** Messages due now, oldest first: pending, deferred whose time has come, and uncertain ones when retrying them. */
export function dueMessages(
  db: Db,
  campaignId: number,
  now: number,
  options: { limit: number; retryUncertain: boolean },
): QueuedMessage[] {
  const rows = db
    .prepare(
      `SELECT id, recipient_id, email, fields, message_id, attempts FROM messages
       WHERE campaign_id = ? AND next_attempt_at <= ?
         AND (state IN ('pending', 'deferred') OR (? = 1 AND state = 'uncertain'))
       ORDER BY id LIMIT ?`,
    )
    .all(campaignId, now, options.retryUncertain ? 1 : 0, options.limit) as {
    id: number;
    recipient_id: number;
    email: string;
    fields: string;
    message_id: string;
    attempts: number;
  }[];
  return rows.map((row) => ({
    id: row.id,
    recipientId: row.recipient_id,
    email: row.email,
    fields: JSON.parse(row.fields) as Record<string, string>,
    messageId: row.message_id,
    attempts: row.attempts,
  }));
}

/** Records the intent before the SMTP transaction, committed on its own; false if another run took the row. */
export function markSending(db: Db, messageId: number, now: number): boolean {
  return (
    db
      .prepare(
        `UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state IN ('pending', 'deferred', 'uncertain')`,
      )
      .run(now, messageId).changes === 1
  );
}

/** Records the outcome after the SMTP transaction, with the server's reply. */
export function recordOutcome(
  db: Db,
  messageId: number,
  outcome: { state: 'sent' | 'deferred' | 'failed'; replyCode: number | null; reply: string; nextAttemptAt?: number },
  now: number,
): void {
  db.prepare(
    `UPDATE messages SET state = ?, last_reply_code = ?, last_reply = ?, next_attempt_at = ?, updated_at = ?,
       sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
     WHERE id = ? AND state = 'sending'`,
  ).run(
    outcome.state,
    outcome.replyCode,
    outcome.reply,
    outcome.nextAttemptAt ?? 0,
    now,
    outcome.state,
    now,
    messageId,
  );
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
