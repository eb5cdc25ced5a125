import type { SympaBounce } from './types.js';

/**
 * Sympa's Tracking.pm writes `sprintf('%s %s %s %s', first, last, count, status)`, and List.pm reads it back with
 * this pattern: the status may be empty, which leaves a trailing space.
 */
const BOUNCE_FIELD = /^(\d+)\s+(\d+)\s+(\d+)(?:\s+(\S*))?\s*$/;

/** A status as Tracking.pm keeps it: class.subject.detail (RFC 3463 section 2). */
const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Parses a `bounce_subscriber` value; null when it does not have Sympa's shape. */
export function parseSympaBounce(field: string): SympaBounce | null {
  const match = BOUNCE_FIELD.exec(field);
  if (match === null) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const count = Number(match[3]);
  const status = match[4] ?? '';
  if (!isEpochSeconds(first) || !isEpochSeconds(last) || !Number.isSafeInteger(count)) return null;
  if (status !== '' && !STATUS.test(status)) return null;
  return {
    first: new Date(first * 1000),
    last: new Date(last * 1000),
    count,
    status: status === '' ? null : status,
  };
}

/** The latest second a JavaScript Date can hold (ECMA-262 21.4.1.1: 8.64e15 ms). */
const MAX_EPOCH_SECONDS = 8.64e12;

/** Sympa stores dates as Unix seconds; anything else is a damaged record. */
export function isEpochSeconds(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= MAX_EPOCH_SECONDS;
}

/** Parses a Unix-seconds text as Sympa writes it (`date 1795444000`); null when it is not one. */
export function parseEpochSeconds(text: string): Date | null {
  if (!/^\d{1,13}$/.test(text)) return null;
  const seconds = Number(text);
  return isEpochSeconds(seconds) ? new Date(seconds * 1000) : null;
}
