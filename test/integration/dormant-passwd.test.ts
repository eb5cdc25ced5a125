import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facteur } from './helpers/facteur.js';

/** The built CLI, run under a file size limit. */
const BIN = join(import.meta.dirname, '../../dist/src/cli/main.js');

describe('facteur dormant --passwd-file F --passwd-out NEW', () => {
  let dir: string;
  let passwd: string;
  let logins: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-passwd-'));
    passwd = join(dir, 'users');
    await writeFile(passwd, 'marie:{PLAIN}x\npaul:{PLAIN}y\n');
    logins = join(dir, 'logins.csv');
    // marie last logged in years ago, paul yesterday.
    await writeFile(
      logins,
      `user,last_login\nmarie,2020-01-01T00:00:00Z\npaul,${Math.floor(Date.now() / 1000) - 86_400}\n`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (dbFile: string, out: string, ...more: string[]) =>
    facteur([
      'dormant',
      '--db',
      dbFile,
      '--format',
      'mailboxes',
      '--last-logins-csv',
      logins,
      '--passwd-file',
      passwd,
      '--passwd-out',
      out,
      ...more,
    ]);

  it('writes the copy with the unused mailboxes set to nologin, after the listing', async () => {
    const out = join(dir, 'users.new');
    const { code, stdout, stderr } = await run(join(dir, 'ok.sqlite'), out);
    expect(code).toBe(1);
    expect(stdout).toBe('marie\n');
    expect(stderr).toContain(`wrote "${out}" with 1 user set to nologin`);
    expect(await readFile(out, 'utf8')).toBe('marie:{PLAIN}x::::::nologin=y\npaul:{PLAIN}y\n');
  });

  it('refuses an existing --passwd-out before any work or output, naming it, and leaves it as it was', async () => {
    const out = join(dir, 'taken');
    await writeFile(out, 'kept\n');
    const dbFile = join(dir, 'taken.sqlite');
    const english = await run(dbFile, out);
    expect(english.code).toBe(2);
    expect(english.stdout).toBe('');
    expect(english.stderr).toContain(
      `Cannot write "${out}": the file already exists (EEXIST) and is never overwritten`,
    );
    const french = await run(dbFile, out, '--lang', 'fr');
    expect(french.code).toBe(2);
    expect(french.stdout).toBe('');
    expect(french.stderr).toContain(`Impossible d’écrire « ${out} » : ce fichier existe déjà (EEXIST)`);
    expect(await readFile(out, 'utf8')).toBe('kept\n');
    // Nothing was done: not even the database the run would have started.
    expect(existsSync(dbFile)).toBe(false);
  });

  it('refuses a --passwd-out whose directory does not exist before any work or output', async () => {
    const missing = join(dir, 'missing');
    const dbFile = join(dir, 'missing.sqlite');
    const { code, stdout, stderr } = await run(dbFile, join(missing, 'users.new'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`Cannot write "${join(missing, 'users.new')}": its directory "${missing}" does not exist`);
    expect(existsSync(dbFile)).toBe(false);
  });

  it.each([
    ['missing', () => join(dir, 'no-such-users'), 'no such file or directory (ENOENT)'],
    ['a directory', () => dir, 'it is a directory (EISDIR)'],
  ])('refuses a --passwd-file that is %s before any work or output', async (_name, file, why) => {
    const dbFile = join(dir, 'unreadable.sqlite');
    const out = join(dir, 'unreadable.new');
    const args = ['dormant', '--db', dbFile, '--format', 'mailboxes', '--last-logins-csv', logins];
    const { code, stdout, stderr } = await facteur([...args, '--passwd-file', file(), '--passwd-out', out]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`facteur: Cannot read passwd-file "${file()}": ${why}\n`);
    expect(existsSync(dbFile)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('leaves no half copy under --passwd-out when its write fails midway, so that the rerun writes it whole', async () => {
    // A passwd-file of 30,000 mailboxes (2.6 MB), its copy cut at 1 MB, as a full disk would cut it; the store stays under.
    const big = join(dir, 'users-big');
    const users = Array.from({ length: 30_000 }, (_, n) => `user${n}:{SHA512-CRYPT}$6$${'x'.repeat(60)}::::::`);
    await writeFile(big, `marie:{PLAIN}x\n${users.join('\n')}\n`);
    const out = join(dir, 'users-big.new');
    const args = ['dormant', '--db', join(dir, 'big.sqlite'), '--format', 'mailboxes', '--last-logins-csv', logins];
    const cut = spawnSync(
      'prlimit',
      ['--fsize=1000000', process.execPath, BIN, ...args, '--passwd-file', big, '--passwd-out', out],
      {
        env: { ...process.env, LANG: 'C' },
        encoding: 'utf8',
      },
    );
    expect(cut.status).toBe(2);
    expect(cut.stderr).toContain(`Cannot write "${out}"`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('users-big.new'))).toEqual([]);
    const rerun = await facteur([...args, '--passwd-file', big, '--passwd-out', out]);
    expect(rerun.code).toBe(1);
    expect(await readFile(out, 'utf8')).toBe(`marie:{PLAIN}x::::::nologin=y\n${users.join('\n')}\n`);
  });
});

describe('facteur dormant --last-logins-csv with French column names', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-logins-fr-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads "Utilisateur" and "Dernière connexion" among other columns, in any order', async () => {
    const logins = join(dir, 'connexions.csv');
    const yesterday = Math.floor(Date.now() / 1000) - 86_400;
    await writeFile(
      logins,
      `Quota,Dernière connexion,Utilisateur\n1G,2020-01-01T00:00:00Z,marie\n2G,${yesterday},paul\n`,
    );
    const args = ['dormant', '--db', join(dir, 'fr.sqlite'), '--format', 'mailboxes', '--last-logins-csv', logins];
    const { code, stdout, stderr } = await facteur(args);
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: 'marie\n', stderr: '' });
  });

  it('refuses a header naming the user column twice, in French too, naming both columns and the header line', async () => {
    const logins = join(dir, 'twice.csv');
    await writeFile(logins, 'user,Utilisateur,last_login\nmarie,marie,1577836800\n');
    const args = ['dormant', '--db', join(dir, 'twice.sqlite'), '--format', 'mailboxes', '--last-logins-csv', logins];
    const { code, stdout, stderr } = await facteur([...args, '--lang', 'fr']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `facteur : Impossible de lire le CSV des dernières connexions « ${logins} » : l’en-tête nomme deux fois la colonne « user », « user » et « Utilisateur » ; n’en gardez qu’une (${logins}:1)\n`,
    );
  });
});
