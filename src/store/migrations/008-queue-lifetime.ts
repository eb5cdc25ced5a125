import type Database from 'better-sqlite3';

/**
 * Schema 8: the queue lifetime of `facteur send` (as Postfix's maximal_queue_lifetime). `first_attempt_at` is when a
 * message was first handed to the server; a message still deferred that long after it is failed, and `expired_at`
 * says when, so `send status` can tell an expired message from one the server refused. Rows attempted before this
 * schema get their last attempt as their first: it can only make their lifetime longer, never cut it short.
 */
export function migrate008QueueLifetime(db: Database.Database): void {
  db.exec(`
    ALTER TABLE messages ADD COLUMN first_attempt_at INTEGER;
    ALTER TABLE messages ADD COLUMN expired_at INTEGER;
    UPDATE messages SET first_attempt_at = updated_at WHERE attempts > 0;
  `);
}
