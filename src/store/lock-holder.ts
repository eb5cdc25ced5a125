import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * SQLite's unix VFS takes a WAL database's write lock on one byte of its -shm file, byte 120 (UNIX_SHM_BASE in
 * os_unix.c, WAL_WRITE_LOCK 0), for the whole of a write transaction; the bytes after it are the checkpoint and
 * recovery locks, held as long by a checkpoint or a recovery.
 */
const SHM_WRITE_LOCK_BYTES = [120, 122] as const;

/** A process holding a database's write lock: its pid, and its command as `ps` shows it (`facteur dormant`). */
export interface LockHolder {
  pid: number;
  command: string;
}

/** Linux's device number as /proc/locks writes it, `major:minor` in hex (glibc's gnu_dev_major, gnu_dev_minor). */
function deviceOf(dev: number): string {
  const low = dev % 2 ** 32;
  const high = Math.floor(dev / 2 ** 32);
  const major = (((low >>> 8) & 0xfff) | (high & ~0xfff)) >>> 0;
  const minor = ((low & 0xff) | ((low >>> 12) & 0xfff00) | ((high & 0xfff) << 20)) >>> 0;
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/**
 * A process's command: `facteur` and its subcommand and arguments up to the first option for facteur's own CLI (as
 * node runs it, whatever node's options), else its program's name. Its options are left out: they name files, and an
 * admin's paths are none of another user's business. Throws when /proc does not tell (another system, the process gone).
 */
export function commandOf(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg !== '');
  const cli = args.findIndex((arg, index) => index > 0 && /(^|\/)(facteur|cli\/main\.js)$/.test(arg));
  if (cli === -1) return basename(args[0] ?? '?');
  const words = args.slice(cli + 1);
  const firstOption = words.findIndex((word) => word.startsWith('-'));
  return ['facteur', ...(firstOption === -1 ? words : words.slice(0, firstOption))].join(' ');
}

/**
 * The process holding the write lock of the WAL database `path`, read from Linux's /proc/locks; undefined when none
 * can be told (another system, no -shm file, the lock released meanwhile, a process of another user).
 */
export function writeLockHolder(path: string): LockHolder | undefined {
  try {
    const shm = statSync(`${path}-shm`);
    const file = `${deviceOf(shm.dev)}:${shm.ino}`;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // `1: POSIX  ADVISORY  WRITE 1234 fe:00:2245385 120 120`; a line with `->` is a process waiting, not holding.
      const match = /^\d+:\s+\S+\s+\S+\s+WRITE\s+(\d+)\s+(\S+)\s+(\d+)\s+(\d+|EOF)$/.exec(line.trim());
      if (match === null) continue;
      const [, pid = '', lockedFile, start = '', end = ''] = match;
      if (lockedFile !== file || Number(pid) === process.pid) continue;
      const covers = SHM_WRITE_LOCK_BYTES.some(
        (byte) => Number(start) <= byte && (end === 'EOF' || byte <= Number(end)),
      );
      if (covers) return { pid: Number(pid), command: commandOf(Number(pid)) };
    }
  } catch {
    // Not Linux, or the file or the process gone meanwhile: the message then names no process.
  }
  return undefined;
}
