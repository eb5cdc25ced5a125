import { render, type Lang, type Text } from './i18n.js';

/** Stable error codes, one table for the whole tool (as nodemailer's lib/errors.js). */
export const ERROR_CODES = {
  EINPUT: 'Bad input: a file, row, record, option or config value cannot be used',
  ECONFIG: 'The configuration file is missing, unreadable or invalid',
  ETRANSIENT: 'A server timed out, failed or was unreachable, or the disk was full; rerunning is safe',
  ESCHEMA: 'The database was written by a newer facteur',
  ELOCKED: 'Another facteur run holds the database',
  EDUPLICATE: 'A row repeats what an earlier row gave; the earlier one is used',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where bad input was found: a file and, when known, a line, or the thing at fault named by its kind. */
export interface InputLocation {
  file?: string;
  line?: number;
  /** A DNS record, by the name it is published at, or a database record. */
  record?: string;
  /** A config setting, by its path: `bounces.imap.host`. */
  setting?: string;
  address?: string;
  /** A mailing list, by its name. */
  list?: string;
  campaign?: string;
  /** A run of facteur check, by its id. */
  run?: number;
}

/** Each kind of location in words, `{name}` its value: a config path is a setting, only DNS or a database has records. */
const LOCATION_KINDS = {
  record: { en: 'record "{name}"', fr: 'enregistrement « {name} »' },
  setting: { en: 'setting "{name}"', fr: 'réglage « {name} »' },
  address: { en: 'address "{name}"', fr: 'adresse « {name} »' },
  list: { en: 'list "{name}"', fr: 'liste « {name} »' },
  campaign: { en: 'campaign "{name}"', fr: 'campagne « {name} »' },
  run: { en: 'run {name}', fr: 'passage {name}' },
} satisfies Record<Exclude<keyof InputLocation, 'file' | 'line'>, Text>;

/**
 * Bad input from the user: names the file, line or record and the reason (exit 2), in English and French; `message`
 * is the English text, for logs and programs.
 */
export class InputError extends Error {
  readonly code: ErrorCode;
  readonly location: InputLocation;
  readonly text: Text;

  constructor(text: Text, location: InputLocation = {}, code: ErrorCode = 'EINPUT') {
    super(text.en);
    this.name = 'InputError';
    this.code = code;
    this.location = location;
    this.text = text;
  }
}

/** A server or network failure that a rerun may not meet again (exit 3), in English and French. */
export class TransientError extends Error {
  readonly code: ErrorCode = 'ETRANSIENT';
  readonly text: Text;

  constructor(text: Text, options?: { cause?: unknown }) {
    super(text.en, options);
    this.name = 'TransientError';
    this.text = text;
  }
}

/** Formats a location as `file:line`, or `file` and what is at fault by its kind (`setting "bounces.imap"`). */
export function formatLocation(location: InputLocation, lang: Lang = 'en'): string {
  const parts: string[] = [];
  if (location.file !== undefined)
    parts.push(location.line === undefined ? location.file : `${location.file}:${location.line}`);
  else if (location.line !== undefined) parts.push(lang === 'fr' ? `ligne ${location.line}` : `line ${location.line}`);
  for (const [kind, text] of Object.entries(LOCATION_KINDS)) {
    const name = location[kind as keyof typeof LOCATION_KINDS];
    if (name !== undefined) parts.push(render(text, lang, { name }));
  }
  return parts.join(' ');
}

/** An input error as one line for people, in `lang`, its location after it unless the message already names it. */
export function inputErrorText(error: InputError, lang: Lang): string {
  const message = error.text[lang];
  const where = formatLocation(error.location, lang);
  return where === '' || message.includes(where) ? message : `${message} (${where})`;
}

/**
 * A refusal of the machine (a file, a disk, a database) rather than a fault of facteur: `what` could not be done,
 * `reason` says why and `code` is the system's own word for it. The user's to fix (exit 2), unless it may pass
 * (`transient`, exit 3).
 */
export function systemFailure(
  failure: { what: Text; reason: Text; code: string; transient: boolean; file?: string },
  cause: unknown,
): InputError | TransientError {
  const { what, reason, code, file } = failure;
  const text: Text = { en: `${what.en}: ${reason.en} (${code})`, fr: `${what.fr} : ${reason.fr} (${code})` };
  if (failure.transient) return new TransientError(text, { cause });
  return new InputError(text, file === undefined ? {} : { file });
}
