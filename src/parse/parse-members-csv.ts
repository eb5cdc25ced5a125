import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { isDkimSelector } from './parse-dkim-key.js';
import { csvFault } from './csv-fault.js';
import { columnClashText, columnNamesText, findColumns, MEMBER_COLUMNS } from './csv-columns.js';

/** One member domain to check, from one row of the members file. */
export interface MemberRow {
  domain: string;
  member: string | null;
  contact: string | null;
  dkimSelectors: string[];
  sendingIps: string[];
  line: number;
}

/** The members file: the usable rows and an error for each unusable one. */
export interface MembersFile {
  rows: MemberRow[];
  errors: InputError[];
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Normalises a domain name to lowercase A-labels, or returns null when it is not a usable host name. An all-digit last
 * label is refused (RFC 3696 section 2: no top-level domain is all-numeric): "192.0.2.1" is an address, not a name.
 */
export function normaliseDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 253) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii === '' || !ascii.includes('.')) return null;
  const labels = ascii.split('.');
  if (/^\d+$/.test(labels.at(-1) ?? '')) return null;
  return labels.every((label) => LABEL.test(label) || label.startsWith('xn--')) ? ascii : null;
}

/**
 * Why a text is not a domain name (normaliseDomain() gave null), in words the person can act on: a web address or an
 * email address copied from a spreadsheet is named as such, with the domain to write instead.
 */
export function whyNotDomain(input: string): Text {
  const text = input.trim();
  if (text === '') return { en: 'the domain is empty', fr: 'le domaine est vide' };
  // The domain as the person wrote it (Théâtre.example, not its A-labels), when it is one.
  const fix = (what: Text, written: string): Text =>
    normaliseDomain(written) === null
      ? { en: `"${text}" is ${what.en}, not a domain`, fr: `« ${text} » est ${what.fr}, pas un domaine` }
      : {
          en: `"${text}" is ${what.en}: write its domain alone, "${written}"`,
          fr: `« ${text} » est ${what.fr} : écrivez son domaine seul, « ${written} »`,
        };
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#\s]+)/i.exec(text);
  if (url !== null) return fix({ en: 'a web address', fr: 'une adresse web' }, url[1] ?? '');
  const email = /^(?:mailto:)?[^@\s]+@([^@\s]+)$/i.exec(text);
  if (email !== null) return fix({ en: 'an email address', fr: 'une adresse électronique' }, email[1] ?? '');
  if (isIP(text) !== 0)
    return {
      en: `"${text}" is an IP address: facteur checks domains (the hoster's own IPs go in --sending-ips)`,
      fr: `« ${text} » est une adresse IP : facteur vérifie des domaines (les IP de l’hébergeur vont dans --sending-ips)`,
    };
  if (text.startsWith('.') && normaliseDomain(text.replace(/^\.+/, '')) !== null)
    return {
      en: `"${text}" starts with a dot: write "${text.replace(/^\.+/, '')}"`,
      fr: `« ${text} » commence par un point : écrivez « ${text.replace(/^\.+/, '')} »`,
    };
  if (/\s/.test(text))
    return {
      en: `"${text}" holds a space, which no domain has`,
      fr: `« ${text} » contient une espace, ce qu’aucun domaine n’a`,
    };
  return { en: `"${text}" is not a domain name`, fr: `« ${text} » n’est pas un nom de domaine` };
}

function splitMulti(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,;]+/).filter((part) => part !== '');
}

/**
 * Parses a members CSV (header row; `domain` required; `member`, `contact`, `dkim_selectors`, `sending_ips` optional,
 * each also under its French names (MEMBER_COLUMNS); multi-values separated by spaces; other columns ignored). A bad
 * row becomes an error naming its line; the others stay.
 */
