import { CONFIG_FILE_NAME } from '../config/load-config.js';
import { InputError } from '../errors.js';
import { invalidValue } from './usage-error.js';
import { isLang, langFromEnv, type Lang, type Text } from '../i18n.js';

/** The help of options several commands share, in one place so that their wording cannot drift apart. */
export const OPTION_HELP = {
  json: { en: 'print one JSON document on stdout', fr: 'écrire un seul document JSON sur stdout' },
  lang: {
    en: 'language of messages: en or fr (default: from LANG)',
    fr: 'langue des messages : en ou fr (par défaut : d’après LANG)',
  },
  configLang: {
    en: 'language of messages: en or fr (default: the config\'s "lang", else from LANG)',
    fr: 'langue des messages : en ou fr (par défaut : « lang » de la configuration, sinon d’après LANG)',
  },
  config: {
    en: `config file (default: $FACTEUR_CONFIG, else ./${CONFIG_FILE_NAME} if present)`,
    fr: `fichier de configuration (par défaut : $FACTEUR_CONFIG, sinon ./${CONFIG_FILE_NAME} s’il existe)`,
  },
  resolver: {
    en: 'DNS resolver to ask (repeatable; default: the system resolvers)',
    fr: 'résolveur DNS à interroger (option répétable ; par défaut : les résolveurs du système)',
  },
  timeout: { en: 'time to wait for one DNS answer', fr: 'délai d’attente d’une réponse DNS' },
  retries: { en: 'retries of a DNS query that timed out', fr: 'nouvelles tentatives d’une requête DNS expirée' },
  verbose: {
    en: 'log each DNS query and each SMTP or IMAP command and reply on stderr, credentials hidden',
    fr: 'écrire sur stderr chaque requête DNS et chaque commande et réponse SMTP ou IMAP, identifiants masqués',
  },
} satisfies Record<string, Text>;

/** Parses a positive integer option value. */
export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw invalidValue('positiveInteger', value);
  return parsed;
}

/** Parses a non-negative integer option value. */
export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw invalidValue('nonNegativeInteger', value);
  return parsed;
}

/** Splits a comma-separated option value, dropping empty items. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Collects a repeatable option into an array. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses `--lang`, defaulting from the environment. */
export function langOption(value: string | undefined): Lang {
  if (value === undefined) return langFromEnv();
  if (!isLang(value))
    throw new InputError({
      en: `Use "en" or "fr" for --lang, not "${value}"`,
      fr: `Donnez « en » ou « fr » à --lang, pas « ${value} »`,
    });
  return value;
}

/** Where progress is drawn: stderr, or a stand-in with the same two members in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Ten redraws a second look continuous; redrawing after every one of 5,000 fast domains would only cost time. */
const PROGRESS_INTERVAL_MS = 100;

/** Writes a duration as people read it on a progress line: `45s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** One progress line: `check 120/600 (20%)  14.2/s  ETA 34s`; rate and ETA wait for the first domain done. */
export function formatProgress(label: string, done: number, total: number, elapsedMs: number): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const head = `${label} ${done}/${total} (${percent}%)`;
  if (done === 0 || elapsedMs <= 0) return head;
  const rate = done / (elapsedMs / 1000);
  const tail =
    done >= total ? `done in ${formatDuration(elapsedMs / 1000)}` : `ETA ${formatDuration((total - done) / rate)}`;
  return `${head}  ${rate.toFixed(1)}/s  ${tail}`;
}

/**
 * Draws progress on one line of `stream`, only when it is a terminal and `--quiet` is off (clig.dev: no animation off
 * a TTY, so cron mail stays clean); undefined otherwise, so callers pass it on as is.
 */
export function progressReporter(
  label: string,
  options: { quiet?: boolean; stream?: ProgressStream; now?: () => number } = {},
): ((done: number, total: number) => void) | undefined {
  const stream = options.stream ?? process.stderr;
  if (options.quiet === true || stream.isTTY !== true) return undefined;
  const now = options.now ?? Date.now;
  const started = now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  return (done, total) => {
    const time = now();
    const isLast = done >= total;
    if (!isLast && time - drawnAt < PROGRESS_INTERVAL_MS) return;
    drawnAt = time;
    // \r returns to the line start and ESC[K clears what a longer previous line left behind.
    stream.write(`\r\u001b[K${formatProgress(label, done, total, time - started)}${isLast ? '\n' : ''}`);
  };
}
