import type { Db } from './database.js';
import type { MemberRecord } from './dormant.js';

/** Where an included member comes from, as Sympa records it (`inclusion_*_subscriber`, `subscribed_subscriber`). */
export interface MemberSourceRecord {
  /** The data source's name as Sympa shows it to the owner; null when Sympa recorded none. */
  dataSource: string | null;
  /** Last synchronisation that found the member, Unix milliseconds; null when the import did not say. */
  syncedAt: number | null;
  /** Also subscribed in their own right (ADD or SUB), not only through the data source. */
  isSubscribed: boolean;
}

/** A member as an import hands it over: the membership, and its data source when Sympa includes it from one. */
export interface ImportedMember extends MemberRecord {
  source: MemberSourceRecord | null;
}

/** Lists' memberships being replaced by an import; nothing in the store changes until `commit`. */
export interface MembersImport {
  /** Stages a member of `member.list`, which becomes part of the import. */
  add(member: ImportedMember): void;
  /** Makes a list part of the import even without a member staged: `commit` empties it. */
  addList(list: string): void;
  /** Replaces every list of the import in one transaction and records it; returns member counts by list. */
  commit(): Map<string, number>;
  /** Drops what was staged, leaving the store as it was. */
  rollback(): void;
}

/**
 * Above this share of `list_members` written by one import (rows deleted and inserted), its secondary indexes are dropped and built again after
 * the rows are in: the table is keyed by address and the imports come list by list, so keeping an index in the other
 * order up to date costs a random page write per member once it outgrows the page cache (a million members took a
 * minute), while building it afresh is one sort of the table (a few seconds for a million).
 */
const REBUILD_INDEX_SHARE = 1 / 8;

/** A staged member: the columns of `list_members`, then those of `list_member_sources` (NULL for a member not included). */
const STAGED_COLUMNS = `list TEXT NOT NULL, address TEXT NOT NULL, gecos TEXT, subscribed_at INTEGER,
  sympa_bounce_first INTEGER, sympa_bounce_last INTEGER, sympa_bounce_count INTEGER, sympa_bounce_status TEXT,
  sympa_bounce_score INTEGER, data_source TEXT, synced_at INTEGER, is_subscribed INTEGER`;

/**
 * Starts an import that replaces the membership of the lists it names (from a file or Sympa's database). Members are
 * staged in a temporary table, which takes no lock on the store and holds nothing in memory, so the source can be
 * read at its own pace; `commit` then swaps every staged list in one short transaction, writing the rows in the
 * table's own order. A failure, an interruption or a crash before that transaction ends leaves every list as it was.
 * Duplicate addresses in a list keep their last row. With `replacesSource`, the import is everything `source` holds:
 * a list imported from it before and absent now is emptied too. With `isBouncesOnly`, the source names only the
 * members Sympa counts as bouncing: their Sympa bounce data replaces the list's, the other members stay, and the
 * list's membership import is not recorded. Either way, the import supersedes what `facteur dormant apply` recorded as
 * removed from its lists (list-removals.ts) for the members it covers. One import at a time per connection.
 */
