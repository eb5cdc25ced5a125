import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/main.js');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** Runs the built CLI as `nobody` (setpriv, from util-linux), in English. */
function asNobody(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('setpriv', [...NOBODY, process.execPath, BIN, ...args], {
    env: { PATH: process.env.PATH, LANG: 'C' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Only root can become another user; and `nobody` must be able to read the built CLI where this checkout lies. */
const canBecomeNobody = process.getuid?.() === 0 && spawnSync('setpriv', [...NOBODY, 'test', '-r', BIN]).status === 0;

describe('a database written by an older facteur, opened by a command that only reads', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-upgrade-'));
    path = join(dir, 'history.sqlite');
    const raw = new Database(path);
    for (const [index, step] of MIGRATIONS.slice(0, -1).entries()) {
      step(raw);
      raw.pragma(`user_version = ${index + 1}`);
    }
    raw.close();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(canBecomeNobody)(
    'tells a user who may not write it who can bring it up to date, then reads it once its owner has',
    () => {
      // The directory takes anyone's -wal and -shm files, as /tmp does; the database stays its owner's alone.
      chmodSync(dir, 0o1777);
      chmodSync(path, 0o644);
      const refused = asNobody(['changes', '--db', path]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toBe(
        `facteur: Cannot read database "${path}": it was written by an older facteur, and this user may not write it to bring it up to date (SQLITE_READONLY); run this command once as a user who may, such as its owner\n`,
      );
      const owner = spawnSync(process.execPath, [BIN, 'changes', '--db', path], {
        env: { PATH: process.env.PATH, LANG: 'C' },
        encoding: 'utf8',
      });
      expect(owner.status).toBe(0);
      const read = asNobody(['changes', '--db', path]);
      expect(read).toMatchObject({ status: 0, stderr: '' });
      expect(read.stdout).toContain('Nothing to compare yet');
    },
  );
});

describe('a new database opened by several facteur processes at once (a night’s check, a send, a `changes`)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-race-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `path` for writing in a process of its own, as each facteur command does; resolves its exit and output. */
  function openInProcess(path: string): Promise<{ status: number | null; output: string }> {
    const database = join(import.meta.dirname, '../../dist/src/store/database.js');
    const script = `import { openDatabase } from ${JSON.stringify(database)}; openDatabase(process.argv[1]).close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, path], { stdio: 'pipe' });
    let output = '';
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    return new Promise((resolve) =>
      child.on('exit', (status) => {
        resolve({ status, output });
      }),
    );
  }

  it('brings it to the latest schema once, with no process failing on a step another one ran', async () => {
    for (let round = 0; round < 6; round++) {
      const path = join(dir, `new-${round}.sqlite`);
      const results = await Promise.all([0, 1, 2, 3].map(() => openInProcess(path)));
      expect(results).toEqual(results.map(() => ({ status: 0, output: '' })));
      const db = new Database(path, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      db.close();
    }
  });
});
