import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { parseEpochSeconds } from './parse-sympa-bounce.js';
import { isMemberAddress } from './read-member-dump.js';
import { readLines } from './read-lines.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/** The header wwsympa's `do_export_member` prints first in the `bounce` format (tab-separated). */
const BOUNCE_HEADER = ['Email', 'Name', 'Bounce score', 'Bounce count', 'First bounce', 'Last bounce'].join('\t');

const WHAT: Text = { en: 'Sympa member export', fr: 'l’export des abonnés Sympa' };

/** Tells whether a line is the header of the `bounce` format, which lists the bouncing members only. */
export function isBounceExportHeader(line: string): boolean {
  return line.startsWith('#') && line.slice(1).trim() === BOUNCE_HEADER;
}

/**
 * Reads a member export from Sympa's web interface (`export_member`, wwsympa.fcgi `do_export_member`), in any of its
 * three formats, told apart by their content:
 * - `light`: one address per line;
 * - `full`: `email<TAB>gecos` per line, after a `# Exported subscribers with search filter "…"` line when filtered;
 * - `bounce`: the `# Email<TAB>Name<TAB>Bounce score<TAB>Bounce count<TAB>First bounce<TAB>Last bounce` header, then
 *   one bouncing member per line; Sympa leaves the score empty until its `eval_bouncers` task has rated the member,
 *   and this format carries no DSN status.
 */
export async function* readMemberExport(
  file: string,
  list: string,
  options: SympaReadOptions = {},
): AsyncGenerator<SympaMember> {
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
  let isBounceFormat = false;
  for await (const line of readLines(file, WHAT)) {
    if (line.isTooLong) {
      report({ en: 'line is too long', fr: 'la ligne est trop longue' }, line.number);
      continue;
    }
    if (line.isInvalidUtf8) report({ en: 'line is not UTF-8', fr: 'la ligne n’est pas en UTF-8' }, line.number);
    if (line.text.startsWith('#')) {
      if (line.number === 1 && isBounceExportHeader(line.text)) isBounceFormat = true;
      continue;
    }
    if (line.text.trim() === '') continue;
    const cells = line.text.split('\t');
    const email = (cells[0] ?? '').trim();
    if (!isMemberAddress(email)) {
      const shown = email.slice(0, 80);
      report({ en: `"${shown}" is not an address`, fr: `« ${shown} » n’est pas une adresse` }, line.number);
      continue;
    }
    const gecos = (cells[1] ?? '').trim();
    const member: SympaMember = {
      list,
      email,
      gecos: gecos === '' ? null : gecos,
      subscribedAt: null,
      bounce: null,
      bounceScore: null,
      inclusion: null,
      isSubscribed: null,
    };
    if (isBounceFormat) {
      if (cells.length !== 6) {
        report(
          {
            en: `expected 6 tab-separated columns, found ${cells.length}`,
            fr: `6 colonnes séparées par des tabulations attendues, ${cells.length} trouvées`,
          },
          line.number,
        );
        continue;
      }
      readBounceColumns(member, cells, (message) => {
        report(message, line.number);
      });
    } else if (cells.length > 2) {
      report(
        {
          en: `expected "email" or "email<TAB>name", found ${cells.length} columns`,
          fr: `« email » ou « email<TAB>nom » attendu, ${cells.length} colonnes trouvées`,
        },
        line.number,
      );
    }
    yield member;
  }
}

function readBounceColumns(member: SympaMember, cells: string[], report: (message: Text) => void): void {
  const [, , score = '', count = '', first = '', last = ''] = cells.map((cell) => cell.trim());
  if (score !== '') {
    member.bounceScore = /^\d{1,9}$/.test(score) ? Number(score) : null;
    if (member.bounceScore === null)
      report({
        en: `bounce score "${score}" is not a number`,
        fr: `le score de rebond « ${score} » n’est pas un nombre`,
      });
  }
  const firstDate = parseEpochSeconds(first);
  const lastDate = parseEpochSeconds(last);
  if (firstDate === null || lastDate === null || !/^\d{1,9}$/.test(count)) {
    report({
      en: `bounce count "${count}", first "${first}" and last "${last}" are not numbers`,
      fr: `le nombre de rebonds « ${count} », le premier « ${first} » et le dernier « ${last} » ne sont pas des nombres`,
    });
    return;
  }
  member.bounce = { first: firstDate, last: lastDate, count: Number(count), status: null };
}
