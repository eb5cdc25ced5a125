import type { Logger } from 'imapflow';
import { createAuthRedactor } from '../redact-auth.js';
import type { Trace } from '../trace.js';

/** An imapflow log entry: `src` "c" for a command, "s" for a response, else a note on the connection. */
interface LogEntry {
  src?: string;
  msg?: unknown;
  err?: unknown;
}

/**
 * imapflow's pino-style logger for one connection, written to `trace`: commands as `imap C: …`, responses as
 * `imap S: …`, with LOGIN and AUTHENTICATE arguments redacted, and imapflow's notes (TLS, errors). It has no `trace`
 * level, which imapflow then skips: FETCH responses, which carry the messages, are logged at that level only, and
 * literals elsewhere are logged as their size.
 */
export function imapTraceLogger(trace: Trace, secrets: readonly string[]): Logger {
  const redactor = createAuthRedactor(secrets);
  const log = (entry: unknown): void => {
    const { src, msg, err } = (entry ?? {}) as LogEntry;
    const text = typeof msg === 'string' ? msg : err instanceof Error ? err.message : '';
    if (text === '') return;
    if (src === 'c') trace(`imap C: ${redactor.client(text)}`);
    else if (src === 's') trace(`imap S: ${redactor.server(text)}`);
    else trace(`imap ${redactor.note(text)}`);
  };
  return { debug: log, info: log, warn: log, error: log };
}
