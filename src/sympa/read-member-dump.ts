import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { parseEpochSeconds, parseSympaBounce } from './parse-sympa-bounce.js';
import { readLines, type Line } from './read-lines.js';
import type { SympaMember, SympaReadOptions } from './types.js';

/** What `isMemberAddress` accepts: Sympa's dump holds canonical addresses, one `@`, no spaces. */
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

const WHAT: Text = { en: 'Sympa member dump', fr: 'la sauvegarde des abonnés Sympa' };

/** Tells whether a text can be a list member's address as Sympa stores it. */
export function isMemberAddress(text: string): boolean {
  return ADDRESS.test(text);
}

interface DumpRecord {
  line: number;
  fields: Map<string, { value: string; line: number }>;
}

/**
 * Reads `member.dump`, which `sympa dump list@domain` writes in the list directory: one paragraph per member,
 * `key value` lines in key order (`bounce`, `bounce_score`, `date`, `email`, `gecos`, …), paragraphs apart by blank
 * lines (List.pm reads it in Perl paragraph mode). Unknown keys are kept by Sympa and ignored here.
 */
export async function* readMemberDump(
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
  let record: DumpRecord | null = null;
  const finish = (done: DumpRecord): SympaMember | null => toMember(done, list, report);
  for await (const line of readLines(file, WHAT)) {
    if (!isReadable(line, report)) continue;
    if (line.text.trim() === '') {
      if (record !== null) {
        const member = finish(record);
        if (member !== null) yield member;
      }
      record = null;
      continue;
    }
    const match = /^\s*(\w+)\s+(.*?)\s*$/.exec(line.text);
    if (match === null) {
      // A key alone (`gecos` with an empty value) is written by no Sympa version: report it, keep the record.
      const shown = line.text.slice(0, 80);
      report(
        {
          en: `line "${shown}" is not "key value"`,
          fr: `la ligne « ${shown} » n’est pas de la forme « clé valeur »`,
        },
        line.number,
      );
      continue;
    }
    record ??= { line: line.number, fields: new Map() };
    record.fields.set(match[1] ?? '', { value: match[2] ?? '', line: line.number });
  }
  if (record !== null) {
    const member = finish(record);
    if (member !== null) yield member;
  }
}

/** `subscribed`, `included` and the like are written by `printf "%s %s"` from Perl booleans: 1, 0 or empty. */
const FLAG = /^[01]$/;

/**
 * Where the member came from: `subscribed` (1 for ADD or SUB), `inclusion` (last synchronisation with a data source)
 * and `inclusion_label` (its name), as Sympa 6.2.45 and later dump them; `included 1` alone is an older dump's.
 */
function readInclusion(record: DumpRecord, member: SympaMember, report: (message: Text, line: number) => void): void {
  const flag = (key: string): boolean | null => {
    const field = record.fields.get(key);
    if (field === undefined) return null;
    if (FLAG.test(field.value)) return field.value === '1';
    report(
      { en: `${key} "${field.value}" is not 0 or 1`, fr: `${key} « ${field.value} » ne vaut ni 0 ni 1` },
      field.line,
    );
    return null;
  };
  member.isSubscribed = flag('subscribed');
  const inclusion = record.fields.get('inclusion');
  let syncedAt: Date | null = null;
  if (inclusion !== undefined) {
    syncedAt = parseEpochSeconds(inclusion.value);
    if (syncedAt === null)
      report(
        {
          en: `inclusion "${inclusion.value}" is not Unix seconds`,
          fr: `inclusion « ${inclusion.value} » n’est pas un horodatage Unix en secondes`,
        },
        inclusion.line,
      );
  }
  if (syncedAt === null && flag('included') !== true) return;
  member.inclusion = { dataSource: record.fields.get('inclusion_label')?.value ?? null, syncedAt };
  member.isSubscribed ??= false;
}

function isReadable(line: Line, report: (message: Text, line: number) => void): boolean {
  if (line.isTooLong) {
    report({ en: 'line is too long', fr: 'la ligne est trop longue' }, line.number);
    return false;
  }
  if (line.isInvalidUtf8) report({ en: 'line is not UTF-8', fr: 'la ligne n’est pas en UTF-8' }, line.number);
  return true;
}

function toMember(record: DumpRecord, list: string, report: (message: Text, line: number) => void): SympaMember | null {
  const email = record.fields.get('email');
  if (email === undefined) {
    report({ en: 'member record has no "email"', fr: 'la fiche d’abonné n’a pas de champ « email »' }, record.line);
    return null;
  }
  if (!isMemberAddress(email.value)) {
    report(
      { en: `email "${email.value}" is not an address`, fr: `email « ${email.value} » n’est pas une adresse` },
      email.line,
    );
    return null;
  }
  const member: SympaMember = {
    list,
    email: email.value,
    gecos: record.fields.get('gecos')?.value ?? null,
    subscribedAt: null,
    bounce: null,
    bounceScore: null,
    inclusion: null,
    isSubscribed: null,
  };
  const date = record.fields.get('date');
  if (date !== undefined) {
    member.subscribedAt = parseEpochSeconds(date.value);
    if (member.subscribedAt === null)
      report(
        {
          en: `date "${date.value}" is not Unix seconds`,
          fr: `date « ${date.value} » n’est pas un horodatage Unix en secondes`,
        },
        date.line,
      );
  }
  const bounce = record.fields.get('bounce');
  if (bounce !== undefined) {
    member.bounce = parseSympaBounce(bounce.value);
    if (member.bounce === null)
      report(
        {
          en: `bounce "${bounce.value}" is not "first last count status"`,
          fr: `bounce « ${bounce.value} » n’est pas de la forme « premier dernier nombre statut »`,
        },
        bounce.line,
      );
  }
  const score = record.fields.get('bounce_score');
  if (score !== undefined) {
    member.bounceScore = /^\d{1,9}$/.test(score.value) ? Number(score.value) : null;
    if (member.bounceScore === null)
      report(
        {
          en: `bounce_score "${score.value}" is not a number`,
          fr: `bounce_score « ${score.value} » n’est pas un nombre`,
        },
        score.line,
      );
  }
  readInclusion(record, member, report);
  return member;
}