export function parseMembersCsv(text: string, file: string): MembersFile {
  let records: { record: Partial<Record<MemberColumn, string>>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      // The known columns take their English keys, whatever name the header gives them; the others are dropped.
      columns: (header: string[]) => memberColumns(header, file),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
      // A quote inside an unquoted field (Club "Photo") is text: the row is checked, not the whole file refused.
      relax_quotes: true,
      delimiter: [',', ';'],
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unparsable(file, error);
  }
  const rows: MemberRow[] = [];
  const errors: InputError[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const rawDomain = record.domain ?? '';
    const domain = normaliseDomain(rawDomain);
    if (domain === null) {
      const why = whyNotDomain(rawDomain);
      errors.push(
        new InputError(
          {
            en: `Cannot use row of "${file}": ${why.en}`,
            fr: `Impossible d’utiliser une ligne de « ${file} » : ${why.fr}`,
          },
          { file, line },
        ),
      );
      continue;
    }
    const previous = seen.get(domain);
    if (previous !== undefined) {
      errors.push(
        new InputError(
          {
            en: `Cannot use row of "${file}": domain "${domain}" already listed at line ${previous}`,
            fr: `Impossible d’utiliser une ligne de « ${file} » : domaine « ${domain} » déjà présent à la ligne ${previous}`,
          },
          { file, line },
          'EDUPLICATE',
        ),
      );
      continue;
    }
    const dkimSelectors = splitMulti(record.dkim_selectors);
    const badSelector = dkimSelectors.find((selector) => !isDkimSelector(selector));
    if (badSelector !== undefined) {
      errors.push(
        new InputError(
          {
            en: `Cannot use row of "${file}": invalid DKIM selector "${badSelector}"`,
            fr: `Impossible d’utiliser une ligne de « ${file} » : sélecteur DKIM « ${badSelector} » invalide`,
          },
          { file, line },
        ),
      );
      continue;
    }
    const sendingIps = splitMulti(record.sending_ips);
    const badIp = sendingIps.find((ip) => isIP(ip) === 0);
    if (badIp !== undefined) {
      errors.push(
        new InputError(
          {
            en: `Cannot use row of "${file}": invalid sending IP "${badIp}"`,
            fr: `Impossible d’utiliser une ligne de « ${file} » : adresse IP d’envoi « ${badIp} » invalide`,
          },
          { file, line },
        ),
      );
      continue;
    }
    seen.set(domain, line);
    rows.push({
      domain,
      member: record.member || null,
      contact: record.contact || null,
      dkimSelectors,
      sendingIps,
      line,
    });
  }
  return { rows, errors };
}

type MemberColumn = keyof typeof MEMBER_COLUMNS;

/**
 * The record key of each header column: the English key of a known column, under any of its names (see
 * MEMBER_COLUMNS), false for the others. A header without a domain column, or naming one column twice, is refused.
 */
function memberColumns(header: readonly string[], file: string): (MemberColumn | false)[] {
  const { columns, clash } = findColumns(header, MEMBER_COLUMNS);
  if (clash !== undefined) {
    const why = columnClashText(clash);
    throw new InputError(
      {
        en: `Cannot read members file "${file}": ${why.en}`,
        fr: `Impossible de lire le fichier des adhérents « ${file} » : ${why.fr}`,
      },
      { file, line: 1 },
    );
  }
  if (columns.domain === undefined) {
    const found = header.map((name) => `"${name.trim()}"`).join(', ');
    const foundFr = header.map((name) => `« ${name.trim()} »`).join(', ');
    const names = columnNamesText(MEMBER_COLUMNS.domain);
    throw new InputError(
      {
        en: `Cannot read members file "${file}": the header has no "domain" column (its columns: ${found}); name the column of the domains ${names.en}`,
        fr: `Impossible de lire le fichier des adhérents « ${file} » : l’en-tête n’a pas de colonne « domain » (ses colonnes : ${foundFr}) ; nommez la colonne des domaines ${names.fr}`,
      },
      { file, line: 1 },
    );
  }
  const keys: (MemberColumn | false)[] = header.map(() => false);
  for (const [key, column] of Object.entries(columns) as [MemberColumn, { index: number }][]) keys[column.index] = key;
  return keys;
}

/** The members file refused whole: csv-parse's fault, in words. */
function unparsable(file: string, error: unknown): InputError {
  const { text: fault, line } = csvFault(error);
  return new InputError(
    {
      en: `Cannot parse members file "${file}": ${fault.en}`,
      fr: `Impossible d’analyser le fichier des adhérents « ${file} » : ${fault.fr}`,
    },
    { file, ...(line === undefined ? {} : { line }) },
  );
}
