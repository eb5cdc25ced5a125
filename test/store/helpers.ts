import type { Db } from '../../src/store/database.js';
import type { MemberRecord } from '../../src/store/dormant.js';
import { beginListImport, type ImportedMember } from '../../src/store/list-members.js';

/** Replaces a list's members in one import, as `facteur dormant --members` does; returns the member count. */
export function replaceMembers(
  db: Db,
  list: string,
  members: readonly (MemberRecord | ImportedMember)[],
  now: number,
  source = 'test',
): number {
  const listImport = beginListImport(db, list, source, now);
  for (const member of members) listImport.add({ source: null, ...member });
  return listImport.commit();
}
