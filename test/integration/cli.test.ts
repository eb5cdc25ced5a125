import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../dist/src/cli/main.js');

describe('facteur CLI', () => {
  it('prints help and exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help'], {
      env: { PATH: process.env.PATH, LANG: 'C' },
      cwd: import.meta.dirname,
    });
    expect(stdout).toContain('Usage: facteur');
  });

  it('prints help in the language the commands speak: LANG, unless --lang says otherwise', async () => {
    // LANG alone speaks, and no config file is found from this directory; run() rejects on any exit code but 0.
    const options = { env: { PATH: process.env.PATH, LANG: 'fr_FR.UTF-8' }, cwd: import.meta.dirname };
    const french = await run(process.execPath, [BIN, 'check', '--help'], options);
    expect(french.stdout).toMatch(/^Utilisation : facteur check \[options\] \[domains\.\.\.\]\n/);
    expect(french.stdout).toContain('\nArguments :\n');
    expect(french.stdout).toContain('\nOptions :\n');
    expect(french.stdout).toContain('afficher l’aide de la commande');
    expect(french.stderr).toBe('');
    const english = await run(process.execPath, [BIN, 'check', '--lang', 'en', '--help'], options);
    expect(english.stdout).toMatch(/^Usage: facteur check \[options\] \[domains\.\.\.\]\n/);
    expect(english.stdout).toContain('\nOptions:\n');
    expect(english.stdout).toContain('display help for command');
  });

  it('loads only the command it runs: check brings in neither an IMAP client, nor a SQL driver, nor a mail builder', async () => {
    // The packages a command loaded are in the CommonJS cache; an ES module cannot read its own loader's list.
    const loaded = async (...args: string[]): Promise<string[]> => {
      const script = [
        "import { createRequire } from 'node:module';",
        `const { buildProgram } = await import(${JSON.stringify(join(import.meta.dirname, '../../dist/src/cli/program.js'))});`,
        "await buildProgram('en', ['node', 'facteur', ...process.argv.slice(1)]);",
        'const cache = Object.keys(createRequire(import.meta.url).cache);',
        "const packages = ['imapflow', 'mysql2', 'pg', 'nodemailer', 'better-sqlite3', 'tldts'];",
        "console.log(packages.filter((name) => cache.some((file) => file.includes(`/node_modules/${name}/`))).join(' '));",
      ].join('\n');
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, '--', ...args]);
      return stdout.trim().split(' ');
    };
    expect(await loaded('check', 'example.org')).toEqual(['better-sqlite3', 'tldts']);
    // The Sympa database drivers are loaded when a database is read, not with the command that may read one; the IMAP
    // client and the mail builder when bounces fetch, send or dormant runs, not with their help.
    expect(await loaded('--help')).toEqual(['better-sqlite3', 'tldts']);
  });

  it('exits 2 on an unknown option', async () => {
    await expect(run(process.execPath, [BIN, '--no-such-option'])).rejects.toMatchObject({ code: 2 });
  });

  it('says a mistyped option in one line of the user’s language, with the command’s help to look at', async () => {
    // LANG alone speaks: nothing inherited from the machine running the tests overrides it.
    const env = { PATH: process.env.PATH, LANG: 'fr_FR.UTF-8' };
    await expect(
      run(process.execPath, [BIN, 'bounces', 'fetch', '--mailbox-folder', 'x'], { env, cwd: import.meta.dirname }),
    ).rejects.toMatchObject({
      code: 2,
      stderr:
        'facteur : option inconnue « --mailbox-folder »\nLancez « facteur bounces fetch --help » pour en voir les options et les arguments.\n',
    });
  });
});
