import type { Db } from './database.js';

/** Whether the process `pid`, which began a run or took a lock at `since` (Unix ms) when known, still runs. */
export type IsAlive = (pid: number, since?: number) => boolean;

/** A lock's holder as the meta table keeps it, `pid@takenAt`; a bare pid is a lock taken before facteur kept when. */
function holderOf(value: string): { pid: number; since?: number } {
  const [pid = '', since] = value.split('@');
  return since === undefined ? { pid: Number(pid) } : { pid: Number(pid), since: Number(since) };
}

/**
 * Takes the lock `key` of the meta table for `pid`, unless a live process holds it: returns that process's pid, or
 * null once taken. A lock left by a process that is gone (kill -9, a reboot) is taken over; when it was taken tells its
 * holder from a process that got the same pid since.
 */
export function takeProcessLock(db: Db, key: string, pid: number, isAlive: IsAlive, now: number): number | null {
  return db
    .transaction(() => {
      const value = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
      if (value !== undefined) {
        const holder = holderOf(value);
        if (holder.pid !== pid && isAlive(holder.pid, holder.since)) return holder.pid;
      }
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, `${pid}@${now}`);
      return null;
    })
    .immediate();
}

/** Releases a lock that `pid` took with takeProcessLock; one another process has taken over since stays its own. */
export function releaseProcessLock(db: Db, key: string, pid: number): void {
  db.prepare('DELETE FROM meta WHERE key = ? AND value LIKE ?').run(key, `${pid}@%`);
}
