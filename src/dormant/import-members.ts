import { open } from 'node:fs/promises';
import type { Db } from '../store/database.js';
import { beginMembersImport, type ImportedMember } from '../store/list-members.js';
import { readMemberDump } from '../sympa/read-member-dump.js';
import { isBounceExportHeader, readMemberExport } from '../sympa/read-member-export.js';
import { describeSympaDatabase, type SympaDatabase } from '../sympa/read-sympa-conf.js';
import { readSympaDatabase } from '../sympa/read-sympa-database.js';
import type { SympaMember } from '../sympa/types.js';

/** A Sympa member as the dormant store keeps it: addresses lowercased, as Sympa compares them. */
export function toImportedMember(member: SympaMember): ImportedMember {
  return {
    list: member.list.toLowerCase(),
    address: member.email.toLowerCase(),
    gecos: member.gecos,
    subscribedAt: member.subscribedAt?.getTime() ?? null,
    sympaBounce:
      member.bounce === null
        ? null
        : {
            first: member.bounce.first.getTime(),
            last: member.bounce.last.getTime(),
            count: member.bounce.count,
            status: member.bounce.status,
          },
    sympaScore: member.bounceScore,
    source:
      member.inclusion === null
        ? null
        : {
            dataSource: member.inclusion.dataSource,
            syncedAt: member.inclusion.syncedAt?.getTime() ?? null,
            isSubscribed: member.isSubscribed === true,
          },
  };
}

/** What a members file is, told by its first line that is not blank. */
type MembersFileKind = 'dump' | 'export' | 'bounceExport';

/**
 * `member.dump` starts with a `key value` line (`bounce …`, `date …`, `email …`); a web export with an address or
 * `#`, the bounce format with its header (read-member-export.ts), which names the bouncing members only.
 */
async function membersFileKind(file: string): Promise<MembersFileKind> {
  const handle = await open(file, 'r').catch(() => null);
  // An unreadable file (a directory opens, then refuses to be read) is left to the reader, which names it.
  if (handle === null) return 'export';
  try {
    const head = await handle.read(Buffer.alloc(4096), 0, 4096, 0).catch(() => null);
    if (head === null) return 'export';
    const { buffer, bytesRead } = head;
    // A dump edited in Windows Notepad starts with a byte-order mark, which the readers skip too.
    const first =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split('\n')
        .find((line) => line.trim() !== '') ?? '';
    if (isBounceExportHeader(first.replace(/\r$/, ''))) return 'bounceExport';
    return /^[a-z_]+ \S/.test(first) && !first.split(' ')[0]?.includes('@') ? 'dump' : 'export';
  } finally {
    await handle.close();
  }
}

/**
 * Imports a list's members from `member.dump` (`sympa dump`) or a web export (`export_member`, any format), told
 * apart by content, replacing what the store knew of the list in one transaction. The bounce format names only the
 * members Sympa counts as bouncing: it replaces Sympa's bounce data of the list and keeps its other members. Returns
 * the member count read.
 */
export async function importMembersFile(db: Db, file: string, list: string, now: number): Promise<number> {
  const name = list.toLowerCase();
  const kind = await membersFileKind(file);
  const reader = kind === 'dump' ? readMemberDump(file, list) : readMemberExport(file, list);
  const membersImport = beginMembersImport(db, file, now, { isBouncesOnly: kind === 'bounceExport' });
  try {
    membersImport.addList(name);
    for await (const member of reader) membersImport.add({ ...toImportedMember(member), list: name });
    return membersImport.commit().get(name) ?? 0;
  } catch (error) {
    membersImport.rollback();
    throw error;
  }
}

/**
 * Imports every list of Sympa's database (or the one named, as `name@domain`), replacing the stored membership of
 * every list read in one transaction at the end, streaming: members are staged on disk as they arrive, so memory
 * holds one page of them. A list imported from this database before and now without members (closed, emptied) is
 * emptied too, as is the list named when it has none. Returns member counts by list.
 */
export async function importSympaDatabase(
  db: Db,
  database: SympaDatabase,
  list: string | undefined,
  now: number,
): Promise<Map<string, number>> {
  const membersImport = beginMembersImport(db, describeSympaDatabase(database), now, {
    replacesSource: list === undefined,
  });
  try {
    if (list !== undefined) membersImport.addList(list.toLowerCase());
    for await (const member of readSympaDatabase(database, list === undefined ? {} : { list }))
      membersImport.add(toImportedMember(member));
    return membersImport.commit();
  } catch (error) {
    membersImport.rollback();
    throw error;
  }
}
