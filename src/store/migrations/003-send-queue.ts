import type Database from 'better-sqlite3';

/**
 * Schema 3: the `facteur send` queue. A campaign keeps its own random VERP key, so a leaked key exposes one campaign.
 * A message row is written at enqueue with its Message-ID fixed, so a resend after a crash reuses it; the recipient's
 * fields are kept as JSON and rendered at send time, so memory stays flat with the number of recipients.
 * `recipient_id` is the row's ordinal in the recipients file: enqueueing again after a crash inserts the same ids.
 * Times are Unix milliseconds, compared in the due-message query.
 */
export function migrate003SendQueue(db: Database.Database): void {
  db.exec(`
    CREATE TABLE campaigns (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      verp_key BLOB NOT NULL CHECK (length(verp_key) >= 16),
      created_at INTEGER NOT NULL,
      enqueue_complete INTEGER NOT NULL DEFAULT 0 CHECK (enqueue_complete IN (0, 1)),
      skipped INTEGER NOT NULL DEFAULT 0,
      duplicates INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      recipient_id INTEGER NOT NULL,
      email TEXT NOT NULL,
      -- Lowercased address: the same mailbox listed twice in different case is sent once.
      email_key TEXT NOT NULL,
      fields TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'uncertain')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      message_id TEXT NOT NULL UNIQUE,
      last_reply_code INTEGER,
      last_reply TEXT,
      updated_at INTEGER NOT NULL,
      sent_at INTEGER,
      UNIQUE (campaign_id, recipient_id),
      UNIQUE (campaign_id, email_key)
    ) STRICT;
    CREATE INDEX messages_due ON messages (campaign_id, state, next_attempt_at);
  `);
}
