import { readFileSync } from 'node:fs';

/** Linux counts a process's start in clock ticks of 1/100 s (USER_HZ, fixed for user space). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The boot time in /proc/stat is in whole seconds, and clocks are slewed: a start this late still counts as before. */
const START_TOLERANCE_MS = 5000;

/**
 * Whether a local process still runs (signal 0 checks without sending anything); EPERM means it runs as someone else.
 * Given `since`, when the process recorded its run or took its lock (Unix ms), a process that started later is another
 * one that got the pid since: after a reboot, pids start again from low numbers, and a run cut short by the reboot
 * would otherwise read as running for as long as the new process lives.
 */
export function isProcessAlive(pid: number, since?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (since === undefined) return true;
  const started = processStartMs(pid);
  return started === undefined || started <= since + START_TOLERANCE_MS;
}

/** When a process started (Unix ms), from /proc on Linux: the boot time plus its start in ticks; undefined elsewhere. */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields counted after the command name, which may hold spaces and parentheses: starttime is field 22.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return undefined;
    return Number(boot) * 1000 + (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
