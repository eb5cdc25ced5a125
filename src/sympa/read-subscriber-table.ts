import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import {
  subscriberRowReport,
  subscriberSelect,
  subscriberWhere,
  toSympaMember,
  type SubscriberRow,
} from './subscriber-row.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/**
 * How long to wait when Sympa holds a write lock (a `sympa add` batch, bounced.pl recording a bounce): Sympa's own
 * transactions are short, so a few seconds is plenty and a stuck lock still ends the run with a clear error.
 */
const BUSY_TIMEOUT_MS = 5_000;

/** Which members to read: a list as `name@domain`, or `name` for that name on every domain; all lists without it. */
export interface SubscriberTableOptions extends SympaReadOptions {
  list?: string;
}

/**
 * Reads the members of Sympa's SQLite database (`db_type SQLite` in sympa.conf; Debian puts it in
 * /var/lib/dbconfig-common/sqlite3/sympa/sympa), Sympa's own bounce data included: `bounce_subscriber`
 * ("first last count status", written by bounced.pl) and `bounce_score_subscriber` (written by the
 * `eval_bouncers` task), and where each member came from (a subscription, a data source). The file is opened
 * read-only and rows are streamed in the table's own order: sorting a million rows would cost more than the whole
 * rest of the read, and the store sorts what it keeps anyway.
 * This is Sympa's database, not facteur's store: nothing here ever writes.
 */
export function* readSubscriberTable(dbFile: string, options: SubscriberTableOptions = {}): Generator<SympaMember> {
  const place = { en: `"${dbFile}"`, fr: `« ${dbFile} »` };
  const report = subscriberRowReport(place, { file: dbFile }, options);
  const db = openReadOnly(dbFile);
  try {
    const present = new Set(
      (db.prepare('SELECT name FROM pragma_table_info(?)').all('subscriber_table') as { name: string }[]).map(
        (column) => column.name.toLowerCase(),
      ),
    );
    const columns = subscriberSelect(present, place, { file: dbFile });
    const { where, values } = subscriberWhere(options.list);
    const rows = db
      .prepare(`SELECT ${columns} FROM subscriber_table ${where}`)
      .iterate(...values) as IterableIterator<SubscriberRow>;
    for (const row of rows) {
      const member = toSympaMember(row, report);
      if (member !== null) yield member;
    }
  } finally {
    db.close();
  }
}

function cannotOpen(dbFile: string, error: unknown): InputError {
  const detail = (error as Error).message;
  return new InputError(
    {
      en: `Cannot open Sympa database "${dbFile}": ${detail}`,
      fr: `Impossible d’ouvrir la base de données de Sympa « ${dbFile} » : ${detail}`,
    },
    { file: dbFile },
  );
}

function openReadOnly(dbFile: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw cannotOpen(dbFile, error);
  }
  try {
    // Belt and braces on top of the read-only handle: Sympa's data is never facteur's to change.
    db.pragma('query_only = ON');
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (error) {
    db.close();
    throw cannotOpen(dbFile, error);
  }
  return db;
}
