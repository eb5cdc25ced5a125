import type Database from 'better-sqlite3';

/**
 * Schema 12: each `facteur send run` that sends, recorded when it starts and when it ends, with the process that runs
 * it (pid and host, as `runs` keeps them for `check`). `send status` reads it from another terminal: a run not ended
 * whose process is alive is sending now, one whose process is gone died mid-run (kill -9, a reboot) and is to be
 * resumed. The run lock stays in `meta`; this table is the record people read.
 */
export function migrate012SendRuns(db: Database.Database): void {
  db.exec(`
    CREATE TABLE send_runs (
      id INTEGER PRIMARY KEY,
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      pid INTEGER NOT NULL,
      hostname TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      finished_at INTEGER
    ) STRICT;
    CREATE INDEX send_runs_campaign ON send_runs (campaign_id, id);
  `);
}
