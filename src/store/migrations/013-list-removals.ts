import type Database from 'better-sqlite3';

/**
 * Schema 13: the members `facteur dormant apply --sympa --yes` removed from a list, one row per address Sympa
 * reported removed: when, how (`sympa_del`, with the command run and Sympa's own line about the address) and who ran
 * it, so that the next listing and a rerun of apply know them gone without an import from Sympa in between. A
 * later import of the list takes over (`superseded_at`): from then on Sympa's own membership says whether the
 * address is a member, and a removal that failed on Sympa's side, or an address that subscribed again, shows. Rows
 * are never deleted: they are the audit trail of what apply did. Times are Unix milliseconds.
 */
export function migrate013ListRemovals(db: Database.Database): void {
  db.exec(`
    CREATE TABLE list_removals (
      id INTEGER PRIMARY KEY,
      list TEXT NOT NULL,
      address TEXT NOT NULL,
      removed_at INTEGER NOT NULL,
      method TEXT NOT NULL CHECK (method IN ('sympa_del')),
      command TEXT NOT NULL,
      reply TEXT,
      actor TEXT NOT NULL,
      superseded_at INTEGER
    ) STRICT;
    CREATE INDEX list_removals_in_force ON list_removals (list, address) WHERE superseded_at IS NULL;
  `);
}
