import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { writeLockHolder } from '../../src/store/lock-holder.js';

describe.runIf(process.platform === 'linux')('writeLockHolder()', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-lock-holder-'));
    path = join(dir, 'store.sqlite');
    openDatabase(path).close();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the process in a write transaction, and none once it has committed', async () => {
    // Another process opens the store, begins a write transaction, says so, and commits when told.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('begun\\n');
      process.stdin.once('data', () => { db.exec('COMMIT'); process.stdout.write('committed\\n'); });`;
    const child = spawn(process.execPath, ['-e', script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(child.stdout, 'data');
      expect(writeLockHolder(path)).toEqual({ pid: child.pid, command: 'node' });
      child.stdin.write('commit\n');
      await once(child.stdout, 'data');
      expect(writeLockHolder(path)).toBeUndefined();
    } finally {
      child.kill();
    }
  });

  it('names none for a database with no -shm file beside it', () => {
    expect(writeLockHolder(join(dir, 'none.sqlite'))).toBeUndefined();
  });
});
