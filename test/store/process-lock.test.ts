import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/is-process-alive.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { releaseProcessLock, takeProcessLock } from '../../src/store/process-lock.js';
import { acquireRunLock, releaseRunLock } from '../../src/store/send-queue.js';

describe('takeProcessLock()', () => {
  let dir: string;
  let db: Db;
  const KEY = 'send.run-lock.1';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-lock-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const value = (): unknown => db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(KEY);

  it('keeps the lock for a live holder, with when it was taken, and lets only the holder release it', () => {
    // The test runner's parent process stands for a run that holds the lock.
    const at = Date.now();
    expect(takeProcessLock(db, KEY, process.ppid, isProcessAlive, at)).toBeNull();
    expect(value()).toBe(`${process.ppid}@${at}`);
    expect(takeProcessLock(db, KEY, process.pid, isProcessAlive, Date.now())).toBe(process.ppid);
    releaseProcessLock(db, KEY, process.pid);
    expect(value()).toBe(`${process.ppid}@${at}`);
    releaseProcessLock(db, KEY, process.ppid);
    expect(value()).toBeUndefined();
  });

  it('takes over a lock whose process is gone, or whose pid a process started since has (a reboot)', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY, `${dead}@${Date.now()}`);
    expect(takeProcessLock(db, KEY, process.pid, isProcessAlive, Date.now())).toBeNull();
    const other = spawn('sleep', ['30']);
    try {
      db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(`${other.pid ?? 0}@${Date.now() - 3_600_000}`, KEY);
      expect(acquireRunLock(db, 1, process.pid, isProcessAlive)).toBe(true);
      expect(value()).toMatch(new RegExp(`^${process.pid}@\\d+$`));
    } finally {
      other.kill();
    }
    releaseRunLock(db, 1, process.pid);
    expect(value()).toBeUndefined();
  });

  it('still honours a lock an earlier facteur kept as a bare pid, while that process runs', () => {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY, String(process.ppid));
    expect(takeProcessLock(db, KEY, process.pid, isProcessAlive, Date.now())).toBe(process.ppid);
    expect(acquireRunLock(db, 1, process.pid, isProcessAlive)).toBe(false);
  });
});
