import { InputError } from '../errors.js';
import { parseEpochSeconds } from './parse-sympa-bounce.js';
import { isMemberAddress } from './read-member-dump.js';
import { readLines } from './read-lines.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/** The header wwsympa's `do_export_member` prints first in the `bounce` format (tab-separated). */
const BOUNCE_HEADER = ['Email', 'Name', 'Bounce score', 'Bounce count', 'First bounce', 'Last bounce'].join('\t');

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
  const report = (message: string, line: number): void => {
    const error = new InputError(`Cannot read Sympa member export "${file}": ${message}`, { file, line });
    if (options.onInputError === undefined) throw error;
    options.onInputError(error);
  };
  let isBounceFormat = false;
  for await (const line of readLines(file, 'Sympa member export')) {
    if (line.isTooLong) {
      report('line is too long', line.number);
      continue;
    }
    if (line.isInvalidUtf8) report('line is not UTF-8', line.number);
    if (line.text.startsWith('#')) {
      if (line.number === 1 && line.text.slice(1).trim() === BOUNCE_HEADER) isBounceFormat = true;
      continue;
    }
    if (line.text.trim() === '') continue;
    const cells = line.text.split('\t');
    const email = (cells[0] ?? '').trim();
    if (!isMemberAddress(email)) {
      report(`"${email.slice(0, 80)}" is not an address`, line.number);
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
        report(`expected 6 tab-separated columns, found ${cells.length}`, line.number);
        continue;
      }
      readBounceColumns(member, cells, (message) => {
        report(message, line.number);
      });
    } else if (cells.length > 2) {
      report(`expected "email" or "email<TAB>name", found ${cells.length} columns`, line.number);
    }
    yield member;
  }
}

function readBounceColumns(member: SympaMember, cells: string[], report: (message: string) => void): void {
  const [, , score = '', count = '', first = '', last = ''] = cells.map((cell) => cell.trim());
  if (score !== '') {
    member.bounceScore = /^\d{1,9}$/.test(score) ? Number(score) : null;
    if (member.bounceScore === null) report(`bounce score "${score}" is not a number`);
  }
  const firstDate = parseEpochSeconds(first);
  const lastDate = parseEpochSeconds(last);
  if (firstDate === null || lastDate === null || !/^\d{1,9}$/.test(count)) {
    report(`bounce count "${count}", first "${first}" and last "${last}" are not numbers`);
    return;
  }
  member.bounce = { first: firstDate, last: lastDate, count: Number(count), status: null };
}
