import { InputError } from '../errors.js';

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
  const what = 'MTA-STS policy';
  if (text.length > MAX_MTA_STS_POLICY_BYTES)
    throw new InputError(`Cannot parse ${what}: it is larger than ${MAX_MTA_STS_POLICY_BYTES} bytes`);
  if (!POLICY_TEXT.test(text)) throw new InputError(`Cannot parse ${what}: it holds characters other than ASCII text`);
  const fields = new Map<string, string>();
  const mx: string[] = [];
  // RFC 8461 3.2: fields are separated by CRLF or LF (sts-policy-term-sep).
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InputError(`Cannot parse ${what} at line ${index + 1}: "${line}" is not "key: value"`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'mx') {
      const pattern = value.toLowerCase();
      if (!MX_PATTERN.test(pattern))
        throw new InputError(`Cannot parse ${what} at line ${index + 1}: mx "${value}" is not a host name pattern`);
      mx.push(pattern.replace(/\.$/, ''));
    } else if (!fields.has(key)) {
      // Unknown fields are ignored (RFC 8461 3.2); a repeated field keeps its first value, as senders read it.
      fields.set(key, value);
    }
  }
  const version = fields.get('version');
  if (version !== 'STSv1') throw new InputError(`Cannot parse ${what}: ${fieldFault('version', version, '"STSv1"')}`);
  const mode = fields.get('mode');
  if (!isMode(mode))
    throw new InputError(`Cannot parse ${what}: ${fieldFault('mode', mode, 'enforce, testing or none')}`);
  const maxAgeText = fields.get('max_age');
  if (maxAgeText === undefined || !MAX_AGE.test(maxAgeText) || Number(maxAgeText) > MAX_MTA_STS_MAX_AGE)
    throw new InputError(`Cannot parse ${what}: ${fieldFault('max_age', maxAgeText, `0 to ${MAX_MTA_STS_MAX_AGE}`)}`);
  // RFC 8461 3.2: mx is required unless the mode is "none".
  if (mx.length === 0 && mode !== 'none')
    throw new InputError(`Cannot parse ${what}: mode "${mode}" needs at least one "mx:" line`);
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

function fieldFault(name: string, value: string | undefined, expected: string): string {
  return value === undefined ? `"${name}:" is missing` : `${name} "${value}" is invalid, expected ${expected}`;
}
