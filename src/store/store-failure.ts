import { systemFailure, type InputError, type TransientError } from '../errors.js';
import type { Text } from '../i18n.js';
import { writeLockHolder } from './lock-holder.js';

/** How long a writer waits for another run's transaction before giving up: long enough for a nightly batch commit. */
export const BUSY_TIMEOUT_MS = 10_000;

/** What SQLite's error codes (better-sqlite3's SqliteError `code`) say of the file or its disk, by code prefix. */
const REASONS: { prefixes: string[]; transient: boolean; reason: Text }[] = [
  {
    prefixes: ['SQLITE_NOTADB'],
    transient: false,
    reason: { en: 'the file is not a SQLite database', fr: 'ce fichier n’est pas une base de données SQLite' },
  },
  {
    prefixes: ['SQLITE_CORRUPT'],
    transient: false,
    reason: {
      en: 'the database is damaged: restore it from a backup, or move it aside to start a new one',
      fr: 'la base de données est endommagée : restaurez-la depuis une sauvegarde, ou déplacez-la pour en commencer une nouvelle',
    },
  },
  {
    prefixes: ['SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH'],
    transient: false,
    reason: {
      en: 'SQLite cannot open it: check that it is a file, that it exists where it must, and that this user may read and write it and its directory',
      fr: 'SQLite ne peut pas l’ouvrir : vérifiez que c’est un fichier, qu’il existe s’il le faut, et que cet utilisateur peut le lire et l’écrire, ainsi que son répertoire',
    },
  },
  {
    prefixes: ['SQLITE_READONLY'],
    transient: false,
    reason: {
      en: 'this user may not write it: SQLite writes the file and, beside it in its directory, its -wal and -shm files',
      fr: 'cet utilisateur ne peut pas l’écrire : SQLite écrit le fichier et, à côté dans son répertoire, ses fichiers -wal et -shm',
    },
  },
  {
    prefixes: ['SQLITE_FULL'],
    transient: true,
    reason: {
      en: 'the disk is full: free some space and run again',
      fr: 'le disque est plein : libérez de la place et relancez',
    },
  },
  {
    prefixes: ['SQLITE_IOERR'],
    transient: true,
    reason: {
      en: 'the disk failed to read or write it: check the disk, then run again',
      fr: 'le disque n’a pas pu la lire ou l’écrire : vérifiez le disque, puis relancez',
    },
  },
  {
    prefixes: ['SQLITE_BUSY', 'SQLITE_LOCKED'],
    transient: true,
    reason: {
      en: 'another process kept it locked for too long: run again once it is done',
      fr: 'un autre processus l’a gardée verrouillée trop longtemps : relancez quand il aura fini',
    },
  },
];

/** The database this process opened last: each command opens one, and an error met while using it does not say which. */
let openedPath: string | undefined;

/** Notes the database a command opens, so that a lock held too long by another process can be said of it. */
export function noteOpenedDatabase(path: string): void {
  openedPath = path;
}

/** Whether `error` is SQLite's answer that another connection kept the database locked past the busy timeout. */
export function isDatabaseBusy(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'SqliteError' &&
    'code' in error &&
    String(error.code).startsWith('SQLITE_BUSY')
  );
}

/**
 * Who keeps the database `path` locked, for a notice of a writer waiting for it: the process holding its write lock
 * when /proc tells (`"facteur dormant" (pid 1234)`), else another process.
 */
export function lockedBy(path: string): Text {
  const holder = writeLockHolder(path);
  return holder === undefined
    ? { en: 'another process', fr: 'un autre processus' }
    : { en: `"${holder.command}" (pid ${holder.pid})`, fr: `« ${holder.command} » (pid ${holder.pid})` };
}

/**
 * What a lock held too long is said of: the database, and the process holding its write lock when /proc tells
 * (`facteur dormant`, pid 1234), so that the user knows what to wait for or whom to ask. Without a holder found, the
 * database this process opened is not named: the lock may have been another one's (Sympa's, read during an import).
 */
function lockHeldBy(path: string | undefined): { path: string; reason: Text } | undefined {
  const holder = path === undefined ? undefined : writeLockHolder(path);
  if (path === undefined || holder === undefined) return undefined;
  const { command, pid } = holder;
  const seconds = BUSY_TIMEOUT_MS / 1000;
  return {
    path,
    reason: {
      en: `"${command}" (pid ${pid}) kept it locked for more than ${seconds} s: run again once it is done`,
      fr: `« ${command} » (pid ${pid}) l’a gardée verrouillée plus de ${seconds} s : relancez quand il aura fini`,
    },
  };
}

/**
 * An error SQLite raised about a database file or its disk, as a message for people: a file that is no database, a
 * damaged one or missing rights are the user's to fix (exit 2); a full disk, an I/O error or a lock held too long may
 * pass (exit 3: the work stops at its last commit, and running again is safe). Any other error, an SQL mistake above
 * all, is facteur's own, and gets undefined. `path` is the file, when the caller knows it; a lock held too long is
 * looked for on the database this process opened when it does not.
 */
export function storeFailure(error: unknown, path?: string): InputError | TransientError | undefined {
  // By name, not by class: this module is read by every command, and better-sqlite3 only by those with a store.
  if (!(error instanceof Error) || error.name !== 'SqliteError' || !('code' in error)) return undefined;
  const code = String(error.code);
  const known = REASONS.find((each) => each.prefixes.some((prefix) => code.startsWith(prefix)));
  if (known === undefined) return undefined;
  const held = code.startsWith('SQLITE_BUSY') ? lockHeldBy(path ?? openedPath) : undefined;
  const file = held?.path ?? path;
  const what: Text =
    file === undefined
      ? { en: 'Cannot use the database', fr: 'Impossible d’utiliser la base de données' }
      : { en: `Cannot use database "${file}"`, fr: `Impossible d’utiliser la base de données « ${file} »` };
  const reason = held?.reason ?? known.reason;
  return systemFailure(
    { what, reason, code, transient: known.transient, ...(file === undefined ? {} : { file }) },
    error,
  );
}
