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
  /** Replaces every list of the import, each whole in one transaction, and records it; returns member counts by list. */
  commit(): Map<string, number>;
  /** Drops what was staged, leaving the store as it was. */
  rollback(): void;
}

/** A staged member: the columns of `list_members`, then those of `list_member_sources` (NULL for a member not included). */
const STAGED_COLUMNS = `list TEXT NOT NULL, address TEXT NOT NULL, gecos TEXT, subscribed_at INTEGER,
  sympa_bounce_first INTEGER, sympa_bounce_last INTEGER, sympa_bounce_count INTEGER, sympa_bounce_status TEXT,
  sympa_bounce_score INTEGER, data_source TEXT, synced_at INTEGER, is_subscribed INTEGER`;

/**
 * Starts an import that replaces the membership of the lists it names (from a file or Sympa's database). Members are
 * staged in a temporary table, which takes no lock on the store and holds nothing in memory, so the source can be
 * read at its own pace; `commit` then swaps the staged lists a few at a time, each batch in one short transaction,
 * writing the rows in the table's own order, so that other writers (a `send run`, a `check`) get the store between
 * two. A failure, an interruption or a crash leaves each list whole, as it was or as imported, and importing again
 * finishes the job.
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
    DROP TABLE IF EXISTS temp.member_import_batch;
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
    db.exec(`DROP TABLE IF EXISTS temp.member_import; DROP TABLE IF EXISTS temp.member_import_lists;
      DROP TABLE IF EXISTS temp.member_import_batch`);
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
        if (options.isBouncesOnly === true) {
          db.exec('BEGIN IMMEDIATE');
          const counts = mergeSympaBounces(db);
          // Sympa still counts these members' bounces: they are members, whatever apply removed before.
          db.prepare(
            `UPDATE list_removals SET superseded_at = ? WHERE superseded_at IS NULL
               AND (list, address) IN (SELECT list, address FROM temp.member_import)`,
          ).run(now);
          db.exec('COMMIT');
          return counts;
        }
        // Written into the temporary database only: no lock on the store yet.
        if (options.replacesSource === true)
          db.prepare(
            'INSERT OR IGNORE INTO temp.member_import_lists SELECT list FROM list_imports WHERE source = ?',
          ).run(source);
        // Sorted once, list by list: the lists are then swapped from it a few at a time.
        db.exec(`CREATE INDEX temp.member_import_by_list ON member_import (list, address);
          CREATE TEMP TABLE member_import_batch (list TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;`);
        const counts = new Map<string, number>();
        for (const lists of swapBatches(db))
          for (const [list, count] of swapLists(db, lists, source, now)) counts.set(list, count);
        return counts;
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
 * The statements that replace the members and data sources of the lists in `temp.member_import_batch` with the staged
 * ones (the old rows out, the staged ones in, sorted into the tables' key order (address, list), the last of
 * duplicates winning), supersede what apply recorded as removed from them, and record their import.
 */
