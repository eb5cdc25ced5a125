import { spawnSync } from 'node:child_process';
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
