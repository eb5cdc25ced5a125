/**
 * Dovecot's last_login plugin writes Unix seconds, or milliseconds with `last_login_precision = ms`; a number of
 * more than 11 digits is read as milliseconds (10^11 seconds is the year 5138, so no real date is misread).
 */
const MILLISECONDS_ABOVE = 1e11;

/** The latest time a JavaScript Date can hold (ECMA-262 21.4.1.1). */
const MAX_TIME_MS = 8.64e15;

/** Reads a Unix time in seconds or milliseconds; null when the text is not one. */
export function parseUnixTime(text: string): Date | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  const ms = value > MILLISECONDS_ABOVE ? value : value * 1000;
  return ms <= MAX_TIME_MS ? new Date(ms) : null;
}

/** Reads a Unix time or an ISO 8601 date-time that names its offset (`Z`, `+02:00`); null otherwise. */
export function parseTimestamp(text: string): Date | null {
  const unix = parseUnixTime(text);
  if (unix !== null) return unix;
  // Without an offset a date-time would be read in the machine's zone, which says nothing about the file's.
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return null;
  const date = new Date(text.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? null : date;
}
