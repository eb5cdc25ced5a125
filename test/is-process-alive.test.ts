import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, processStartMs } from '../src/is-process-alive.js';

describe('isProcessAlive()', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
  });

  it('tells a running process from one that is gone', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(spawnSync(process.execPath, ['-e', '0']).pid)).toBe(false);
  });

  it('takes a process that started after the time given for another one that got the pid since', () => {
    child = spawn('sleep', ['30']);
    const pid = child.pid ?? 0;
    // A run or lock recorded an hour ago under this pid: a reboot since gave the pid to this new process.
    expect(isProcessAlive(pid, Date.now() - 3_600_000)).toBe(false);
    expect(isProcessAlive(pid, Date.now())).toBe(true);
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('reads when a process started from /proc, to within the second the boot time is given in', () => {
    const started = processStartMs(process.pid);
    expect(started).toBeDefined();
    expect(Math.abs((started ?? 0) - (Date.now() - process.uptime() * 1000))).toBeLessThan(1500);
    expect(processStartMs(spawnSync(process.execPath, ['-e', '0']).pid)).toBeUndefined();
  });
});
