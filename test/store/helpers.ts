import type { Db } from '../../src/store/database.js';
import type { MemberRecord } from '../../src/store/dormant.js';
import { beginMembersImport, type ImportedMember } from '../../src/store/list-members.js';

/** Replaces a list's members in one import, as `facteur dormant --members` does; returns the member count. */
export function replaceMembers(
  db: Db,
  list: string,
  members: readonly (MemberRecord | ImportedMember)[],
  now: number,
  source = 'test',
): number {
  const membersImport = beginMembersImport(db, source, now);
  membersImport.addList(list);
  for (const member of members) membersImport.add({ source: null, ...member, list });
  return membersImport.commit().get(list) ?? 0;
}

const DAY = 86_400_000;
/** The time the dormant store tests run at. */
export const NOW = Date.UTC(2026, 10, 23, 12);

/**
 * Inserts bounce events the way `facteur bounces fetch` records them (one message per event): `spec` is words such as
 * `h30` (a hard bounce 30 days before NOW), `s` soft, `a` auto-reply, `f` complaint, `d` delivered.
 */
export function addEvents(db: Db, address: string, spec: string, extra: { list?: string | null } = {}): void {
  db.prepare("INSERT OR IGNORE INTO bounce_sources (id, name) VALUES (1, 'test')").run();
  for (const word of spec.split(' ')) {
    const code = word[0] as 'h' | 's' | 'a' | 'f' | 'd';
    const at = NOW - Number(word.slice(1)) * DAY;
    const kind = { h: 'bounce', s: 'bounce', a: 'autoreply', f: 'feedback', d: 'delivered' }[code];
    const message = db
      .prepare(
        "INSERT INTO bounce_messages (source_id, message_key, content_hash, kind, received_at, fetched_at) VALUES (1, ?, 'h', ?, ?, ?)",
      )
      .run(`${address}-${word}-${Math.random()}`, kind, at, at).lastInsertRowid;
    db.prepare(
      `INSERT INTO bounce_events (message_id, address, subscribed_address, kind, reason, status_code, hardbounce,
         permanent, list, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message,
      address,
      address,
      kind,
      code === 'h' ? 'userunknown' : 'mailboxfull',
      code === 'h' ? '5.1.1' : '4.2.2',
      code === 'h' ? 1 : 0,
      code === 'h' ? 1 : 0,
      extra.list === undefined ? 'info@lists.example.org' : extra.list,
      at,
    );
  }
}
