import type { Db } from './database.js';
import { BUSY_TIMEOUT_MS } from './store-failure.js';
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

/** Sympa's bounce data of a member, as `list_members` keeps it. */
const BOUNCE_COLUMNS = [
  'sympa_bounce_first',
  'sympa_bounce_last',
  'sympa_bounce_count',
  'sympa_bounce_status',
  'sympa_bounce_score',
] as const;

/** A staged member: the columns of `list_members`, then those of `list_member_sources` (NULL for a member not included). */
const STAGED_COLUMNS = `list TEXT NOT NULL, address TEXT NOT NULL, gecos TEXT, subscribed_at INTEGER,
  sympa_bounce_first INTEGER, sympa_bounce_last INTEGER, sympa_bounce_count INTEGER, sympa_bounce_status TEXT,
  sympa_bounce_score INTEGER, data_source TEXT, synced_at INTEGER, is_subscribed INTEGER`;

/**
 * Starts an import that replaces the membership of the lists it names (from a file or Sympa's database). Members are
 * staged in a temporary table, which takes no lock on the store and holds nothing in memory, so the source can be
 * read at its own pace; `commit` then swaps the staged lists a few at a time, each batch in one short transaction,
 * writing the rows in the table's own order, so that other writers (a `send run`, a `check`) get the store between
 * two. An import that inserts most of the store sets its index by domain aside meanwhile (setIndexesAside). A failure,
 * an interruption or a crash leaves each list whole, as it was or as imported, and importing again finishes the job.
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
  // A source may interleave its lists (Sympa's table in insertion order): each list is staged once, not once a member.
  const stagedLists = new Set<string>();
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
      if (!stagedLists.has(member.list)) {
        stageList.run(member.list);
        stagedLists.add(member.list);
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
          rebuildSetAsideIndexes(db);
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
        const weights = swapWeights(db);
        const hasSetIndexesAside = insertsMost(db, weights);
        if (hasSetIndexesAside) setIndexesAside(db);
        const counts = new Map<string, number>();
        let budget = SWAP_FIRST_ROWS;
        let batch: string[] = [];
        let rows = 0;
        let staged = 0;
        const swap = (): void => {
          if (counts.size > 0 || hasSetIndexesAside) leaveStoreToOthers();
          const started = performance.now();
          for (const [list, count] of swapLists(db, batch, staged, source, now)) counts.set(list, count);
          budget = nextSwapBudget(rows, performance.now() - started);
          batch = [];
          rows = 0;
          staged = 0;
        };
        for (const { list, stagedRows, storedRows } of weights) {
          if (batch.length > 0 && rows + stagedRows + storedRows > budget) swap();
          batch.push(list);
          rows += stagedRows + storedRows;
          staged += stagedRows;
        }
        if (batch.length > 0) swap();
        rebuildSetAsideIndexes(db);
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

/** The lists a swap transaction replaces, as its statements select them. */
const BATCH = 'list IN (SELECT list FROM temp.member_import_batch)';

/** Whether a staged member (`excluded`) differs from the stored one: an unchanged row is left as it is, unwritten. */
const MEMBER_CHANGED = ['gecos', 'subscribed_at', ...BOUNCE_COLUMNS]
  .map((column) => `${column} IS NOT excluded.${column}`)
  .join(' OR ');

/**
 * The statements that replace the members and data sources of the lists in `temp.member_import_batch` with the staged
 * ones, in the tables' key order (address, list), the last of duplicates winning: the members no longer staged go,
 * the staged ones are added or updated, and a member staged as it is stored is not written at all, so that a nightly
 * import of lists that barely changed rewrites few pages. Then they supersede what apply recorded as removed from the
 * lists, and record their import.
 */
