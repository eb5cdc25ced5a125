import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../errors.js';
import { normaliseDomain } from '../parse/parse-members-csv.js';
import { decodingStream, fileEncoding, type EncodingVerdict } from '../parse/text-encoding.js';
import { unreadableFile } from '../file-failure.js';
import { csvFault } from '../parse/csv-fault.js';
import {
  columnClashText,
  columnNamesText,
  findColumns,
  RECIPIENT_COLUMNS,
  type HeaderColumns,
} from '../parse/csv-columns.js';

/** One recipient to write to: the address and every column of its row, for the templates. */
export interface Recipient {
  kind: 'recipient';
  line: number;
  email: string;
  fields: Record<string, string>;
}

/** A row that is not sent to, with why: LimeSurvey marks bounced or opted-out participants in `emailstatus`. */
export interface SkippedRow {
  kind: 'skipped';
  line: number;
  reason: 'email_status' | 'invalid_email';
  value: string;
}

/** What reading a row gives. */
export type RecipientEntry = Recipient | SkippedRow;

/**
 * LimeSurvey names attribute columns `attribute_1 <Description>`; templates use the stable `attribute_1`
 * (the description is free text the survey admin may change).
 */
const LIMESURVEY_ATTRIBUTE = /^(attribute_\d+)\s+<.*>$/;

/** Deliberately plain: one `@`, nothing that could break an SMTP command or a header; the domain is checked apart. */
const EMAIL = /^([^\s@<>"()\\,;:]+)@([^\s@<>]+)$/;

/** Normalises an address (lowercase domain, A-labels) or returns null when it cannot be written to. */
export function normaliseEmail(input: string): string | null {
  const match = EMAIL.exec(input.trim());
  if (match === null) return null;
  const domain = normaliseDomain(match[2] ?? '');
  // RFC 5321 4.5.3.1.1: a local part is at most 64 octets.
  if (domain === null || Buffer.byteLength(match[1] ?? '') > 64) return null;
  return `${match[1] ?? ''}@${domain}`;
}

/** The template name of a column: trimmed, LimeSurvey's attribute columns shortened to `attribute_N`. */
function columnName(header: string): string {
  const name = header.trim();
  return LIMESURVEY_ATTRIBUTE.exec(name)?.[1] ?? name;
}

/** What a reader of the recipients may want to hear before the first row. */
export interface RecipientsHooks {
  /** How the file's bytes read (see fileEncoding()). */
  onEncoding?: (verdict: EncodingVerdict) => void;
  /**
   * The header's columns as written, and the fields every row has as templates name them: those columns, and
   * `email` whatever the header calls the address column.
   */
  onColumns?: (columns: { header: readonly string[]; fields: readonly string[] }) => void;
}

/**
 * Streams a recipients CSV: our own columns (`email` plus any fields) or LimeSurvey's participant export as is (UTF-8
 * BOM, `tid`, `firstname`, `lastname`, `email`, `emailstatus`, `token`, `attribute_N <description>`…). Rows whose
 * `emailstatus` is not `OK` and rows without a usable address are yielded as skipped, so the caller counts them.
 * One row at a time: memory stays flat with the number of recipients.
 */
export async function* readRecipients(file: string, hooks: RecipientsHooks = {}): AsyncGenerator<RecipientEntry> {
  let verdict: EncodingVerdict;
  try {
    verdict = await fileEncoding(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  hooks.onEncoding?.(verdict);
  const { encoding } = verdict;
  const input = createReadStream(file);
  // A spreadsheet's Windows-1252 is decoded before the parser, which reads UTF-8 (see decodeText()).
  const decoded = encoding === 'utf-8' ? input : input.pipe(decodingStream(encoding));
  const parser = decoded.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => (columns = header.map(columnName)),
      skip_empty_lines: true,
      info: true,
      relax_column_count: true,
      // A quote inside an unquoted field (Jean "Jeannot" Dupont) is text: the row is read, not the whole file refused.
      relax_quotes: true,
      // LimeSurvey exports with commas; spreadsheets in French locales save with semicolons.
      delimiter: [',', ';'],
    }),
  );
  // pipe() does not forward a read error (ENOENT, EACCES): hand it to the parser so the loop below sees it.
  input.on('error', (error) => parser.destroy(error));
  let columns: string[] = [];
  let known: KnownColumns | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      if (known === undefined) {
        known = knownColumns(file, columns);
        hooks.onColumns?.({ header: columns, fields: [...new Set([...columns, ...Object.keys(known)])] });
      }
      const line = info.lines;
      const fields: Record<string, string> = {};
      for (const [name, value] of Object.entries(record)) fields[name] = value ?? '';
      // A template says {{email}}, {{firstname}}, {{lastname}} whatever the list's header calls those columns; a row
      // too short to have one lacks it under both names, so that the template's render error names the row.
      for (const [key, column] of Object.entries(known)) {
        const value = record[column.name];
        if (value !== undefined) fields[key] = value;
      }
      fields.email = record[known.email.name] ?? '';
      const emailColumn = known.email.name;
      const status = record.emailstatus;
      if (status !== undefined && status.trim().toUpperCase() !== 'OK') {
        yield { kind: 'skipped', line, reason: 'email_status', value: status.trim() };
        continue;
      }
      const raw = record[emailColumn] ?? '';
      const email = normaliseEmail(raw);
      if (email === null) {
        yield { kind: 'skipped', line, reason: 'invalid_email', value: raw };
        continue;
      }
      yield { kind: 'recipient', line, email, fields };
    }
    // A list with no row is a wrong or failed export: a run would mark it enqueued and never read the file again.
    if (known === undefined) {
      if (columns.length === 0)
        throw new InputError(
          {
            en: `Cannot read recipients file "${file}": it is empty; it needs a header line with an "email" column, then one line per recipient`,
            fr: `Impossible de lire le fichier de destinataires « ${file} » : il est vide ; il lui faut une ligne d’en-tête avec une colonne « email », puis une ligne par destinataire`,
          },
          { file },
        );
      knownColumns(file, columns);
      throw new InputError(
        {
          en: `Cannot read recipients file "${file}": it has a header but no recipient line`,
          fr: `Impossible de lire le fichier de destinataires « ${file} » : il a un en-tête mais aucune ligne de destinataire`,
        },
        { file, line: 1 },
      );
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === 'ENOENT' || failure.code === 'EACCES' || failure.code === 'EISDIR')
      throw unreadable(file, error);
    const { text: fault, line } = csvFault(error);
    throw new InputError(
      {
        en: `Cannot parse recipients file "${file}": ${fault.en}`,
        fr: `Impossible d’analyser le fichier de destinataires « ${file} » : ${fault.fr}`,
      },
      { file, ...(line === undefined ? {} : { line }) },
    );
  } finally {
    // A consumer that stops early (--limit) must not leave the file open.
    input.destroy();
  }
}

