import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { readLines } from '../sympa/read-lines.js';
import type { MailboxReadOptions } from './read-last-logins.js';
import { parseUnixTime } from './parse-unix-time.js';

/** The newest message saved to one user's INBOX. */
export interface NewestSaved {
  user: string;
  newestSavedAt: Date;
}

/**
 * The doveadm command whose output `readMailboxStatus` reads; written here so docs and tests quote the same one.
 * Appending `savedsince <N>d` (doveadm-search-query(7)) bounds the output to the messages of the window that
 * matters; a user with none in it then has no row, which is the "nothing saved since" answer.
 */
export const NEWEST_SAVED_COMMAND = [
  'doveadm',
  '-f',
  'tab',
  'fetch',
  '-A',
  'date.saved.unixtime',
  'mailbox',
  'INBOX',
  'all',
];

const WHAT: Text = { en: 'doveadm fetch output', fr: 'la sortie de doveadm fetch' };

/**
 * Reads the newest saved date of each user's INBOX from the output of
 * `doveadm -f tab fetch -A 'date.saved.unixtime' mailbox INBOX all`: a `Username<TAB>date.saved.unixtime` header,
 * then one row per message; users whose INBOX is empty have no row. Yields one entry per user, at the end.
 * Why not something shorter: `doveadm mailbox status` only offers `firstsaved` (the oldest), and the sequence set
 * `*` (the last message) is resolved once for the first user under `-A` in Dovecot 2.3.19, so every user with fewer
 * messages than the first is silently left out. In Maildir the saved date is the file's ctime: an IMAP APPEND's
 * internal date does not change it.
 */
export async function* readMailboxStatus(file: string, options: MailboxReadOptions = {}): AsyncGenerator<NewestSaved> {
  const report = (message: Text, line: number): void => {
    const error = new InputError(
      {
        en: `Cannot read ${WHAT.en} "${file}": ${message.en}`,
        fr: `Impossible de lire ${WHAT.fr} « ${file} » : ${message.fr}`,
      },
      { file, line },
    );
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
  let columns: { user: number; saved: number } | null = null;
  // One entry per user with mail: a hoster's user count, not its message count.
  const newest = new Map<string, Date>();
  for await (const line of readLines(file, WHAT)) {
    if (line.isTooLong) {
      report({ en: 'line is too long', fr: 'la ligne est trop longue' }, line.number);
      continue;
    }
    if (line.text.trim() === '') continue;
    const cells = line.text.split('\t');
    if (columns === null) {
      const user = cells.findIndex((cell) => cell.trim().toLowerCase() === 'username');
      const saved = cells.findIndex((cell) => cell.trim() === 'date.saved.unixtime');
      if (user === -1 || saved === -1) {
        const command = NEWEST_SAVED_COMMAND.join(' ');
        throw new InputError(
          {
            en: `Cannot read ${WHAT.en} "${file}": the header needs "Username" and "date.saved.unixtime" (run ${command})`,
            fr: `Impossible de lire ${WHAT.fr} « ${file} » : l’en-tête doit contenir « Username » et « date.saved.unixtime » (lancez ${command})`,
          },
          { file, line: line.number },
        );
      }
      columns = { user, saved };
      continue;
    }
    const user = cells[columns.user]?.trim() ?? '';
    const value = cells[columns.saved]?.trim() ?? '';
    if (user === '' || /\s/.test(user)) {
      report(
        {
          en: `user "${user}" is empty or holds spaces`,
          fr: `l’utilisateur « ${user} » est vide ou contient des espaces`,
        },
        line.number,
      );
      continue;
    }
    const newestSavedAt = parseUnixTime(value);
    if (newestSavedAt === null) {
      report({ en: `"${value}" is not a Unix time`, fr: `« ${value} » n’est pas un horodatage Unix` }, line.number);
      continue;
    }
    const known = newest.get(user);
    if (known === undefined || known < newestSavedAt) newest.set(user, newestSavedAt);
  }
  for (const [user, newestSavedAt] of newest) yield { user, newestSavedAt };
}
