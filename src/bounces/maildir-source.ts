import { open, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fileErrorReason, unreadableFile } from '../file-failure.js';
import {
  BATCH_SIZE,
  MAX_MESSAGE_BYTES,
  emptyOutcome,
  type BounceMailbox,
  type Disposition,
  type MailboxMessage,
  type MailboxState,
  type SettleOutcome,
} from './bounce-mailbox.js';

/** Maildir++ subfolders (a leading dot), so an IMAP server on the same Maildir shows them as folders. */
const SUBFOLDERS: Record<Disposition, string> = { done: '.facteur-done', odd: '.facteur-odd' };

/** The unique part of a Maildir file name: everything before the ":2," info (cr.yp.to/proto/maildir.html). */
export function maildirUniqueName(file: string): string {
  const colon = file.indexOf(':');
  return colon < 0 ? file : file.slice(0, colon);
}

/** The delivery time a Maildir name starts with (seconds since the epoch), in ms; null when it has none. */
function deliveryTime(file: string): number | null {
  const match = /^(\d{9,11})\./.exec(file);
  return match?.[1] === undefined ? null : Number(match[1]) * 1000;
}

/** Reads a file, at most `limit` bytes, its full size and its modification time (Unix ms). */
export async function readCapped(path: string, limit: number): Promise<{ raw: Buffer; size: number; mtimeMs: number }> {
  const handle = await open(path, 'r');
  try {
    const { size, mtimeMs } = await handle.stat();
    const length = Math.min(size, limit);
    const raw = Buffer.alloc(length);
    let offset = 0;
    while (offset < length) {
      const { bytesRead } = await handle.read(raw, offset, length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return { raw: raw.subarray(0, offset), size, mtimeMs };
  } finally {
    await handle.close();
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A Maildir read from disk: the files of `new/` then `cur/`, keyed by their unique name (which survives the flag
 * changes a mail client makes). Once recorded, a file is renamed into the `.facteur-done` or `.facteur-odd` Maildir++
 * subfolder; rename(2) within one file system is atomic, so a message is never in two places or none.
 */
export function openMaildirSource(directory: string, options: { batchSize?: number } = {}): BounceMailbox {
  const dir = resolve(directory);
  const batchSize = options.batchSize ?? BATCH_SIZE;
  let files: string[] = [];

  return {
    name: `maildir:${dir}`,

    async open(): Promise<MailboxState> {
      if (!(await isDirectory(join(dir, 'new'))) || !(await isDirectory(join(dir, 'cur'))))
        throw new InputError(
          {
            en: `Cannot read Maildir "${dir}": it has no "new" and "cur" folders`,
            fr: `Impossible de lire le Maildir « ${dir} » : il n’a pas les dossiers « new » et « cur »`,
          },
          { file: dir },
        );
      files = [];
      // Only regular files are messages: a directory someone made in new/ is not one, and a FIFO would block a read.
      for (const sub of ['new', 'cur']) {
        let entries;
        try {
          entries = await readdir(join(dir, sub), { withFileTypes: true });
        } catch (error) {
          throw unreadableFile({ en: 'Maildir folder', fr: 'le dossier de Maildir' }, join(dir, sub), error);
        }
        const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
        for (const name of names.sort()) files.push(join(dir, sub, name));
      }
      for (const disposition of ['done', 'odd'] as const)
        for (const sub of ['cur', 'new', 'tmp']) {
          const folder = join(dir, SUBFOLDERS[disposition], sub);
          try {
            await mkdir(folder, { recursive: true });
          } catch (error) {
            // Nothing is read before the folders recorded messages move into exist: a run that could only record
            // would leave every message in new/ and read it again, known, run after run.
            const reason = fileErrorReason(error);
            throw new InputError(
              {
                en: `Cannot use Maildir "${dir}": cannot create "${folder}": ${reason.en}; facteur moves each recorded message into ${SUBFOLDERS.done} or ${SUBFOLDERS.odd}, so it must be able to write in the Maildir`,
                fr: `Impossible d’utiliser le Maildir « ${dir} » : impossible de créer « ${folder} » : ${reason.fr} ; facteur déplace chaque message enregistré dans ${SUBFOLDERS.done} ou ${SUBFOLDERS.odd}, il doit donc pouvoir écrire dans le Maildir`,
              },
              { file: dir },
            );
          }
        }
      return { uidValidity: null, total: files.length };
    },

    async *batches(isKnown: (key: string) => boolean): AsyncIterable<MailboxMessage[]> {
      for (let i = 0; i < files.length; i += batchSize) {
        const batch: MailboxMessage[] = [];
        for (const path of files.slice(i, i + batchSize)) {
          const name = basename(path);
          const key = maildirUniqueName(name);
          const receivedAt = deliveryTime(name);
          if (isKnown(key)) {
            batch.push({ key, raw: null, size: null, receivedAt, list: null, ref: path });
            continue;
          }
          let read;
          try {
            read = await readCapped(path, MAX_MESSAGE_BYTES);
          } catch (error) {
            // A mail client may have moved the file since the listing: it is no longer ours to read.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
            batch.push({ key, raw: null, size: null, receivedAt, list: null, ref: path, readError: error });
            continue;
          }
          const mtime = receivedAt ?? read.mtimeMs;
          batch.push({ key, raw: read.raw, size: read.size, receivedAt: Math.floor(mtime), list: null, ref: path });
        }
        yield batch;
      }
    },

    async settle(items): Promise<SettleOutcome> {
      const outcome = emptyOutcome();
      for (const { message, disposition } of items) {
        if (typeof message.ref !== 'string') continue;
        const name = basename(message.ref);
        // A file from new/ has no info yet; in cur/ it must carry one (":2," and its flags, here S for seen).
        const target = name.includes(':') ? name : `${name}:2,S`;
        try {
          await rename(message.ref, join(dir, SUBFOLDERS[disposition], 'cur', target));
          outcome.moved++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            outcome.left++;
            continue;
          }
          outcome.failed++;
          // new/ and cur/ must be writable too: a rename takes the file out of them.
          const reason = fileErrorReason(error);
          outcome.failure ??= {
            en: `cannot move "${message.ref}": ${reason.en}`,
            fr: `impossible de déplacer « ${message.ref} » : ${reason.fr}`,
          };
        }
      }
      return outcome;
    },

    close(): Promise<void> {
      files = [];
      return Promise.resolve();
    },
  };
}
