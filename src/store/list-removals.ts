import type { Db } from './database.js';
import type { DormantScope } from './dormant.js';
import { releaseProcessLock, takeProcessLock, type IsAlive } from './process-lock.js';

/** How apply removed a member (schema 13): `sympa del` run on this machine. */
export type RemovalMethod = 'sympa_del';

/** A member apply removed from a list, as recorded. */
export interface ListRemoval {
  list: string;
  address: string;
  removedAt: number;
  method: RemovalMethod;
  /** The argv run, as `runSympaDel` reports it. */
  command: string[];
  /** Sympa's own line about the address, in Sympa's language; null when it printed none. */
  reply: string | null;
  actor: string;
}

interface RemovalRow {
  list: string;
  address: string;
  removed_at: number;
  method: RemovalMethod;
  command: string;
  reply: string | null;
  actor: string;
}

/** How a removal was asked of Sympa: the method, the argv run (as `runSympaDel` reports it), who ran it. */
export interface RemovalCommand {
  method: RemovalMethod;
  command: readonly string[];
  actor: string;
}

/** A removal asked of Sympa by a run that died before it recorded what Sympa said (schema 14). */
export interface RemovalIntent extends RemovalCommand {
  list: string;
  address: string;
  startedAt: number;
}

/**
 * Records that `addresses` are about to be given to Sympa for removal from `list`, in one transaction, before the
 * command runs: a crash between the command and `recordListRemovals` leaves them, for the next apply to settle.
 */
export function recordRemovalIntents(
  db: Db,
  list: string,
  addresses: readonly string[],
  how: RemovalCommand,
  now: number,
): void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO list_removal_intents (list, address, method, command, actor, started_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const command = JSON.stringify(how.command);
  db.transaction(() => {
    for (const address of addresses) insert.run(list, address.toLowerCase(), how.method, command, how.actor, now);
  }).immediate();
}

/** The removals from `list` that an earlier run asked of Sympa without recording what Sympa said, by address. */
export function removalIntents(db: Db, list: string): Map<string, RemovalIntent> {
  const rows = db
    .prepare(
      `SELECT list, address, method, command, actor, started_at FROM list_removal_intents WHERE list = ?
       ORDER BY address`,
    )
    .all(list) as {
    list: string;
    address: string;
    method: RemovalMethod;
    command: string;
    actor: string;
    started_at: number;
  }[];
  return new Map(
    rows.map((row) => [
      row.address,
      {
        list: row.list,
        address: row.address,
        method: row.method,
        command: JSON.parse(row.command) as string[],
        actor: row.actor,
        startedAt: row.started_at,
      },
    ]),
  );
}

/** A removal to record: Sympa's line about it, and, for one an earlier run made, when and how it was asked. */
export interface RemovalRecord {
  address: string;
  reply: string | null;
  asked?: { at: number; how: RemovalCommand };
}

/**
 * Records the members Sympa reported removed from `list` and takes them out of the stored membership, and ends the
 * intents of `settled` addresses (Sympa said what became of them), in one transaction: the next listing and apply no
 * longer see them, until an import of the list says otherwise.
 */
export function recordListRemovals(
  db: Db,
  list: string,
  removals: readonly RemovalRecord[],
  how: RemovalCommand,
  now: number,
  settled: readonly string[] = [],
): void {
  if (removals.length === 0 && settled.length === 0) return;
  const insert = db.prepare(
    `INSERT INTO list_removals (list, address, removed_at, method, command, reply, actor)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const leave = db.prepare('DELETE FROM list_members WHERE address = ? AND list = ?');
  const leaveSource = db.prepare('DELETE FROM list_member_sources WHERE address = ? AND list = ?');
  const settle = db.prepare('DELETE FROM list_removal_intents WHERE list = ? AND address = ?');
  db.transaction(() => {
    for (const { address, reply, asked } of removals) {
      // Stored addresses are lowercase, as Sympa compares them.
      const key = address.toLowerCase();
      const by = asked?.how ?? how;
      insert.run(list, key, asked?.at ?? now, by.method, JSON.stringify(by.command), reply, by.actor);
      leave.run(key, list);
      leaveSource.run(key, list);
      settle.run(list, key);
    }
    for (const address of settled) settle.run(list, address.toLowerCase());
  }).immediate();
}

/**
 * The removals from `list` no import has superseded since, by address: the latest of each. An import of the list
 * from Sympa after them tells the membership instead (see `beginMembersImport`).
 */
export function listRemovalsInForce(db: Db, list: string): Map<string, ListRemoval> {
  const rows = db
    .prepare(
      `SELECT list, address, removed_at, method, command, reply, actor FROM list_removals
       WHERE list = ? AND superseded_at IS NULL ORDER BY address, removed_at, id`,
    )
    .all(list) as RemovalRow[];
  const removals = new Map<string, ListRemoval>();
  for (const row of rows)
    removals.set(row.address, {
      list: row.list,
      address: row.address,
      removedAt: row.removed_at,
      method: row.method,
      command: JSON.parse(row.command) as string[],
      reply: row.reply,
      actor: row.actor,
    });
  return removals;
}

/** How many members of the scope's lists apply removed since their last import: none for a campaign. */
export function countListRemovalsInForce(db: Db, scope: DormantScope): number {
  if (scope.kind === 'campaign') return 0;
  return db
    .prepare(
      `SELECT count(*) FROM (SELECT DISTINCT list, address FROM list_removals
       WHERE superseded_at IS NULL AND (:list IS NULL OR list = :list))`,
    )
    .pluck()
    .get({ list: scope.kind === 'list' ? scope.list : null }) as number;
}

/** The meta key of a list's apply lock. */
function applyLockKey(list: string): string {
  return `dormant.apply-lock.${list.toLowerCase()}`;
}

/**
 * Takes the apply lock of `list` for `pid`: two applies on one list at once would each give Sympa the same members,
 * and record the removals twice. Returns the pid of the live process holding it, or null once taken; a lock left by
 * a killed process is taken over.
 */
export function acquireApplyLock(db: Db, list: string, pid: number, isAlive: IsAlive, now: number): number | null {
  return takeProcessLock(db, applyLockKey(list), pid, isAlive, now);
}

/** Releases the apply lock taken by `acquireApplyLock`. */
export function releaseApplyLock(db: Db, list: string, pid: number): void {
  releaseProcessLock(db, applyLockKey(list), pid);
}
