import { open } from 'node:fs/promises';
import type { Db } from '../store/database.js';
import { listImports } from '../store/dormant.js';
import { beginListImport, type ImportedMember, type ListImport } from '../store/list-members.js';
import { readMemberDump } from '../sympa/read-member-dump.js';
import { readMemberExport } from '../sympa/read-member-export.js';
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

/** `member.dump` starts with a `key value` line (`bounce …`, `date …`, `email …`); a web export with an address or `#`. */
async function isMemberDump(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  // An unreadable file is left to the reader, which names it in its error.
  if (handle === null) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const first =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .split('\n')
        .find((line) => line.trim() !== '') ?? '';
    return /^[a-z_]+ \S/.test(first) && !first.split(' ')[0]?.includes('@');
  } finally {
    await handle.close();
  }
}

/**
 * Imports a list's members from `member.dump` (`sympa dump`) or a web export (`export_member`, any format), told
 * apart by content, replacing what the store knew of the list in one transaction. Returns the member count.
 */
export async function importMembersFile(db: Db, file: string, list: string, now: number): Promise<number> {
  const reader = (await isMemberDump(file)) ? readMemberDump(file, list) : readMemberExport(file, list);
  const listImport = beginListImport(db, list.toLowerCase(), file, now);
  try {
    for await (const member of reader) listImport.add({ ...toImportedMember(member), list: list.toLowerCase() });
    return listImport.commit();
  } catch (error) {
    listImport.rollback();
    throw error;
  }
}

/**
 * Imports every list of Sympa's database (or the one named, as `name@domain`), each replacing its stored membership
 * in a transaction of its own, streaming: the reader gives the lists one after the other, so memory holds one member
 * at a time. A list imported from this database before and now without members (closed, emptied) is emptied too.
 * Returns member counts by list.
 */
export async function importSympaDatabase(
  db: Db,
  database: SympaDatabase,
  list: string | undefined,
  now: number,
): Promise<Map<string, number>> {
  const source = describeSympaDatabase(database);
  const counts = new Map<string, number>();
  let current = null as { list: string; listImport: ListImport } | null;
  try {
    for await (const member of readSympaDatabase(database, list === undefined ? {} : { list })) {
      const record = toImportedMember(member);
      if (current?.list !== record.list) {
        if (current !== null) counts.set(current.list, current.listImport.commit());
        // The readers sort by list: a list met twice would replace its own first part.
        if (counts.has(record.list)) throw new Error(`Sympa's members of "${record.list}" came in two parts`);
        current = { list: record.list, listImport: beginListImport(db, record.list, source, now) };
      }
      current.listImport.add(record);
    }
    if (current !== null) counts.set(current.list, current.listImport.commit());
  } catch (error) {
    current?.listImport.rollback();
    throw error;
  }
  const gone =
    list === undefined
      ? [...listImports(db)]
          .filter(([name, known]) => known.source === source && !counts.has(name))
          .map(([name]) => name)
      : counts.has(list.toLowerCase())
        ? []
        : [list.toLowerCase()];
  for (const name of gone) counts.set(name, beginListImport(db, name, source, now).commit());
  return counts;
}
