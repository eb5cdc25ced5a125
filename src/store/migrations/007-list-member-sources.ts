import type Database from 'better-sqlite3';

/**
 * Schema 7: the list members Sympa includes from a data source (`include_file`, an LDAP or SQL query, another list),
 * with the source's name as Sympa shows it to the owner, when a synchronisation last found them, and whether they
 * are also subscribed in their own right. Only included members have a row: the dormant report names the source to
 * fix, since the address stays there whatever is done to the list. Replaced with the list's members on each import.
 */
export function migrate007ListMemberSources(db: Database.Database): void {
  db.exec(`
    CREATE TABLE list_member_sources (
      address TEXT NOT NULL,
      list TEXT NOT NULL,
      data_source TEXT,
      synced_at INTEGER,
      is_subscribed INTEGER NOT NULL CHECK (is_subscribed IN (0, 1)),
      PRIMARY KEY (address, list)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX list_member_sources_by_list ON list_member_sources (list);
  `);
}
