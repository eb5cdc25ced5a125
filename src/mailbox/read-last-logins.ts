import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { readLines } from '../sympa/read-lines.js';
import { parseTimestamp, parseUnixTime } from './parse-unix-time.js';
import { unreadableFile } from '../file-failure.js';
import { csvFault } from '../parse/csv-fault.js';
import { columnClashText, findColumns, LAST_LOGIN_COLUMNS } from '../parse/csv-columns.js';

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
 * - `csv`: a CSV export of the dict or of its SQL table, with a `user` (or `username`, `utilisateur`…) column and a
 *   `last_login` (or `lastLogin`, `dernière connexion`…) column holding Unix seconds, milliseconds or an ISO 8601 date-time with its offset;
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

const DICT_ITER: Text = { en: 'doveadm dict iter output', fr: 'la sortie de doveadm dict iter' };
const LAST_LOGIN_CSV: Text = { en: 'last-login CSV', fr: 'le CSV des dernières connexions' };

/** Reads the last logins Dovecot's last_login plugin recorded, from doveadm's dict listing and/or a CSV export. */
export async function* readLastLogins(
  source: LastLoginSource,
  options: MailboxReadOptions = {},
): AsyncGenerator<LastLogin> {
  if (source.doveadmDictIter !== undefined)
    yield* readDictIter(source.doveadmDictIter, source.keyPrefix ?? DEFAULT_LAST_LOGIN_KEY_PREFIX, options);
  if (source.csv !== undefined) yield* readCsv(source.csv, options);
}

function reporter(what: Text, file: string, options: MailboxReadOptions) {
  return (message: Text, line: number): void => {
    const error = new InputError(
      {
        en: `Cannot read ${what.en} "${file}": ${message.en}`,
        fr: `Impossible de lire ${what.fr} « ${file} » : ${message.fr}`,
      },
      { file, line },
    );
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
}

async function* readDictIter(file: string, prefix: string, options: MailboxReadOptions): AsyncGenerator<LastLogin> {
  const report = reporter(DICT_ITER, file, options);
  for await (const line of readLines(file, DICT_ITER)) {
    if (line.isTooLong) {
      report({ en: 'line is too long', fr: 'la ligne est trop longue' }, line.number);
      continue;
    }
    const text = line.text.trim();
    if (text === '') continue;
    // doveadm's tab formatter separates with a tab, its table formatter pads with spaces; keys and values hold neither.
    const cells = text.split(/\s+/);
    if (line.number === 1 && cells[0] === 'key' && cells[1] === 'value') continue;
    const [key = '', value = ''] = cells;
    if (cells.length !== 2 || !key.startsWith(prefix) || key.length === prefix.length) {
      const shown = text.slice(0, 120);
      report(
        {
          en: `expected "${prefix}<user> <time>", found "${shown}"`,
          fr: `« ${prefix}<utilisateur> <date> » attendu, « ${shown} » trouvé`,
        },
        line.number,
      );
      continue;
    }
    const lastLogin = parseUnixTime(value);
    if (lastLogin === null) {
      report({ en: `"${value}" is not a Unix time`, fr: `« ${value} » n’est pas un horodatage Unix` }, line.number);
      continue;
    }
    yield { user: key.slice(prefix.length), lastLogin };
  }
}

async function* readCsv(file: string, options: MailboxReadOptions): AsyncGenerator<LastLogin> {
  const report = reporter(LAST_LOGIN_CSV, file, options);
  const input = createReadStream(file);
  // The header is checked as soon as it is read: a file with the wrong columns and no rows must not pass as empty.
  // Its two columns are renamed to fixed keys, whatever the export called them; the others are dropped.
  const header = (names: string[]): (string | false)[] => {
    const { user, lastLogin } = pickColumns(names, file);
    return names.map((_, index) => (index === user ? 'user' : index === lastLogin ? 'last_login' : false));
  };
  const parser = input.pipe(
    parse({ bom: true, columns: header, skip_empty_lines: true, info: true, relax_column_count: true, trim: true }),
  );
  // pipe() does not forward a read error (ENOENT, EACCES): hand it to the parser so the loop below sees it.
  input.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      const user = record.user ?? '';
      const value = record.last_login ?? '';
      if (user === '' || /\s/.test(user)) {
        report(
          {
            en: `user "${user}" is empty or holds spaces`,
            fr: `l’utilisateur « ${user} » est vide ou contient des espaces`,
          },
          info.lines,
        );
        continue;
      }
      const lastLogin = parseTimestamp(value);
      if (lastLogin === null) {
        report(
          {
            en: `"${value}" is not a Unix time or an ISO 8601 date-time with its offset`,
            fr: `« ${value} » n’est ni un horodatage Unix ni une date-heure ISO 8601 avec son décalage horaire`,
          },
          info.lines,
        );
        continue;
      }
      yield { user, lastLogin };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    // The file's own refusal (missing, forbidden, a directory), or the CSV parser's, which knows the line.
    if (error instanceof Error && 'syscall' in error) throw unreadableFile(LAST_LOGIN_CSV, file, error);
    const { text: fault, line } = csvFault(error);
    throw new InputError(
      {
        en: `Cannot parse ${LAST_LOGIN_CSV.en} "${file}": ${fault.en}`,
        fr: `Impossible d’analyser ${LAST_LOGIN_CSV.fr} « ${file} » : ${fault.fr}`,
      },
      { file, ...(line === undefined ? {} : { line }) },
    );
  }
}

/**
 * The indexes of the user's and the last login's columns, under any of their names (LAST_LOGIN_COLUMNS: `username`, `lastLogin`,
 * "Utilisateur", "Dernière connexion"…). A header missing one, or naming one twice, is refused.
 */
function pickColumns(header: string[], file: string): { user: number; lastLogin: number } {
  const { columns, clash } = findColumns(header, LAST_LOGIN_COLUMNS);
  if (clash !== undefined) {
    const why = columnClashText(clash);
    throw new InputError(
      {
        en: `Cannot read ${LAST_LOGIN_CSV.en} "${file}": ${why.en}`,
        fr: `Impossible de lire ${LAST_LOGIN_CSV.fr} « ${file} » : ${why.fr}`,
      },
      { file, line: 1 },
    );
  }
  const { user, last_login: lastLogin } = columns;
  if (user === undefined || lastLogin === undefined)
    throw new InputError(
      {
        en: `Cannot read ${LAST_LOGIN_CSV.en} "${file}": the header needs "user" and "last_login" columns (or "utilisateur" and "dernière connexion")`,
        fr: `Impossible de lire ${LAST_LOGIN_CSV.fr} « ${file} » : l’en-tête doit contenir les colonnes « user » et « last_login » (ou « utilisateur » et « dernière connexion »)`,
      },
      { file, line: 1 },
    );
  return { user: user.index, lastLogin: lastLogin.index };
}
