import type Database from 'better-sqlite3';

/**
 * Schema 5: acknowledgements. An ack silences one finding id on one domain (every subject of it) until a date,
 * inclusive, in UTC; past that date it no longer applies and nothing needs to delete it. Names are kept as text, not
 * interned: a hoster has tens of acks, not millions, and an ack may name a domain no run has checked yet.
 */
export function migrate005Acks(db: Database.Database): void {
  db.exec(`
    CREATE TABLE acks (
      domain TEXT NOT NULL,
      finding_id TEXT NOT NULL,
      until TEXT NOT NULL CHECK (until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
      note TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (domain, finding_id)
    ) STRICT;
  `);
}
