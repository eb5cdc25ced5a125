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