const SWAP_LISTS = {
  leave: `DELETE FROM list_members WHERE ${BATCH} AND NOT EXISTS (SELECT 1 FROM temp.member_import m
    WHERE m.list = list_members.list AND m.address = list_members.address)`,
  join: `INSERT INTO list_members (address, list, gecos, subscribed_at, ${BOUNCE_COLUMNS.join(', ')})
    SELECT address, list, gecos, subscribed_at, ${BOUNCE_COLUMNS.join(', ')}
    FROM temp.member_import WHERE ${BATCH} ORDER BY address, list, rowid
    ON CONFLICT (address, list) DO UPDATE SET gecos = excluded.gecos, subscribed_at = excluded.subscribed_at,
      ${BOUNCE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}
    WHERE ${MEMBER_CHANGED}`,
  leaveSources: `DELETE FROM list_member_sources WHERE ${BATCH} AND NOT EXISTS (SELECT 1 FROM temp.member_import m
    WHERE m.list = list_member_sources.list AND m.address = list_member_sources.address AND m.is_subscribed IS NOT NULL)`,
  joinSources: `INSERT INTO list_member_sources (address, list, data_source, synced_at, is_subscribed)
    SELECT address, list, data_source, synced_at, is_subscribed FROM temp.member_import
    WHERE ${BATCH} AND is_subscribed IS NOT NULL ORDER BY address, list, rowid
    ON CONFLICT (address, list) DO UPDATE SET data_source = excluded.data_source, synced_at = excluded.synced_at,
      is_subscribed = excluded.is_subscribed
    WHERE data_source IS NOT excluded.data_source OR synced_at IS NOT excluded.synced_at
      OR is_subscribed IS NOT excluded.is_subscribed`,
  // An address staged twice whose last row has no data source keeps none (a file may name an address twice).
  dropDuplicateSources: `DELETE FROM list_member_sources WHERE (address, list) IN (
    SELECT address, list FROM (
      -- SQLite gives a bare column the values of the row max() picked: the last staged.
      SELECT address, list, max(rowid), is_subscribed, count(*) AS copies FROM temp.member_import
      WHERE ${BATCH} GROUP BY list, address)
    WHERE copies > 1 AND is_subscribed IS NULL)`,
  // The lists' membership is now Sympa's own: it says who apply removed, and who is back.
  supersede: `UPDATE list_removals SET superseded_at = :now WHERE superseded_at IS NULL AND ${BATCH}`,
  record: `INSERT OR REPLACE INTO list_imports (list, source, members, imported_at)
    SELECT b.list, :source, (SELECT count(*) FROM list_members m WHERE m.list = b.list), :now
    FROM temp.member_import_batch b WHERE true RETURNING list, members`,
} as const;

/**
 * Above this share of `list_members` inserted by one import, its secondary indexes in no relation to the lists' order
 * (SET_ASIDE_INDEXES) are dropped and built again once the lists are in. The table is keyed by address and the batches
 * come list by list, so each batch inserts all over an index in the other order, one random page write a member,
 * and rewrites most of its pages: a million members into a new store took 2.3 times the CPU time of the import in
 * one transaction. Building an index afresh is one sort of the table, 1.2 s for a million members.
 */
const REBUILD_INDEX_SHARE = 1 / 8;

/**
 * The indexes an import inserting most of `list_members` sets aside: by domain, whose order is that of neither the
 * address nor the list. `list_members_by_list` stays, as the swap finds the lists' members through it, and the
 * batches fill it in its own order; `list_members_by_sympa_score` holds only Sympa's bouncing members.
 */
const SET_ASIDE_INDEXES = ['list_members_by_domain'] as const;

/** The meta key under which an index set aside keeps its SQL until it is built again. */
const SET_ASIDE_KEY = 'dormant.set-aside-index.';

/**
 * Whether the import inserts, at the least (the members staged beyond what each list held at its last import), more
 * than REBUILD_INDEX_SHARE of the members the store will hold, and more than the first swap transaction takes: an
 * import in one transaction writes each page of the index once anyway. A nightly import of lists that barely changed
 * inserts few.
 */
function insertsMost(db: Db, weights: readonly SwapWeight[]): boolean {
  let inserted = 0;
  let replaced = 0;
  for (const { stagedRows, storedRows } of weights) {
    inserted += Math.max(stagedRows - storedRows, 0);
    replaced += storedRows;
  }
  const stored = db.prepare('SELECT coalesce(sum(members), 0) FROM list_imports').pluck().get() as number;
  return inserted > SWAP_FIRST_ROWS && inserted > (stored - replaced + inserted) * REBUILD_INDEX_SHARE;
}

/**
 * Drops the SET_ASIDE_INDEXES and keeps their SQL in `meta`, in one transaction: an import that does not finish
 * leaves it there, and the next one builds them again. Meanwhile the store reads the same, only slower by domain.
 */
function setIndexesAside(db: Db): void {
  const definition = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck();
  const keep = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (const name of SET_ASIDE_INDEXES) {
      const sql = definition.get(name) as string | undefined;
      // Already set aside by an import that did not finish.
      if (sql === undefined) continue;
      keep.run(SET_ASIDE_KEY + name, sql);
      db.exec(`DROP INDEX "${name}"`);
    }
  }).immediate();
}

