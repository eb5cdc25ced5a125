import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { isEpochSeconds, parseSympaBounce } from './parse-sympa-bounce.js';
import { isMemberAddress } from './read-member-dump.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/**
 * The columns of Sympa 6.2's `subscriber_table` (src/lib/Sympa/DatabaseDescription.pm) that facteur reads, whatever
 * the database: SQLite, MySQL/MariaDB or PostgreSQL. Without one of them this is not Sympa 6.2's table.
 */
const REQUIRED_COLUMNS = [
  'list_subscriber',
  'robot_subscriber',
  'user_subscriber',
  'comment_subscriber',
  'date_epoch_subscriber',
  'bounce_subscriber',
  'bounce_score_subscriber',
] as const;

/**
 * Where a member came from: `inclusion_subscriber` and `inclusion_label_subscriber` replaced `included_subscriber` in
 * Sympa 6.2.45. An older database lacks them; its members are read with no inclusion rather than refused.
 */
const INCLUSION_COLUMNS = ['inclusion_subscriber', 'inclusion_label_subscriber', 'subscribed_subscriber'] as const;

type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof INCLUSION_COLUMNS)[number];

/** A cell as the drivers hand it over: SQLite gives numbers or Buffers, MySQL numbers, PostgreSQL int8 as text. */
export type Cell = string | number | bigint | Buffer | null;

/** One row of the columns `subscriberSelect` names. */
export type SubscriberRow = Record<Column, Cell>;

/** Which rows to read: `name@domain` is one list, `name` that name on every domain, undefined every list. */
export interface SubscriberFilter {
  list: string | null;
  robot: string | null;
}

/** Splits `--list` the way Sympa names a list: `name@domain`, or `name` alone for every domain. */
export function subscriberFilter(list: string | undefined): SubscriberFilter {
  if (list === undefined) return { list: null, robot: null };
  const at = list.indexOf('@');
  return at === -1 ? { list, robot: null } : { list: list.slice(0, at), robot: list.slice(at + 1) };
}

/** The WHERE clause for `--list` with `?` placeholders (SQLite, MySQL), and the values that fill them, in order. */
export function subscriberWhere(list: string | undefined): { where: string; values: string[] } {
  const filter = subscriberFilter(list);
  const conditions: string[] = [];
  const values: string[] = [];
  if (filter.list !== null) {
    conditions.push('list_subscriber = ?');
    values.push(filter.list);
  }
  if (filter.robot !== null) {
    conditions.push('robot_subscriber = ?');
    values.push(filter.robot);
  }
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, values };
}

/** The start of every message about the table: where it was read, in each language. */
function cannotRead(where: Text): Text {
  return {
    en: `Cannot read Sympa subscriber_table in ${where.en}`,
    fr: `Impossible de lire la table subscriber_table de Sympa dans ${where.fr}`,
  };
}

/**
 * The SELECT list for the table's actual columns (`present`, lower-case names); the inclusion columns an older Sympa
 * lacks are read as NULL. Throws an InputError naming `where` when a required column is missing.
 */
export function subscriberSelect(present: ReadonlySet<string>, where: Text, location: { file?: string }): string {
  const start = cannotRead(where);
  if (present.size === 0)
    throw new InputError(
      {
        en: `${start.en}: no such table; is this Sympa 6.2's database?`,
        fr: `${start.fr} : la table n’existe pas ; est-ce bien la base de données de Sympa 6.2 ?`,
      },
      location,
    );
  const missing = REQUIRED_COLUMNS.filter((column) => !present.has(column));
  if (missing.length > 0)
    throw new InputError(
      {
        en: `${start.en}: missing column "${missing.join('", "')}"; is this Sympa 6.2's database?`,
        fr: `${start.fr} : ${missing.length === 1 ? 'colonne manquante' : 'colonnes manquantes'} « ${missing.join(' », « ')} » ; est-ce bien la base de données de Sympa 6.2 ?`,
      },
      location,
    );
  return [
    ...REQUIRED_COLUMNS,
    ...INCLUSION_COLUMNS.map((column) => (present.has(column) ? column : `NULL AS ${column}`)),
  ].join(', ');
}

