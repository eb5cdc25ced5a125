import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorLang, exitCodeFor } from '../../src/cli/run-cli.js';
import { InputError, TransientError } from '../../src/errors.js';

/** What exitCodeFor wrote on stderr. */
function stderrOf(run: () => number): { code: number; text: string } {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = run();
    return { code, text: spy.mock.calls.map(([chunk]) => String(chunk)).join('') };
  } finally {
    spy.mockRestore();
  }
}

const badRow = new InputError(
  { en: 'Cannot use row: invalid domain "x y"', fr: 'Impossible d’utiliser la ligne : domaine « x y » invalide' },
  { file: 'members.csv', line: 3, record: 'x y' },
);

describe('errorLang()', () => {
  it('takes --lang from the command line, in either spelling, before the environment', () => {
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'fr'], { LANG: 'C' })).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang=fr'], { LANG: 'C' })).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'en'], { LANG: 'fr_FR.UTF-8' })).toBe('en');
  });

  it('falls back to the environment when --lang is missing or invalid', () => {
    expect(errorLang(['node', 'facteur', 'check'], { LANG: 'fr_FR.UTF-8' })).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'de'], { LC_ALL: 'fr_BE.UTF-8' })).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang'], {})).toBe('en');
  });
});

describe('exitCodeFor()', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints an input error in French with its location, French typography included, and exits 2', () => {
    const { code, text } = stderrOf(() => exitCodeFor(badRow, 'fr'));
    expect(code).toBe(2);
    expect(text).toBe(
      'facteur : Impossible d’utiliser la ligne : domaine « x y » invalide (members.csv:3 enregistrement « x y »)\n',
    );
  });

  it('prints the same error in English', () => {
    const { text } = stderrOf(() => exitCodeFor(badRow, 'en'));
    expect(text).toBe('facteur: Cannot use row: invalid domain "x y" (members.csv:3 record "x y")\n');
  });

  it('prints a transient error in the language asked and exits 3', () => {
    const error = new TransientError({ en: 'Cannot reach the server', fr: 'Serveur injoignable' });
    expect(stderrOf(() => exitCodeFor(error, 'fr'))).toEqual({ code: 3, text: 'facteur : Serveur injoignable\n' });
    expect(error.message).toBe('Cannot reach the server');
  });
});
