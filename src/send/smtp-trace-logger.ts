import { format } from 'node:util';
import type { Logger } from 'nodemailer/lib/shared/index.js';
import { createAuthRedactor } from '../redact-auth.js';
import type { Trace } from '../trace.js';

/** How nodemailer calls its logger: the entry's fields (`tnx` says which part of the session), then printf-style text. */
type LogCall = [entry?: { tnx?: string }, message?: unknown, ...args: unknown[]];

/**
 * nodemailer's bunyan-style logger for one SMTP connection, written to `trace`: commands as `smtp C: …`, replies as
 * `smtp S: …`, with credentials redacted, and nodemailer's notes on the connection (TLS, login). The message itself
 * (entries of `tnx` "message", which nodemailer dumps only under its `debug` option, never set here) is left out:
 * it carries the recipients' personal data.
 */
export function smtpTraceLogger(trace: Trace, secrets: readonly (string | null)[]): Logger {
  const redactor = createAuthRedactor(secrets);
  const log = (...params: unknown[]): void => {
    const [entry, message, ...args] = params as LogCall;
    const text = typeof message === 'string' ? message : '';
    switch (entry?.tnx) {
      case 'client':
        trace(`smtp C: ${redactor.client(text)}`);
        return;
      case 'server':
        // A multiline reply (EHLO's extensions) comes as one entry.
        for (const line of text.split(/\r?\n/)) trace(`smtp S: ${redactor.server(line)}`);
        return;
      default:
        trace(`smtp ${redactor.note(format(text, ...args))}`);
    }
  };
  return {
    level: () => undefined,
    trace: log,
    // The message's own lines come at debug level; its size note, at info, stays.
    debug: (...params: unknown[]) => {
      if ((params as LogCall)[0]?.tnx !== 'message') log(...params);
    },
    info: log,
    warn: log,
    error: log,
    fatal: log,
  };
}