/**
 * Builds again the indexes an import set aside, each in its own transaction with the removal of its SQL from `meta`,
 * after a gap for the writers the import kept waiting. Each holds the write lock as long as one sort of the table
 * takes, 1.2 s for a million members.
 */
function rebuildSetAsideIndexes(db: Db): void {
  const setAside = db
    .prepare('SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key')
    .raw()
    .all(SET_ASIDE_KEY, `${SET_ASIDE_KEY}\uffff`) as [string, string][];
  const forget = db.prepare('DELETE FROM meta WHERE key = ?');
  for (const [key, sql] of setAside) {
    leaveStoreToOthers();
    db.transaction(() => {
      db.exec(sql);
      forget.run(key);
    }).immediate();
  }
}

/**
 * How long a swap transaction should hold the write lock: a tenth of the busy timeout that other writers (a `send
 * run` recording what its server accepted, a `check`) wait for it. One transaction for the whole import held it 7 to
 * 9 s for a million members. Nor one transaction per list: the table is keyed by address, so a list's members lie all
 * over it, and each transaction rewrites most of the pages it touches; a transaction per list took three to four
 * times the CPU time of one for 100,000 members over 200 lists. Whole lists go in batches sized to this time instead.
 */
const SWAP_TARGET_MS = BUSY_TIMEOUT_MS / 10;

/**
 * How long an import leaves the store to other writers between two swap transactions. A writer kept waiting by one
 * does not queue for the lock: SQLite's busy handler wakes it to try again, every 100 ms once it has waited a while
 * (sqliteDefaultBusyCallback in SQLite's main.c), and a shorter gap would be over before it woke.
 */
const SWAP_GAP_MS = 120;

/** What `leaveStoreToOthers` waits on: nothing ever wakes it, so it waits its whole time. */
const GAP_CELL = new Int32Array(new SharedArrayBuffer(4));

/** Waits SWAP_GAP_MS, holding no lock: the store is synchronous, as better-sqlite3 is, so the wait is too. */
function leaveStoreToOthers(): void {
  Atomics.wait(GAP_CELL, 0, 0, SWAP_GAP_MS);
}

/** Rows written (deleted and inserted) by the first swap transaction, before its time tells how many fit the target. */
const SWAP_FIRST_ROWS = 50_000;

/**
 * The rows the next swap transaction may write, from the last one's: as many as fit SWAP_TARGET_MS at its pace, at
 * most four times as many, so a pace read on a small batch (one list) does not make the next one overshoot far.
 */
function nextSwapBudget(rows: number, elapsedMs: number): number {
  const fitting = (rows * SWAP_TARGET_MS) / Math.max(elapsedMs, 1);
  return Math.max(SWAP_FIRST_ROWS, Math.min(fitting, rows * 4));
}

/** A staged list and the rows its swap writes: its staged members, and those it had at its last import. */
interface SwapWeight {
  list: string;
  stagedRows: number;
  storedRows: number;
}

/** The staged lists in order, with the rows each one's swap writes. */
function swapWeights(db: Db): SwapWeight[] {
  return db
    .prepare(
      `SELECT l.list, (SELECT count(*) FROM temp.member_import m WHERE m.list = l.list) AS stagedRows,
         coalesce((SELECT members FROM list_imports i WHERE i.list = l.list), 0) AS storedRows
       FROM temp.member_import_lists l ORDER BY l.list`,
    )
    .all() as SwapWeight[];
}

/**
 * Replaces the staged lists `lists`, of `stagedRows` staged members, in one transaction, and returns their member
 * counts. A crash between two transactions leaves each list whole, old or new, and importing again finishes the job.
 * The lists are named and the statements prepared before the transaction begins, in the temporary database, which
 * takes no lock on the store.
 */
function swapLists(
  db: Db,
  lists: readonly string[],
  stagedRows: number,
  source: string,
  now: number,
): [string, number][] {
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
      supersede.run({ now });
      const counts = record.all({ source, now }) as [string, number][];
      // Fewer members than staged rows: some address was staged twice, and its last row may have no data source.
      if (counts.reduce((members, [, count]) => members + count, 0) < stagedRows) dropDuplicateSources.run();
      return counts;
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
