import type { Db } from './database.js';
import type { DormantScope } from './dormant.js';

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

/**
 * Records the members Sympa reported removed from `list` and takes them out of the stored membership, in one
 * transaction: the next listing and apply no longer see them, until an import of the list says otherwise.
 */
export function recordListRemovals(
  db: Db,
  list: string,
  removals: readonly { address: string; reply: string | null }[],
  how: { method: RemovalMethod; command: readonly string[]; actor: string },
  now: number,
): void {
  if (removals.length === 0) return;
  const insert = db.prepare(
    `INSERT INTO list_removals (list, address, removed_at, method, command, reply, actor)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const leave = db.prepare('DELETE FROM list_members WHERE address = ? AND list = ?');
  const leaveSource = db.prepare('DELETE FROM list_member_sources WHERE address = ? AND list = ?');
  const command = JSON.stringify(how.command);
  db.transaction(() => {
    for (const { address, reply } of removals) {
      // Stored addresses are lowercase, as Sympa compares them.
      const key = address.toLowerCase();
      insert.run(list, key, now, how.method, command, reply, how.actor);
      leave.run(key, list);
      leaveSource.run(key, list);
    }
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
