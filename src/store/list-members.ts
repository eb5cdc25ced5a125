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

/** A list's membership being replaced, member by member; nothing is visible until `commit`. */
export interface ListImport {
  add(member: ImportedMember): void;
  /** Records the import and ends the transaction; returns how many members the list now has. */
  commit(): number;
  /** Ends the transaction leaving the previous membership whole. */
  rollback(): void;
}

/**
 * Starts replacing a list's members with an import, in one transaction that stays open while the members stream in
 * (from a file or Sympa's database): memory holds one member at a time, and an error, an interruption or a crash
 * before `commit` leaves the previous membership whole. Duplicate addresses keep their last row. One import at a
 * time per connection.
 */
export function beginListImport(db: Db, list: string, source: string, now: number): ListImport {
  const insertMember = db.prepare(
    `INSERT OR REPLACE INTO list_members (address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last,
       sympa_bounce_count, sympa_bounce_status, sympa_bounce_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSource = db.prepare(
    `INSERT OR REPLACE INTO list_member_sources (address, list, data_source, synced_at, is_subscribed)
     VALUES (?, ?, ?, ?, ?)`,
  );
  db.exec('BEGIN IMMEDIATE');
  let isOpen = true;
  try {
    db.prepare('DELETE FROM list_members WHERE list = ?').run(list);
    db.prepare('DELETE FROM list_member_sources WHERE list = ?').run(list);
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return {
    add(member) {
      const bounce = member.sympaBounce;
      insertMember.run(
        member.address,
        list,
        member.gecos,
        member.subscribedAt,
        bounce?.first ?? null,
        bounce?.last ?? null,
        bounce?.count ?? null,
        bounce?.status ?? null,
        member.sympaScore,
      );
      const from = member.source;
      if (from !== null)
        insertSource.run(member.address, list, from.dataSource, from.syncedAt, from.isSubscribed ? 1 : 0);
    },
    commit() {
      const count = db.prepare('SELECT count(*) FROM list_members WHERE list = ?').pluck().get(list) as number;
      db.prepare('INSERT OR REPLACE INTO list_imports (list, source, members, imported_at) VALUES (?, ?, ?, ?)').run(
        list,
        source,
        count,
        now,
      );
      db.exec('COMMIT');
      isOpen = false;
      return count;
    },
    rollback() {
      if (!isOpen) return;
      isOpen = false;
      if (db.inTransaction) db.exec('ROLLBACK');
    },
  };
}

/** Looks up the data source of a list member: undefined for a member who is not included from one. */
export function memberSourceReader(db: Db): (list: string, address: string) => MemberSourceRecord | undefined {
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
