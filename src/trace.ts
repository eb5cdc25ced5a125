import type { Text } from './i18n.js';
import { plainText } from './plain-text.js';

/**
 * Where `--verbose` writes what a protocol client sent and got, one line per event (a DNS exchange, an SMTP or IMAP
 * command or reply). Clients take it as `undefined` when --verbose is off and then build no line at all, so the
 * default path costs nothing.
 */
export type Trace = (line: string | Text) => void;

/**
 * A traced line made harmless for the terminal or log reading it, as plainText() does for reports, and kept on one
 * line: what a hostile server said cannot drive the reader's terminal nor forge a line of the trace.
 */
export function printableLine(line: string | Text): string | Text {
  const clean = (text: string): string => plainText(text).replace(/\n/g, '\uFFFD');
  return typeof line === 'string' ? clean(line) : { en: clean(line.en), fr: clean(line.fr) };
}