/** The columns facteur knows by name in a recipients list; the address's is always there. */
type KnownColumns = HeaderColumns<keyof typeof RECIPIENT_COLUMNS> & { email: { index: number; name: string } };

/**
 * The known columns of the header, under any of their names (RECIPIENT_COLUMNS: "Email" from a spreadsheet,
 * "Courriel", "Adresse e-mail"…). A header without the addresses' column, or naming one column twice, is refused.
 */
function knownColumns(file: string, columns: readonly string[]): KnownColumns {
  const { columns: known, clash } = findColumns(columns, RECIPIENT_COLUMNS);
  if (clash !== undefined) {
    const why = columnClashText(clash);
    throw new InputError(
      {
        en: `Cannot read recipients file "${file}": ${why.en}`,
        fr: `Impossible de lire le fichier de destinataires « ${file} » : ${why.fr}`,
      },
      { file, line: 1 },
    );
  }
  const { email } = known;
  if (email !== undefined) return { ...known, email };
  const found = columns.map((name) => `"${name}"`).join(', ');
  const foundFr = columns.map((name) => `« ${name} »`).join(', ');
  const names = columnNamesText(RECIPIENT_COLUMNS.email.slice(0, 4));
  throw new InputError(
    {
      en: `Cannot read recipients file "${file}": the header has no "email" column (its columns: ${found}); name the column of the addresses ${names.en}`,
      fr: `Impossible de lire le fichier de destinataires « ${file} » : l’en-tête n’a pas de colonne « email » (ses colonnes : ${foundFr}) ; nommez la colonne des adresses ${names.fr}`,
    },
    { file, line: 1 },
  );
}

/** The error for a recipients file that cannot be read at all (missing, forbidden, a directory). */
function unreadable(file: string, error: unknown): InputError {
  return unreadableFile({ en: 'recipients file', fr: 'le fichier de destinataires' }, file, error);
}
