import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { decodeText, type EncodingVerdict } from '../parse/text-encoding.js';
import type { DormantReason } from './judge-address.js';
import { unreadableFile } from '../file-failure.js';
import { csvFault } from '../parse/csv-fault.js';

/**
 * LimeSurvey's participant `emailstatus` for each reason: `OptOut` keeps a complainant out of every later
 * invitation, `bounced` and `invalid` are the values LimeSurvey's own bounce processing sets.
 */
const EMAIL_STATUS: Record<DormantReason, string> = {
  complained: 'OptOut',
  dead_domain: 'invalid',
  bouncing: 'bounced',
  unused_mailbox: 'invalid',
};

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Tells whether a header has the columns a participants export must have. */
function hasParticipantColumns(header: readonly string[]): boolean {
  return ['email', 'emailstatus'].every((column) => header.some((name) => name.trim() === column));
}

/**
 * The export's one delimiter, read from its header: LimeSurvey exports with commas, a spreadsheet in a French locale
 * saves with semicolons and leaves a cell holding a comma ("Dupont, fils") unquoted, so both at once would split it.
 * Semicolons unless commas alone give the header its email and emailstatus columns.
 */
function delimiterOf(text: string): ',' | ';' {
  try {
    const [header = []] = parse(text, { bom: true, skip_empty_lines: true, delimiter: ',', to_line: 1 });
    return hasParticipantColumns(header) ? ',' : ';';
  } catch {
    // A quote in the middle of a comma-split cell: `"attribute_1 <A, B>"` read with the wrong delimiter.
    return ';';
  }
}

/**
 * Rewrites a LimeSurvey participants export (`tid,firstname,lastname,email,emailstatus,token,…`, columns kept as
 * exported) for re-import: only the participants found, `emailstatus` set from their first reason. Returns the CSV
 * (UTF-8, whatever the export was in), how many participants were matched and the export's encoding.
 */
export async function renderLimeSurveyTokens(
  file: string,
  reasons: ReadonlyMap<string, DormantReason>,
): Promise<{ csv: string; matched: number; encoding: EncodingVerdict }> {
  let text: string;
  let encoding: EncodingVerdict;
  try {
    ({ text, ...encoding } = decodeText(await readFile(file)));
  } catch (error) {
    throw unreadableFile({ en: 'LimeSurvey participants', fr: 'les participants LimeSurvey' }, file, error);
  }
  let rows: string[][];
  try {
    const delimiter = delimiterOf(text);
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, delimiter });
  } catch (error) {
    const { text: fault, line } = csvFault(error);
    throw new InputError(
      {
        en: `Cannot parse LimeSurvey participants "${file}": ${fault.en}`,
        fr: `Impossible d’analyser les participants LimeSurvey « ${file} » : ${fault.fr}`,
      },
      { file, ...(line === undefined ? {} : { line }) },
    );
  }
  const [header = []] = rows;
  const emailColumn = header.findIndex((name) => name.trim() === 'email');
  const statusColumn = header.findIndex((name) => name.trim() === 'emailstatus');
  if (emailColumn === -1 || statusColumn === -1)
    throw new InputError(
      {
        en: `Cannot use LimeSurvey participants "${file}": the header needs the "email" and "emailstatus" columns`,
        fr: `Impossible d’utiliser les participants LimeSurvey « ${file} » : l’en-tête doit contenir les colonnes « email » et « emailstatus »`,
      },
      { file, line: 1 },
    );
  const lines = [header.map(csvField).join(',')];
  let matched = 0;
  for (const row of rows.slice(1)) {
    const reason = reasons.get((row[emailColumn] ?? '').trim().toLowerCase());
    if (reason === undefined) continue;
    matched++;
    const out = header.map((_, index) => (index === statusColumn ? EMAIL_STATUS[reason] : (row[index] ?? '')));
    lines.push(out.map(csvField).join(','));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, matched, encoding };
}
