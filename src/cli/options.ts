import { InvalidArgumentError } from 'commander';
import { isLang, langFromEnv, type Lang } from '../i18n.js';

/** Parses a positive integer option value. */
export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return parsed;
}

/** Parses a non-negative integer option value. */
export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  }
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
  if (!isLang(value)) throw new InvalidArgumentError(`expected "en" or "fr", got "${value}"`);
  return value;
}

/** Writes a progress line to stderr, only when it is a terminal (clig.dev: no animation off a TTY). */
export function progressReporter(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (done, total) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    process.stderr.write(`\r${label} ${done}/${total}  ${rate.toFixed(1)}/s  ETA ${eta}s `);
    if (done === total) process.stderr.write('\n');
  };
}
