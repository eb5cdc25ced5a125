import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import { isEpochSeconds, parseSympaBounce } from './parse-sympa-bounce.js';
import { isMemberAddress } from './read-member-dump.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/**
 * How long to wait when Sympa holds a write lock (a `sympa add` batch, bounced.pl recording a bounce): Sympa's own
 * transactions are short, so a few seconds is plenty and a stuck lock still ends the run with a clear error.
 */
const BUSY_TIMEOUT_MS = 5_000;

/** The columns of Sympa 6.2's `subscriber_table` (src/lib/Sympa/DatabaseDescription.pm) that facteur reads. */
const COLUMNS = [
  'list_subscriber',
  'robot_subscriber',
  'user_subscriber',
  'comment_subscriber',
  'date_epoch_subscriber',
  'bounce_subscriber',
  'bounce_score_subscriber',
] as const;

type Cell = string | number | bigint | Buffer | null;
type Row = Record<(typeof COLUMNS)[number], Cell>;

/** Which members to read: a list as `name@domain`, or `name` for that name on every domain; all lists without it. */
export interface SubscriberTableOptions extends SympaReadOptions {
  list?: string;
}

/**
 * Reads the members of Sympa's SQLite database (`db_type SQLite` in sympa.conf; Debian puts it in
 * /var/lib/dbconfig-common/sqlite3/sympa/sympa), Sympa's own bounce data included: `bounce_subscriber`
 * ("first last count status", written by bounced.pl) and `bounce_score_subscriber` (written by the
 * `eval_bouncers` task). The file is opened read-only and rows are streamed in list, domain, address order.
 * This is Sympa's database, not facteur's store: nothing here ever writes.
 */
export function* readSubscriberTable(dbFile: string, options: SubscriberTableOptions = {}): Generator<SympaMember> {
  const report = (message: string, record: string): void => {
    const error = new InputError(`Cannot read Sympa subscriber_table in "${dbFile}": ${message}`, {
      file: dbFile,
      record,
    });
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
  const db = openReadOnly(dbFile);
  try {
    const present = new Set(
      (db.prepare('SELECT name FROM pragma_table_info(?)').all('subscriber_table') as { name: string }[]).map(
        (column) => column.name,
      ),
    );
    const missing = COLUMNS.filter((column) => !present.has(column));
    if (missing.length > 0) {
      throw new InputError(
        `Cannot read Sympa subscriber_table in "${dbFile}": ${present.size === 0 ? 'no such table' : `missing column "${missing.join('", "')}"`}; is this Sympa 6.2's database?`,
        { file: dbFile },
      );
    }
    const [where, parameters] = listFilter(options.list);
    const rows = db
      .prepare(`SELECT ${COLUMNS.join(', ')} FROM subscriber_table ${where} ORDER BY 1, 2, 3`)
      .iterate(...parameters) as IterableIterator<Row>;
    for (const row of rows) {
      const member = toMember(row, report);
      if (member !== null) yield member;
    }
  } finally {
    db.close();
  }
}

function openReadOnly(dbFile: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new InputError(`Cannot open Sympa database "${dbFile}": ${(error as Error).message}`, { file: dbFile });
  }
  try {
    // Belt and braces on top of the read-only handle: Sympa's data is never facteur's to change.
    db.pragma('query_only = ON');
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (error) {
    db.close();
    throw new InputError(`Cannot open Sympa database "${dbFile}": ${(error as Error).message}`, { file: dbFile });
  }
  return db;
}

function listFilter(list: string | undefined): [string, string[]] {
  if (list === undefined) return ['', []];
  const at = list.indexOf('@');
  if (at === -1) return ['WHERE list_subscriber = ?', [list]];
  return ['WHERE list_subscriber = ? AND robot_subscriber = ?', [list.slice(0, at), list.slice(at + 1)]];
}

function text(cell: Cell): string | null {
  if (cell === null) return null;
  if (Buffer.isBuffer(cell)) return cell.toString('utf8');
  return String(cell);
}

function toMember(row: Row, report: (message: string, record: string) => void): SympaMember | null {
  const list = `${text(row.list_subscriber) ?? ''}@${text(row.robot_subscriber) ?? ''}`;
  const email = text(row.user_subscriber) ?? '';
  const record = `${list} ${email}`;
  if (!isMemberAddress(email)) {
    report(`user_subscriber "${email.slice(0, 80)}" is not an address`, record);
    return null;
  }
  const gecos = text(row.comment_subscriber);
  const member: SympaMember = {
    list,
    email,
    gecos: gecos === null || gecos.trim() === '' ? null : gecos,
    subscribedAt: null,
    bounce: null,
    bounceScore: null,
  };
  if (row.date_epoch_subscriber !== null) {
    const seconds = Number(row.date_epoch_subscriber);
    if (isEpochSeconds(seconds)) member.subscribedAt = new Date(seconds * 1000);
    else report(`date_epoch_subscriber "${text(row.date_epoch_subscriber) ?? ''}" is not Unix seconds`, record);
  }
  const bounce = text(row.bounce_subscriber);
  // `sympa bouncers reset` sets NULL; a blank value, written by hand or by another tool, holds no bounce either.
  if (bounce !== null && bounce.trim() !== '') {
    member.bounce = parseSympaBounce(bounce);
    if (member.bounce === null) report(`bounce_subscriber "${bounce}" is not "first last count status"`, record);
  }
  if (row.bounce_score_subscriber !== null) {
    const score = Number(row.bounce_score_subscriber);
    if (Number.isSafeInteger(score) && score >= 0) member.bounceScore = score;
    else report(`bounce_score_subscriber "${text(row.bounce_score_subscriber) ?? ''}" is not a number`, record);
  }
  return member;
}
