import type { Text } from '../i18n.js';
import { cannotParse, parseTagList } from './parse-dkim-key.js';

/** A BIMI assertion record at `<selector>._bimi.<domain>` (draft-brand-indicators-for-message-identification). */
export interface BimiRecord {
  /** The logo's https URL (an SVG Tiny PS file); null when the domain declines to show one (`l=` empty). */
  logo: string | null;
  /** The https URL of the mark certificate (VMC or CMC) some mailbox providers require; null when none. */
  evidence: string | null;
}

/** True when a TXT record is meant as a BIMI record: receivers ignore the others at that name. */
export function isBimiCandidate(text: string): boolean {
  return /^\s*v\s*=\s*bimi1\b/i.test(text);
}

/** Parses a BIMI TXT record; throws InputError naming the fault. */
export function parseBimiRecord(text: string): BimiRecord {
  const what: Text = { en: 'BIMI record', fr: 'l’enregistrement BIMI' };
  const tags = parseTagList(text, what);
  if (Object.keys(tags)[0] !== 'v' || tags.v?.toUpperCase() !== 'BIMI1')
    throw cannotParse(what, { en: `it must start with "v=BIMI1"`, fr: `il doit commencer par « v=BIMI1 »` });
  if (tags.l === undefined)
    throw cannotParse(what, { en: `the required "l=" tag is missing`, fr: `la balise obligatoire « l= » est absente` });
  const https = (tag: 'l' | 'a'): string | null => {
    const value = tags[tag]?.trim() ?? '';
    if (value === '') return null;
    if (!/^https:\/\/\S+$/i.test(value))
      throw cannotParse(what, {
        en: `"${tag}=" must be an https URL, not "${value}"`,
        fr: `« ${tag}= » doit être une URL https, pas « ${value} »`,
      });
    return value;
  };
  return { logo: https('l'), evidence: https('a') };
}
