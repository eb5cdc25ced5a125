import type Database from 'better-sqlite3';

/**
 * Schema 6: what `facteur dormant` keeps between runs. `list_members` holds the members imported from Sympa (dump,
 * web export or its database) with Sympa's own bounce data; keyed by address first, so the all-lists run reads it
 * in address order alongside the bounce events, without sorting. `list_imports` says which lists have a known
 * membership. `mail_domains` keeps one row per domain summarising its DNS observations: the start and end of the
 * current run of bad observations, so a domain is dead only when two of them lie a day apart with no good one in
 * between. `forgotten_addresses` is the audit trail of `facteur dormant forget`: events up to `forgotten_at` are no
 * longer read, but never deleted. Times are Unix milliseconds.
 */
export function migrate006Dormant(db: Database.Database): void {
  db.exec(`
    CREATE TABLE list_members (
      address TEXT NOT NULL,
      list TEXT NOT NULL,
      gecos TEXT,
      subscribed_at INTEGER,
      sympa_bounce_first INTEGER,
      sympa_bounce_last INTEGER,
      sympa_bounce_count INTEGER,
      sympa_bounce_status TEXT,
      sympa_bounce_score INTEGER,
      PRIMARY KEY (address, list)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX list_members_by_list ON list_members (list, address);

    CREATE TABLE list_imports (
      list TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      members INTEGER NOT NULL,
      imported_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE mail_domains (
      domain TEXT PRIMARY KEY,
      bad_status TEXT CHECK (bad_status IN ('nxdomain', 'null_mx', 'no_mail_host')),
      bad_since INTEGER,
      last_bad_at INTEGER,
      bad_observations INTEGER NOT NULL DEFAULT 0,
      last_ok_at INTEGER,
      last_unknown_at INTEGER,
      unknown_detail TEXT,
      CHECK ((bad_status IS NULL) = (bad_since IS NULL))
    ) STRICT;
    CREATE INDEX mail_domains_bad ON mail_domains (domain) WHERE bad_since IS NOT NULL;

    CREATE TABLE forgotten_addresses (
      id INTEGER PRIMARY KEY,
      address TEXT NOT NULL,
      forgotten_at INTEGER NOT NULL,
      events_cleared INTEGER NOT NULL,
      actor TEXT NOT NULL,
      note TEXT
    ) STRICT;
    CREATE INDEX forgotten_addresses_by_address ON forgotten_addresses (address, forgotten_at);

    -- The all-lists pass reads every event in address order: from this index alone, never the table (a random
    -- page read per event made 5 million events take a minute). Reason, status and diagnostic matter only for the
    -- last counted bounce of a reported address and are read by id then.
    CREATE INDEX bounce_events_dormant ON bounce_events
      (subscribed_address, occurred_at, kind, hardbounce, list, campaign_id);

    -- Messages refused with a 5xx feed the bounce score; read per address, oldest first.
    CREATE INDEX messages_failed_by_address ON messages (email_key, updated_at) WHERE state = 'failed';
  `);
}
