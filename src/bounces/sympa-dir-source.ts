import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BATCH_SIZE,
  MAX_MESSAGE_BYTES,
  type BounceMailbox,
  type MailboxMessage,
  type MailboxState,
  type SettleOutcome,
} from './bounce-mailbox.js';
import { readCapped } from './maildir-source.js';
import { unreadableFile } from '../file-failure.js';

/**
 * Sympa's bouncequeue(8) writes `T.<list>.<time>.<pid>` and renames it to `<list>.<time>.<pid>` when complete
 * (src/libexec/bouncequeue.c): a `T.` file is still being written.
 */
const TEMPORARY_PREFIX = 'T.';

/** Sympa's pseudo-header lines at the top of a spool file (`X-Sympa-To: <list>` from bouncequeue). */
const PSEUDO_HEADER = /^X-Sympa-[\w-]+: [^\n]*\n/;

/** Splits Sympa's pseudo-headers off a spool file: the rest is the bounce as the MTA delivered it. */
export function splitSympaSpoolFile(raw: Buffer): { list: string | null; message: Buffer } {
  let offset = 0;
  let list: string | null = null;
  for (;;) {
    const line = PSEUDO_HEADER.exec(raw.subarray(offset, offset + 4096).toString('latin1'));
    if (line === null) break;
    const [name, value] = line[0].split(': ', 2) as [string, string];
    if (name.toLowerCase() === 'x-sympa-to') list = value.trim().toLowerCase() || null;
    offset += line[0].length;
  }
  return { list, message: raw.subarray(offset) };
}

/** The queueing time in a spool file name `<list>.<time>.<pid>`, in ms; null when the name has none. */
function queuedAt(name: string): number | null {
  const match = /\.(\d{9,11})\.\d+(?:,.*)?$/.exec(name);
  return match?.[1] === undefined ? null : Number(match[1]) * 1000;
}

/**
 * Sympa's bounce spool directory (sympa.conf `queuebounce`, e.g. /var/spool/sympa/bounce), read without touching it:
 * its files belong to Sympa's bounced, which removes them once processed. Keys are file names (unique: list, time,
 * pid); the list a bounce came back for is the file's `X-Sympa-To` pseudo-header.
 */
export function openSympaDirSource(directory: string, options: { batchSize?: number } = {}): BounceMailbox {
  const dir = resolve(directory);
  const batchSize = options.batchSize ?? BATCH_SIZE;
  let files: string[] = [];

  return {
    name: `sympa:${dir}`,

    async open(): Promise<MailboxState> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        throw unreadableFile({ en: 'Sympa bounce directory', fr: 'le répertoire des rebonds de Sympa' }, dir, error);
      }
      // bad/ holds what Sympa itself could not process; it is Sympa's to review, and a subfolder anyway.
      files = entries
        .filter((e) => e.isFile() && !e.name.startsWith(TEMPORARY_PREFIX) && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
      return { uidValidity: null, total: files.length };
    },

    async *batches(isKnown: (key: string) => boolean): AsyncIterable<MailboxMessage[]> {
      for (let i = 0; i < files.length; i += batchSize) {
        const batch: MailboxMessage[] = [];
        for (const name of files.slice(i, i + batchSize)) {
          const path = join(dir, name);
          if (isKnown(name)) {
            batch.push({ key: name, raw: null, size: null, receivedAt: queuedAt(name), list: null, ref: null });
            continue;
          }
          let read;
          try {
            read = await readCapped(path, MAX_MESSAGE_BYTES);
          } catch (error) {
            // bounced processed and removed it since the listing.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
            // Sympa writes its spool 0600: a facteur user outside Sympa's group cannot read it, which the user must fix.
            const receivedAt = queuedAt(name);
            batch.push({ key: name, raw: null, size: null, receivedAt, list: null, ref: path, readError: error });
            continue;
          }
          const { list, message } = splitSympaSpoolFile(read.raw);
          const receivedAt = queuedAt(name) ?? Math.floor(read.mtimeMs);
          batch.push({ key: name, raw: message, size: read.size, receivedAt, list, ref: null });
        }
        yield batch;
      }
    },

    settle(items): Promise<SettleOutcome> {
      return Promise.resolve({ moved: 0, flagged: 0, left: items.length, failed: 0 });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
