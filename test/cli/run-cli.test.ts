import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { errorLang, exitCodeFor } from '../../src/cli/run-cli.js';
import { CommanderError } from 'commander';
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
  // A directory without facteur.config.json, and configs beside it.
  const dir = mkdtempSync(join(tmpdir(), 'facteur-error-lang-'));
  const empty = mkdtempSync(join(dir, 'empty-'));
  const french = join(dir, 'french.config.json');
  writeFileSync(french, JSON.stringify({ lang: 'fr' }));
  const broken = join(dir, 'broken.config.json');
  writeFileSync(broken, JSON.stringify({ lang: 'fr', dns: { timeout: '3s' } }));
  writeFileSync(join(dir, 'facteur.config.json'), JSON.stringify({ lang: 'fr' }));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes --lang from the command line, in either spelling, before the config and the environment', () => {
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'fr'], { LANG: 'C' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang=fr'], { LANG: 'C' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'en'], { LANG: 'fr_FR.UTF-8' }, empty)).toBe('en');
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'en', '--config', french], {}, empty)).toBe('en');
  });

  it('takes the config’s lang before the environment, as the commands do under cron’s LANG=C', () => {
    expect(errorLang(['node', 'facteur', 'check', '--config', french], { LANG: 'C' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'changes', `--config=${french}`], { LANG: 'C' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check'], { LANG: 'C', FACTEUR_CONFIG: french }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check'], { LANG: 'C' }, dir)).toBe('fr');
  });

  it('falls back to the environment when --lang is missing or invalid and no config says', () => {
    expect(errorLang(['node', 'facteur', 'check'], { LANG: 'fr_FR.UTF-8' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang', 'de'], { LC_ALL: 'fr_BE.UTF-8' }, empty)).toBe('fr');
    expect(errorLang(['node', 'facteur', 'check', '--lang'], {}, empty)).toBe('en');
  });

  it('falls back to the environment when the config is the thing that cannot be read', () => {
    expect(errorLang(['node', 'facteur', 'check', '--config', broken], { LANG: 'C' }, empty)).toBe('en');
    expect(errorLang(['node', 'facteur', 'check', '--config', join(dir, 'missing.json')], {}, empty)).toBe('en');
  });
});

describe('exitCodeFor()', () => {
  it('says a usage error in one line of the user’s language, then where the command’s help is, and exits 2', () => {
    const unknown = new CommanderError(1, 'commander.unknownOption', "error: unknown option '--bogus'");
    expect(stderrOf(() => exitCodeFor(unknown, 'fr', 'facteur check'))).toEqual({
      code: 2,
      text: 'facteur : option inconnue « --bogus »\nLancez « facteur check --help » pour en voir les options et les arguments.\n',
    });
    expect(stderrOf(() => exitCodeFor(unknown, 'en', 'facteur check')).text).toBe(
      'facteur: unknown option \'--bogus\'\nRun "facteur check --help" to see its options and arguments.\n',
    );
  });

  it('adds nothing when commander printed help: asked for (exit 0) or for a missing command (exit 2)', () => {
    expect(stderrOf(() => exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')))).toEqual({
      code: 0,
      text: '',
    });
    expect(stderrOf(() => exitCodeFor(new CommanderError(1, 'commander.help', '(outputHelp)')))).toEqual({
      code: 2,
      text: '',
    });
  });

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

  it('says a full disk while a command writes its database in words, and exits 3: running again is safe', () => {
    const full = Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
    expect(stderrOf(() => exitCodeFor(full, 'en'))).toEqual({
      code: 3,
      text: 'facteur: Cannot use the database: the disk is full: free some space and run again (SQLITE_FULL)\n',
    });
  });

  it('reports any other SQLite error as a bug, with its stack', () => {
    const mistake = Object.assign(new Error('no such table: runs'), { name: 'SqliteError', code: 'SQLITE_ERROR' });
    const { code, text } = stderrOf(() => exitCodeFor(mistake, 'en'));
    expect(code).toBe(2);
    expect(text).toContain('facteur: unexpected error / erreur inattendue\nSqliteError: no such table: runs\n');
  });
});
