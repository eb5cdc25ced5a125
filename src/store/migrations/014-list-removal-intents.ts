import type Database from 'better-sqlite3';

/**
 * Schema 14: the removals `facteur dormant apply --sympa --yes` is about to ask of Sympa, written before `sympa del`
 * runs and deleted in the same transaction that records what Sympa said (list_removals). A row left over tells that a
 * run died (kill -9, a reboot) between the two: Sympa may have removed the address without the store knowing. The
 * next apply on the list gives it to Sympa again and records what Sympa says now, so the removal is neither lost nor
 * asked twice of a member. Times are Unix milliseconds.
 */
export function migrate014ListRemovalIntents(db: Database.Database): void {
  db.exec(`
    CREATE TABLE list_removal_intents (
      list TEXT NOT NULL,
      address TEXT NOT NULL,
      method TEXT NOT NULL CHECK (method IN ('sympa_del')),
      command TEXT NOT NULL,
      actor TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      PRIMARY KEY (list, address)
    ) STRICT, WITHOUT ROWID;
  `);
}