const SWAP_LISTS = {
  leave: 'DELETE FROM list_members WHERE list IN (SELECT list FROM temp.member_import_batch)',
  join: `INSERT OR REPLACE INTO list_members (address, list, gecos, subscribed_at, sympa_bounce_first,
      sympa_bounce_last, sympa_bounce_count, sympa_bounce_status, sympa_bounce_score)
    SELECT address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last, sympa_bounce_count,
      sympa_bounce_status, sympa_bounce_score
    FROM temp.member_import WHERE list IN (SELECT list FROM temp.member_import_batch) ORDER BY address, list, rowid`,
  leaveSources: 'DELETE FROM list_member_sources WHERE list IN (SELECT list FROM temp.member_import_batch)',
  joinSources: `INSERT OR REPLACE INTO list_member_sources (address, list, data_source, synced_at, is_subscribed)
    SELECT address, list, data_source, synced_at, is_subscribed FROM temp.member_import
    WHERE list IN (SELECT list FROM temp.member_import_batch) AND is_subscribed IS NOT NULL
    ORDER BY address, list, rowid`,
  // An address staged twice whose last row has no data source keeps none (a file may name an address twice).
  dropDuplicateSources: `DELETE FROM list_member_sources WHERE (address, list) IN (
    SELECT address, list FROM (
      -- SQLite gives a bare column the values of the row max() picked: the last staged.
      SELECT address, list, max(rowid), is_subscribed, count(*) AS copies FROM temp.member_import
      WHERE list IN (SELECT list FROM temp.member_import_batch) GROUP BY list, address)
    WHERE copies > 1 AND is_subscribed IS NULL)`,
  // The lists' membership is now Sympa's own: it says who apply removed, and who is back.
  supersede: `UPDATE list_removals SET superseded_at = :now WHERE superseded_at IS NULL
    AND list IN (SELECT list FROM temp.member_import_batch)`,
  record: `INSERT OR REPLACE INTO list_imports (list, source, members, imported_at)
    SELECT b.list, :source, (SELECT count(*) FROM list_members m WHERE m.list = b.list), :now
    FROM temp.member_import_batch b WHERE true RETURNING list, members`,
} as const;

/**
 * Rows written (deleted and inserted) per swap transaction, whole lists at a time, so that each holds the write lock
 * for a fraction of a second: one transaction for the whole import held it 7 to 9 s for a million members, past the
 * busy timeout of a `send run` recording what its server accepted. Not one transaction per list: the table is keyed
 * by address, so a list's members are spread over all of it, and each transaction rewrites most of the pages it
 * touches; with a transaction per list, 100,000 members over 200 lists took three to four times the CPU time of one
 * transaction, with this bound under one and a half times.
 */
const SWAP_BATCH_ROWS = 50_000;

/** The staged lists in batches for `swapLists`: consecutive lists, each batch up to SWAP_BATCH_ROWS rows written. */
function swapBatches(db: Db): string[][] {
  const weights = db
    .prepare(
      `SELECT l.list, (SELECT count(*) FROM temp.member_import m WHERE m.list = l.list)
         + coalesce((SELECT members FROM list_imports i WHERE i.list = l.list), 0)
       FROM temp.member_import_lists l ORDER BY l.list`,
    )
    .raw()
    .all() as [string, number][];
  const batches: string[][] = [];
  let batch: string[] = [];
  let rows = 0;
  for (const [list, weight] of weights) {
    if (batch.length > 0 && rows + weight > SWAP_BATCH_ROWS) {
      batches.push(batch);
      batch = [];
      rows = 0;
    }
    batch.push(list);
    rows += weight;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Replaces the staged lists `lists` in one transaction, and returns their member counts. A crash between two
 * transactions leaves each list whole, old or new, and importing again finishes the job. The lists are named and the
 * statements prepared before the transaction begins, in the temporary database, which takes no lock on the store.
 */
function swapLists(db: Db, lists: readonly string[], source: string, now: number): [string, number][] {
  db.exec('DELETE FROM temp.member_import_batch');
  const name = db.prepare('INSERT INTO temp.member_import_batch (list) VALUES (?)');
  for (const list of lists) name.run(list);
  const leave = db.prepare(SWAP_LISTS.leave);
  const join = db.prepare(SWAP_LISTS.join);
  const leaveSources = db.prepare(SWAP_LISTS.leaveSources);
  const joinSources = db.prepare(SWAP_LISTS.joinSources);
  const dropDuplicateSources = db.prepare(SWAP_LISTS.dropDuplicateSources);
  const supersede = db.prepare(SWAP_LISTS.supersede);
  const record = db.prepare(SWAP_LISTS.record).raw();
  return db
    .transaction(() => {
      leave.run();
      join.run();
      leaveSources.run();
      joinSources.run();
      dropDuplicateSources.run();
      supersede.run({ now });
      return record.all({ source, now }) as [string, number][];
    })
    .immediate();
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
