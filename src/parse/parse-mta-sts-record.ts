import type { Text } from '../i18n.js';
import { cannotParse, parseTagList } from './parse-dkim-key.js';

/** An MTA-STS TXT record at `_mta-sts.<domain>` (RFC 8461 3.1). */
export interface MtaStsRecord {
  id: string;
  extensions: Record<string, string>;
}

// RFC 8461 3.1: sts-id = 1*32( ALPHA / DIGIT ).
const STS_ID = /^[A-Za-z0-9]{1,32}$/;

/** True when a TXT record is meant as an MTA-STS record (RFC 8461 3.1: others at that name are ignored). */
export function isMtaStsCandidate(text: string): boolean {
  return /^\s*v\s*=\s*sts/i.test(text);
}

/** Parses an MTA-STS TXT record; throws InputError naming the fault. */
export function parseMtaStsRecord(text: string): MtaStsRecord {
  const what: Text = { en: 'MTA-STS record', fr: 'l’enregistrement MTA-STS' };
  const tags = parseTagList(text, what);
  const first = Object.keys(tags)[0];
  // RFC 8461 3.1: the record starts with exactly "v=STSv1".
  if (first !== 'v' || tags.v !== 'STSv1')
    throw cannotParse(what, { en: `it must start with "v=STSv1"`, fr: `il doit commencer par « v=STSv1 »` });
  const id = tags.id;
  if (id === undefined)
    throw cannotParse(what, {
      en: `the required "id=" tag is missing`,
      fr: `la balise obligatoire « id= » est absente`,
    });
  if (!STS_ID.test(id))
    throw cannotParse(what, {
      en: `"id=${id}" must be 1 to 32 letters or digits`,
      fr: `« id=${id} » doit compter de 1 à 32 lettres ou chiffres`,
    });
  const extensions = Object.fromEntries(Object.entries(tags).filter(([name]) => name !== 'v' && name !== 'id'));
  return { id, extensions };
}
