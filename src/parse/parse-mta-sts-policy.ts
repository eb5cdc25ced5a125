import { InputError } from '../errors.js';
import { cannotParse } from './parse-dkim-key.js';
import type { Text } from '../i18n.js';

/** The policy modes of RFC 8461 3.2. */
export const MTA_STS_MODES = ['enforce', 'testing', 'none'] as const;
export type MtaStsMode = (typeof MTA_STS_MODES)[number];

/** An MTA-STS policy file (RFC 8461 3.2). */
export interface MtaStsPolicy {
  mode: MtaStsMode;
  /** Seconds a sender may cache the policy. */
  maxAge: number;
  /** MX patterns, lowercased, without a trailing dot; `*.` matches exactly one leftmost label (RFC 8461 4.1). */
  mx: string[];
}

/** RFC 8461 3.2: max_age is at most 31557600 seconds (about one year). */
export const MAX_MTA_STS_MAX_AGE = 31_557_600;
/** RFC 8461 3.3 lets senders cap the policy body; 64 KB is far above any real policy and bounds memory per domain. */
export const MAX_MTA_STS_POLICY_BYTES = 64 * 1024;

// RFC 8461 3.2: sts-policy-max-age-value = 1*10DIGIT.
const MAX_AGE = /^\d{1,10}$/;
// RFC 8461 3.2: an mx pattern is a domain name, optionally prefixed by "*." (sts-policy-mx-value).
const MX_PATTERN = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/;
// RFC 8461 3.2: field names and values are printable ASCII (VCHAR and WSP); anything else is not a policy.
const POLICY_TEXT = /^[\x20-\x7e\t\r\n]*$/;

/** Parses an MTA-STS policy file; throws InputError naming the line and the fault. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy {
  const what: Text = { en: 'MTA-STS policy', fr: 'la politique MTA-STS' };
  if (text.length > MAX_MTA_STS_POLICY_BYTES)
    throw cannotParse(what, {
      en: `it is larger than ${MAX_MTA_STS_POLICY_BYTES} bytes`,
      fr: `elle dépasse ${MAX_MTA_STS_POLICY_BYTES} octets`,
    });
  if (!POLICY_TEXT.test(text))
    throw cannotParse(what, {
      en: `it holds characters other than ASCII text`,
      fr: `elle contient des caractères autres que du texte ASCII`,
    });
  const fields = new Map<string, string>();
  const mx: string[] = [];
  // RFC 8461 3.2: fields are separated by CRLF or LF (sts-policy-term-sep).
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new InputError({
        en: `Cannot parse ${what.en} at line ${index + 1}: "${line}" is not "key: value"`,
        fr: `Impossible d’analyser ${what.fr} à la ligne ${index + 1} : « ${line} » n’est pas de la forme « clé: valeur »`,
      });
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'mx') {
      const pattern = value.toLowerCase();
      if (!MX_PATTERN.test(pattern))
        throw new InputError({
          en: `Cannot parse ${what.en} at line ${index + 1}: mx "${value}" is not a host name pattern`,
          fr: `Impossible d’analyser ${what.fr} à la ligne ${index + 1} : mx « ${value} » n’est pas un motif de nom d’hôte`,
        });
      mx.push(pattern.replace(/\.$/, ''));
    } else if (!fields.has(key)) {
      // Unknown fields are ignored (RFC 8461 3.2); a repeated field keeps its first value, as senders read it.
      fields.set(key, value);
    }
  }
  const version = fields.get('version');
  if (version !== 'STSv1') throw cannotParse(what, fieldFault('version', version, { en: '"STSv1"', fr: '« STSv1 »' }));
  const mode = fields.get('mode');
  if (!isMode(mode))
    throw cannotParse(
      what,
      fieldFault('mode', mode, { en: 'enforce, testing or none', fr: 'enforce, testing ou none' }),
    );
  const maxAgeText = fields.get('max_age');
  if (maxAgeText === undefined || !MAX_AGE.test(maxAgeText) || Number(maxAgeText) > MAX_MTA_STS_MAX_AGE)
    throw cannotParse(
      what,
      fieldFault('max_age', maxAgeText, { en: `0 to ${MAX_MTA_STS_MAX_AGE}`, fr: `0 à ${MAX_MTA_STS_MAX_AGE}` }),
    );
  // RFC 8461 3.2: mx is required unless the mode is "none".
  if (mx.length === 0 && mode !== 'none')
    throw cannotParse(what, {
      en: `mode "${mode}" needs at least one "mx:" line`,
      fr: `le mode « ${mode} » exige au moins une ligne « mx: »`,
    });
  return { mode, maxAge: Number(maxAgeText), mx };
}

/** True when an MX host name matches a policy mx pattern: exact, or `*.` standing for one leftmost label (RFC 8461 4.1). */
export function matchesMxPattern(host: string, pattern: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return name === pattern;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

function isMode(value: string | undefined): value is MtaStsMode {
  return (MTA_STS_MODES as readonly (string | undefined)[]).includes(value);
}

function fieldFault(name: string, value: string | undefined, expected: Text): Text {
  return value === undefined
    ? { en: `"${name}:" is missing`, fr: `« ${name}: » est absent` }
    : {
        en: `${name} "${value}" is invalid, expected ${expected.en}`,
        fr: `${name} « ${value} » est invalide, valeur attendue : ${expected.fr}`,
      };
}
