import type Database from 'better-sqlite3';

/**
 * Schema 2: the history of `facteur check` runs, sized for 365 nightly runs of 5,000 domains.
 * Names (domains, members, checks, finding ids) are interned in lookup tables, and a finding's payload
 * (evidence, message, docs, suggested record) is stored once per distinct content: the same finding found
 * night after night costs one narrow row per night. A check listed in `run_checks` for a domain listed in
 * `run_domains` has a `check_results` row only when its status cannot be read from its findings (it has unknown
 * parts, or its status is not "fail when an error or warning was found, else pass").
 */
export function migrate002History(db: Database.Database): void {
  db.exec(`
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
      options TEXT NOT NULL,
      pid INTEGER NOT NULL,
      hostname TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL,
      errors INTEGER NOT NULL DEFAULT 0,
      warnings INTEGER NOT NULL DEFAULT 0,
      infos INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX runs_by_status ON runs (status, started_at);

    CREATE TABLE domain_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE member_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE check_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE finding_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;

    CREATE TABLE finding_details (
      id INTEGER PRIMARY KEY,
      hash BLOB NOT NULL UNIQUE,
      evidence TEXT NOT NULL,
      message TEXT NOT NULL,
      docs TEXT NOT NULL,
      suggested_record TEXT
    ) STRICT;

    CREATE TABLE run_checks (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      check_id INTEGER NOT NULL REFERENCES check_names (id),
      PRIMARY KEY (run_id, check_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE run_domains (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      domain_id INTEGER NOT NULL REFERENCES domain_names (id),
      member_id INTEGER REFERENCES member_names (id),
      PRIMARY KEY (run_id, domain_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE check_results (
      run_id INTEGER NOT NULL,
      domain_id INTEGER NOT NULL,
      check_id INTEGER NOT NULL REFERENCES check_names (id),
      status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'unknown')),
      unknown TEXT NOT NULL,
      PRIMARY KEY (run_id, domain_id, check_id),
      FOREIGN KEY (run_id, domain_id) REFERENCES run_domains (run_id, domain_id) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE findings (
      run_id INTEGER NOT NULL,
      domain_id INTEGER NOT NULL,
      finding_id INTEGER NOT NULL REFERENCES finding_names (id),
      subject TEXT NOT NULL,
      check_id INTEGER NOT NULL REFERENCES check_names (id),
      severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
      detail_id INTEGER NOT NULL REFERENCES finding_details (id),
      PRIMARY KEY (run_id, domain_id, finding_id, subject),
      FOREIGN KEY (run_id, domain_id) REFERENCES run_domains (run_id, domain_id) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;
  `);
}
