import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../errors.js';
import { readLines } from '../sympa/read-lines.js';
import { parseTimestamp, parseUnixTime } from './parse-unix-time.js';

/** One user's last login as the last_login plugin recorded it. */
export interface LastLogin {
  user: string;
  lastLogin: Date;
}

/**
 * Where the last logins come from, each optional and read in this order:
 * - `doveadmDictIter`: a file holding the output of
 *   `doveadm -f tab dict iter -R <last_login_dict> shared/last-login/` (or the default table formatter), one
 *   `key<TAB>value` line per user after the `key value` header; works for every dict driver (file, redis,
 *   proxy::sql) since doveadm reads the dict the plugin writes;
 * - `csv`: a CSV export of the dict or of its SQL table, with a `user` (or `username`) column and a `last_login`
 *   (or `lastLogin`) column holding Unix seconds, milliseconds or an ISO 8601 date-time with its offset;
 * - `keyPrefix`: the dict key before the user name: `shared/` plus the plugin's `last_login_key` without `%u`
 *   (Dovecot 2.3's default `last-login/%u` gives `shared/last-login/`).
 */
export interface LastLoginSource {
  doveadmDictIter?: string;
  csv?: string;
  keyPrefix?: string;
}

/** How a reader hands over a bad line it skipped; without it the first bad line stops the read. */
export interface MailboxReadOptions {
  onInputError?: (error: InputError) => void;
}

/** Dovecot 2.3's default: `last_login_key = last-login/%u`, in the shared namespace of the dict. */
export const DEFAULT_LAST_LOGIN_KEY_PREFIX = 'shared/last-login/';

/** Reads the last logins Dovecot's last_login plugin recorded, from doveadm's dict listing and/or a CSV export. */
export async function* readLastLogins(
  source: LastLoginSource,
  options: MailboxReadOptions = {},
): AsyncGenerator<LastLogin> {
  if (source.doveadmDictIter !== undefined)
    yield* readDictIter(source.doveadmDictIter, source.keyPrefix ?? DEFAULT_LAST_LOGIN_KEY_PREFIX, options);
  if (source.csv !== undefined) yield* readCsv(source.csv, options);
}

function reporter(what: string, file: string, options: MailboxReadOptions) {
  return (message: string, line: number): void => {
    const error = new InputError(`Cannot read ${what} "${file}": ${message}`, { file, line });
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
}

async function* readDictIter(file: string, prefix: string, options: MailboxReadOptions): AsyncGenerator<LastLogin> {
  const report = reporter('doveadm dict iter output', file, options);
  for await (const line of readLines(file, 'doveadm dict iter output')) {
    if (line.isTooLong) {
      report('line is too long', line.number);
      continue;
    }
    const text = line.text.trim();
    if (text === '') continue;
    // doveadm's tab formatter separates with a tab, its table formatter pads with spaces; keys and values hold neither.
    const cells = text.split(/\s+/);
    if (line.number === 1 && cells[0] === 'key' && cells[1] === 'value') continue;
    const [key = '', value = ''] = cells;
    if (cells.length !== 2 || !key.startsWith(prefix) || key.length === prefix.length) {
      report(`expected "${prefix}<user> <time>", found "${text.slice(0, 120)}"`, line.number);
      continue;
    }
    const lastLogin = parseUnixTime(value);
    if (lastLogin === null) {
      report(`"${value}" is not a Unix time`, line.number);
      continue;
    }
    yield { user: key.slice(prefix.length), lastLogin };
  }
}

async function* readCsv(file: string, options: MailboxReadOptions): AsyncGenerator<LastLogin> {
  const report = reporter('last-login CSV', file, options);
  const input = createReadStream(file);
  const parser = input.pipe(
    parse({ bom: true, columns: true, skip_empty_lines: true, info: true, relax_column_count: true, trim: true }),
  );
  // pipe() does not forward a read error (ENOENT, EACCES): hand it to the parser so the loop below sees it.
  input.on('error', (error) => parser.destroy(error));
  let columns: { user: string; lastLogin: string } | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      columns ??= pickColumns(Object.keys(record), file);
      const user = record[columns.user] ?? '';
      const value = record[columns.lastLogin] ?? '';
      if (user === '' || /\s/.test(user)) {
        report(`user "${user}" is empty or holds spaces`, info.lines);
        continue;
      }
      const lastLogin = parseTimestamp(value);
      if (lastLogin === null) {
        report(`"${value}" is not a Unix time or an ISO 8601 date-time with its offset`, info.lines);
        continue;
      }
      yield { user, lastLogin };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new InputError(`Cannot read last-login CSV "${file}": ${typeof code === 'string' ? code : String(error)}`, {
      file,
    });
  }
}

function pickColumns(header: string[], file: string): { user: string; lastLogin: string } {
  const user = header.find((name) => ['user', 'username'].includes(name.toLowerCase()));
  const lastLogin = header.find((name) => ['last_login', 'lastlogin'].includes(name.toLowerCase()));
  if (user === undefined || lastLogin === undefined)
    throw new InputError(`Cannot read last-login CSV "${file}": the header needs "user" and "last_login" columns`, {
      file,
      line: 1,
    });
  return { user, lastLogin };
}
