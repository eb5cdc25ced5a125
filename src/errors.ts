/** Stable error codes, one table for the whole tool (as nodemailer's lib/errors.js). */
export const ERROR_CODES = {
  EINPUT: 'Bad input: a file, row, record, option or config value cannot be used',
  ECONFIG: 'The configuration file is missing, unreadable or invalid',
  ETRANSIENT: 'A server timed out, failed or was unreachable; rerunning is safe',
  ESCHEMA: 'The database was written by a newer facteur',
  ELOCKED: 'Another facteur run holds the database',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where bad input was found: a file and, when known, a line or a record. */
export interface InputLocation {
  file?: string;
  line?: number;
  record?: string;
}

/** Bad input from the user: names the file, line or record and the reason (exit 2). */
export class InputError extends Error {
  readonly code: ErrorCode;
  readonly location: InputLocation;

  constructor(message: string, location: InputLocation = {}, code: ErrorCode = 'EINPUT') {
    super(message);
    this.name = 'InputError';
    this.code = code;
    this.location = location;
  }
}

/** A server or network failure that a rerun may not meet again (exit 3). */
export class TransientError extends Error {
  readonly code: ErrorCode = 'ETRANSIENT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Formats a location as `file:line` or `file (record)` for messages. */
export function formatLocation(location: InputLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined)
    parts.push(location.line === undefined ? location.file : `${location.file}:${location.line}`);
  else if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.record !== undefined) parts.push(`record "${location.record}"`);
  return parts.join(' ');
}