export function beginMembersImport(
  db: Db,
  source: string,
  now: number,
  options: { replacesSource?: boolean; isBouncesOnly?: boolean } = {},
): MembersImport {
  if (db.inTransaction) throw new Error('Cannot begin a members import inside a transaction');
  db.exec(`
    DROP TABLE IF EXISTS temp.member_import;
    DROP TABLE IF EXISTS temp.member_import_lists;
    CREATE TEMP TABLE member_import (${STAGED_COLUMNS}) STRICT;
    CREATE TEMP TABLE member_import_lists (list TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
  `);
  // Members arrive in whatever order the source keeps them: staging appends, and sorts once at the end.
  const stage = db.prepare('INSERT INTO temp.member_import VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const stageList = db.prepare('INSERT OR IGNORE INTO temp.member_import_lists (list) VALUES (?)');
  let lastList: string | null = null;
  let isOpen = true;
  const drop = (): void => {
    isOpen = false;
    if (db.inTransaction) db.exec('ROLLBACK');
    db.exec('DROP TABLE IF EXISTS temp.member_import; DROP TABLE IF EXISTS temp.member_import_lists');
  };
  // Staging writes only the temporary database: other connections go on writing the store meanwhile.
  db.exec('BEGIN');
  return {
    add(member) {
      if (member.list !== lastList) {
        stageList.run(member.list);
        lastList = member.list;
      }
      const bounce = member.sympaBounce;
      const from = member.source;
      stage.run(
        member.list,
        member.address,
        member.gecos,
        member.subscribedAt,
        bounce?.first ?? null,
        bounce?.last ?? null,
        bounce?.count ?? null,
        bounce?.status ?? null,
        member.sympaScore,
        from?.dataSource ?? null,
        from?.syncedAt ?? null,
        from === null ? null : from.isSubscribed ? 1 : 0,
      );
    },
    addList(list) {
      stageList.run(list);
    },
    commit() {
      if (!isOpen) throw new Error('Cannot commit a members import that has ended');
      try {
        db.exec('COMMIT');
        db.exec('BEGIN IMMEDIATE');
        if (options.replacesSource === true)
          db.prepare(
            'INSERT OR IGNORE INTO temp.member_import_lists SELECT list FROM list_imports WHERE source = ?',
          ).run(source);
        if (options.isBouncesOnly === true) {
          const counts = mergeSympaBounces(db);
          // Sympa still counts these members' bounces: they are members, whatever apply removed before.
          db.prepare(
            `UPDATE list_removals SET superseded_at = ? WHERE superseded_at IS NULL
               AND (list, address) IN (SELECT list, address FROM temp.member_import)`,
          ).run(now);
          db.exec('COMMIT');
          return counts;
        }
        swapMembers(db);
        // The lists' membership is now Sympa's own: it says who apply removed, and who is back.
        db.prepare(
          `UPDATE list_removals SET superseded_at = ? WHERE superseded_at IS NULL
             AND list IN (SELECT list FROM temp.member_import_lists)`,
        ).run(now);
        db.prepare(
          `INSERT OR REPLACE INTO list_imports (list, source, members, imported_at)
           SELECT l.list, ?, (SELECT count(*) FROM list_members m WHERE m.list = l.list), ? FROM temp.member_import_lists l`,
        ).run(source, now);
        const counts = db
          .prepare(
            `SELECT i.list, i.members FROM list_imports i JOIN temp.member_import_lists l ON l.list = i.list
             ORDER BY i.list`,
          )
          .raw()
          .all() as [string, number][];
        db.exec('COMMIT');
        return new Map(counts);
      } finally {
        drop();
      }
    },
    rollback() {
      if (isOpen) drop();
    },
  };
}

/**
 * Replaces Sympa's bounce data of the staged lists with the staged one, within the caller's transaction: a member
 * not staged no longer bounces for Sympa, one staged and not yet known is added. Returns staged counts by list.
 */
function mergeSympaBounces(db: Db): Map<string, number> {
  db.exec(`
    UPDATE list_members SET sympa_bounce_first = NULL, sympa_bounce_last = NULL, sympa_bounce_count = NULL,
        sympa_bounce_status = NULL, sympa_bounce_score = NULL
      WHERE list IN (SELECT list FROM temp.member_import_lists);
    INSERT INTO list_members (address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last,
        sympa_bounce_count, sympa_bounce_status, sympa_bounce_score)
      SELECT address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last, sympa_bounce_count,
        sympa_bounce_status, sympa_bounce_score
      FROM temp.member_import WHERE true ORDER BY address, list, rowid
      ON CONFLICT (address, list) DO UPDATE SET gecos = coalesce(excluded.gecos, gecos),
        sympa_bounce_first = excluded.sympa_bounce_first, sympa_bounce_last = excluded.sympa_bounce_last,
        sympa_bounce_count = excluded.sympa_bounce_count, sympa_bounce_status = excluded.sympa_bounce_status,
        sympa_bounce_score = excluded.sympa_bounce_score;
  `);
  const counts = db
    .prepare(
      `SELECT l.list, (SELECT count(DISTINCT address) FROM temp.member_import m WHERE m.list = l.list)
       FROM temp.member_import_lists l ORDER BY l.list`,
    )
    .raw()
    .all() as [string, number][];
  return new Map(counts);
}

/**
 * Replaces the members and data sources of the staged lists, within the caller's transaction: the old rows out, the
 * staged ones in, sorted into the tables' key order (address, list), the last of duplicates winning.
 */
function swapMembers(db: Db): void {
  const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const staged = count('SELECT count(*) FROM temp.member_import');
  const replaced = count('SELECT count(*) FROM list_members WHERE list IN (SELECT list FROM temp.member_import_lists)');
  const indexes =
    staged + replaced > count('SELECT count(*) FROM list_members') * REBUILD_INDEX_SHARE
      ? (db
          .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'list_members' AND sql IS NOT NULL",
          )
          .all() as { name: string; sql: string }[])
      : [];
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  db.exec(`
    DELETE FROM list_members WHERE list IN (SELECT list FROM temp.member_import_lists);
    INSERT OR REPLACE INTO list_members (address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last,
        sympa_bounce_count, sympa_bounce_status, sympa_bounce_score)
      SELECT address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last, sympa_bounce_count,
        sympa_bounce_status, sympa_bounce_score
      FROM temp.member_import ORDER BY address, list, rowid;
  `);
  for (const index of indexes) db.exec(index.sql);
  db.exec(`
    DELETE FROM list_member_sources WHERE list IN (SELECT list FROM temp.member_import_lists);
    INSERT OR REPLACE INTO list_member_sources (address, list, data_source, synced_at, is_subscribed)
      SELECT address, list, data_source, synced_at, is_subscribed
      FROM temp.member_import WHERE is_subscribed IS NOT NULL ORDER BY address, list, rowid;
  `);
  // An address staged twice whose last row has no data source keeps none (a file may name an address twice).
  if (count('SELECT count(*) FROM list_members WHERE list IN (SELECT list FROM temp.member_import_lists)') < staged)
    db.exec(`
      DELETE FROM list_member_sources WHERE (address, list) IN (
        SELECT address, list FROM (
          -- SQLite gives a bare column the values of the row max() picked: the last staged.
          SELECT address, list, max(rowid), is_subscribed, count(*) AS copies FROM temp.member_import
          GROUP BY address, list)
        WHERE copies > 1 AND is_subscribed IS NULL);
    `);
}

/** Looks up the data source of a list member: undefined for a member who is not included from one. */
export function memberSourceReader(db: Db): (list: string, address: string) => MemberSourceRecord | undefined {
  // Most stores have no included member at all: then no entry of a dormant run costs a lookup.
  if (db.prepare('SELECT EXISTS (SELECT 1 FROM list_member_sources)').pluck().get() === 0) return () => undefined;
  const statement = db.prepare(
    'SELECT data_source, synced_at, is_subscribed FROM list_member_sources WHERE address = ? AND list = ?',
  );
  return (list, address) => {
    const row = statement.get(address, list) as
      | { data_source: string | null; synced_at: number | null; is_subscribed: number }
      | undefined;
    return row === undefined
      ? undefined
      : { dataSource: row.data_source, syncedAt: row.synced_at, isSubscribed: row.is_subscribed === 1 };
  };
}
