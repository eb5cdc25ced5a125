import type Database from 'better-sqlite3';

/**
 * Schema 4: what `facteur bounces fetch` saw. A source is one mailbox (an IMAP folder, a Maildir, an mbox file, a
 * Sympa bounce directory); `uid_validity` is the IMAP folder's UIDVALIDITY (RFC 3501 §2.3.1.1): when it changes,
 * every UID is new and the folder is read again. A message row is written, with its events, in one transaction
 * before the message is moved, keyed by `(source_id, message_key)` (`<uidvalidity>:<uid>` for IMAP, the file name
 * for a Maildir, the Message-ID or a content hash for an mbox), so a rerun after a crash never counts it twice.
 * An event is one recipient of one message: `address` is the lowercased final recipient, `subscribed_address` the
 * address a list or campaign knows (VERP or Original-Recipient), which dormant scores on. Times are Unix milliseconds.
 * `content_hash` (SHA-256 of the raw message) catches an IMAP message seen again under a new UIDVALIDITY after a run
 * recorded it but died before moving it: its UID key is new, its bytes are not.
 */
export function migrate004BounceEvents(db: Database.Database): void {
  db.exec(`
    CREATE TABLE bounce_sources (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      uid_validity INTEGER
    ) STRICT;

    CREATE TABLE bounce_messages (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES bounce_sources (id) ON DELETE CASCADE,
      message_key TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      header_message_id TEXT,
      kind TEXT NOT NULL CHECK (kind IN ('bounce', 'autoreply', 'feedback', 'delivered', 'other', 'unparseable')),
      feedback_type TEXT,
      error TEXT,
      received_at INTEGER NOT NULL,
      fetched_at INTEGER NOT NULL,
      raw BLOB,
      UNIQUE (source_id, message_key)
    ) STRICT;

    CREATE TABLE bounce_events (
      id INTEGER PRIMARY KEY,
      message_id INTEGER NOT NULL REFERENCES bounce_messages (id) ON DELETE CASCADE,
      address TEXT NOT NULL,
      subscribed_address TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('bounce', 'autoreply', 'feedback', 'delivered')),
      reason TEXT NOT NULL,
      status_code TEXT,
      hardbounce INTEGER NOT NULL CHECK (hardbounce IN (0, 1)),
      permanent INTEGER NOT NULL CHECK (permanent IN (0, 1)),
      diagnostic TEXT,
      campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
      queue_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
      list TEXT,
      survey_id TEXT,
      token_id TEXT,
      occurred_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX bounce_messages_by_hash ON bounce_messages (source_id, content_hash);
    CREATE INDEX bounce_events_by_address ON bounce_events (subscribed_address, occurred_at);
    CREATE INDEX bounce_events_by_list ON bounce_events (list, subscribed_address) WHERE list IS NOT NULL;
    CREATE INDEX bounce_events_by_campaign ON bounce_events (campaign_id, subscribed_address) WHERE campaign_id IS NOT NULL;
    CREATE INDEX bounce_events_by_message ON bounce_events (message_id);
  `);
}
