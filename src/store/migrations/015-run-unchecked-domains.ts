import type Database from 'better-sqlite3';

/**
 * Schema 15: the domains a stopped `facteur check` run never started (Ctrl-C, SIGTERM), so that `changes` and
 * `report`, which skip that night, can say later which domains it left unchecked. `runs.unchecked_domains` counts
 * them, written with the run's outcome: NULL for a run that did not finish (killed) or finished before this schema,
 * whose list is unknown, 0 for a run that checked every domain it was given. `position` keeps the order of the
 * members file. A complete run has no row: the table only grows by the nights that were cut short.
 */
export function migrate015RunUncheckedDomains(db: Database.Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN unchecked_domains INTEGER;
    CREATE TABLE run_unchecked_domains (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      domain_id INTEGER NOT NULL REFERENCES domain_names (id),
      member_id INTEGER REFERENCES member_names (id),
      PRIMARY KEY (run_id, position)
    ) STRICT, WITHOUT ROWID;
  `);
}
