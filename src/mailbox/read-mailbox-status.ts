import { InputError } from '../errors.js';
import { readLines } from '../sympa/read-lines.js';
import type { MailboxReadOptions } from './read-last-logins.js';
import { parseUnixTime } from './parse-unix-time.js';

/** The newest message saved to one user's INBOX. */
export interface NewestSaved {
  user: string;
  newestSavedAt: Date;
}

/** The doveadm command whose output `readMailboxStatus` reads; written here so docs and tests quote the same one. */
export const NEWEST_SAVED_COMMAND = [
  'doveadm',
  '-f',
  'tab',
  'fetch',
  '-A',
  'date.saved.unixtime',
  'mailbox',
  'INBOX',
  '*',
];

/**
 * Reads the newest saved date of each user's INBOX from the output of
 * `doveadm -f tab fetch -A 'date.saved.unixtime' mailbox INBOX '*'`.
 * `doveadm mailbox status` only offers `firstsaved` (the oldest); the bare `*` sequence set is the last message,
 * the highest UID, which is the one saved last (RFC 3501 2.3.1.1: UIDs ascend in the order messages are added).
 * One row per user with mail, after a `Username<TAB>date.saved.unixtime` header; users whose INBOX is empty have no
 * row. In Maildir the saved date is the file's ctime: an IMAP APPEND's internal date does not change it.
 */
export async function* readMailboxStatus(file: string, options: MailboxReadOptions = {}): AsyncGenerator<NewestSaved> {
  const report = (message: string, line: number): void => {
    const error = new InputError(`Cannot read doveadm fetch output "${file}": ${message}`, { file, line });
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
  let columns: { user: number; saved: number } | null = null;
  for await (const line of readLines(file, 'doveadm fetch output')) {
    if (line.isTooLong) {
      report('line is too long', line.number);
      continue;
    }
    if (line.text.trim() === '') continue;
    const cells = line.text.split('\t');
    if (columns === null) {
      const user = cells.findIndex((cell) => cell.trim().toLowerCase() === 'username');
      const saved = cells.findIndex((cell) => cell.trim() === 'date.saved.unixtime');
      if (user === -1 || saved === -1) {
        throw new InputError(
          `Cannot read doveadm fetch output "${file}": the header needs "Username" and "date.saved.unixtime" (run ${NEWEST_SAVED_COMMAND.join(' ')})`,
          { file, line: line.number },
        );
      }
      columns = { user, saved };
      continue;
    }
    const user = cells[columns.user]?.trim() ?? '';
    const value = cells[columns.saved]?.trim() ?? '';
    if (user === '' || /\s/.test(user)) {
      report(`user "${user}" is empty or holds spaces`, line.number);
      continue;
    }
    const newestSavedAt = parseUnixTime(value);
    if (newestSavedAt === null) {
      report(`"${value}" is not a Unix time`, line.number);
      continue;
    }
    yield { user, newestSavedAt };
  }
}
