import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { decodeText, type EncodingVerdict } from '../parse/text-encoding.js';
import type { DormantReason } from './judge-address.js';
import { unreadableFile } from '../file-failure.js';

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
    // LimeSurvey exports with commas; spreadsheets in French locales save with semicolons.
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, delimiter: [',', ';'] });
  } catch (error) {
    const failure = error as Error & { lines?: number };
    throw new InputError(
      {
        en: `Cannot parse LimeSurvey participants "${file}": ${failure.message}`,
        fr: `Impossible d’analyser les participants LimeSurvey « ${file} » : ${failure.message}`,
      },
      { file, ...(failure.lines === undefined ? {} : { line: failure.lines }) },
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