/**
 * The `report` that toSympaMember calls for a damaged row: an InputError naming `where` and the record, thrown, or
 * handed to `onInputError` when the caller collects them.
 */
export function subscriberRowReport(
  where: Text,
  location: { file?: string },
  options: SympaReadOptions,
): (message: Text, record: string) => void {
  const start = cannotRead(where);
  return (message, record) => {
    const error = new InputError(
      { en: `${start.en}: ${message.en}`, fr: `${start.fr} : ${message.fr}` },
      { ...location, record },
    );
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
}

function text(cell: Cell): string | null {
  if (cell === null) return null;
  if (Buffer.isBuffer(cell)) return cell.toString('utf8');
  return String(cell);
}

function epoch(cell: Cell): Date | null | undefined {
  if (cell === null) return null;
  const seconds = Number(cell);
  return isEpochSeconds(seconds) ? new Date(seconds * 1000) : undefined;
}

/** The fault of an epoch column that holds something else. */
function notEpoch(column: string, cell: Cell): Text {
  const value = text(cell) ?? '';
  return {
    en: `${column} "${value}" is not Unix seconds`,
    fr: `${column} « ${value} » n’est pas un horodatage Unix en secondes`,
  };
}

/**
 * Turns a row into a member, Sympa's own bounce data and data-source membership included; a damaged field is
 * reported (with `record`, "list@domain address") and left empty, a row without an address is skipped.
 */
export function toSympaMember(row: SubscriberRow, report: (message: Text, record: string) => void): SympaMember | null {
  const list = `${text(row.list_subscriber) ?? ''}@${text(row.robot_subscriber) ?? ''}`;
  const email = text(row.user_subscriber) ?? '';
  const record = `${list} ${email}`;
  if (!isMemberAddress(email)) {
    const shown = email.slice(0, 80);
    report(
      { en: `user_subscriber "${shown}" is not an address`, fr: `user_subscriber « ${shown} » n’est pas une adresse` },
      record,
    );
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
    inclusion: null,
    isSubscribed: null,
  };
  const date = epoch(row.date_epoch_subscriber);
  if (date === undefined) {
    report(notEpoch('date_epoch_subscriber', row.date_epoch_subscriber), record);
  } else member.subscribedAt = date;
  const bounce = text(row.bounce_subscriber);
  // `sympa bouncers reset` sets NULL; a blank value, written by hand or by another tool, holds no bounce either.
  if (bounce !== null && bounce.trim() !== '') {
    member.bounce = parseSympaBounce(bounce);
    if (member.bounce === null)
      report(
        {
          en: `bounce_subscriber "${bounce}" is not "first last count status"`,
          fr: `bounce_subscriber « ${bounce} » n’est pas de la forme « premier dernier nombre statut »`,
        },
        record,
      );
  }
  if (row.bounce_score_subscriber !== null) {
    const score = Number(row.bounce_score_subscriber);
    if (Number.isSafeInteger(score) && score >= 0) member.bounceScore = score;
    else {
      const value = text(row.bounce_score_subscriber) ?? '';
      report(
        {
          en: `bounce_score_subscriber "${value}" is not a number`,
          fr: `bounce_score_subscriber « ${value} » n’est pas un nombre`,
        },
        record,
      );
    }
  }
  // Sympa's own test for "subscribed": `subscribed_subscriber = 1`; NULL or 0 is a member only a data source holds.
  if (row.subscribed_subscriber !== null) member.isSubscribed = Number(row.subscribed_subscriber) === 1;
  const syncedAt = epoch(row.inclusion_subscriber);
  if (syncedAt === undefined) {
    report(notEpoch('inclusion_subscriber', row.inclusion_subscriber), record);
  } else if (syncedAt !== null) {
    const label = text(row.inclusion_label_subscriber);
    member.inclusion = { dataSource: label === null || label.trim() === '' ? null : label, syncedAt };
    member.isSubscribed ??= false;
  }
  return member;
}
