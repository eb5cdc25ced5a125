import { open } from 'node:fs/promises';
import type { Db } from '../store/database.js';
import { replaceListMembers, type MemberRecord } from '../store/dormant.js';
import { readMemberDump } from '../sympa/read-member-dump.js';
import { readMemberExport } from '../sympa/read-member-export.js';
import { readSubscriberTable } from '../sympa/read-subscriber-table.js';
import type { SympaMember } from '../sympa/types.js';

/** A Sympa member as the dormant store keeps it: addresses lowercased, as Sympa compares them. */
export function toMemberRecord(member: SympaMember): MemberRecord {
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
  const members: MemberRecord[] = [];
  const reader = (await isMemberDump(file)) ? readMemberDump(file, list) : readMemberExport(file, list);
  for await (const member of reader) members.push(toMemberRecord(member));
  return replaceListMembers(db, list.toLowerCase(), members, file, now);
}

/**
 * Imports every list of Sympa's database (or the one named), each replacing its stored membership. The reader
 * streams in list order, so one list is held at a time. Returns member counts by list.
 */
export function importSympaDatabase(db: Db, file: string, list: string | undefined, now: number): Map<string, number> {
  const counts = new Map<string, number>();
  let current: string | null = null;
  let members: MemberRecord[] = [];
  const flush = (): void => {
    if (current !== null) counts.set(current, replaceListMembers(db, current, members, file, now));
    members = [];
  };
  for (const member of readSubscriberTable(file, list === undefined ? {} : { list })) {
    const record = toMemberRecord(member);
    if (record.list !== current) {
      flush();
      current = record.list;
    }
    members.push(record);
  }
  flush();
  return counts;
}
