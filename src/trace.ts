import type { Text } from './i18n.js';

/**
 * Where `--verbose` writes what a protocol client sent and got, one line per event (a DNS exchange, an SMTP or IMAP
 * command or reply). Clients take it as `undefined` when --verbose is off and then build no line at all, so the
 * default path costs nothing.
 */
export type Trace = (line: string | Text) => void;
