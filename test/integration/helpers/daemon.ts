import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

/** A server the tests run as a child process in the foreground, with a working directory of its own. */
export interface Daemon {
  stop(): Promise<void>;
}

/**
 * Starts `command` and waits until `isReady()` says so (`timeoutMs`, 15 s unless told); the daemon exiting first, or
 * never getting ready, is an error carrying its stderr. Stopping it removes `workdir`.
 */
export async function startDaemon(options: {
  command: string;
  args: string[];
  workdir: string;
  name: string;
  isReady: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<Daemon> {
  const child: ChildProcess = spawn(options.command, options.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
    child.once('error', (error) => {
      stderr += error.message;
      resolve(-1);
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(options.workdir, { recursive: true, force: true });
  };
  try {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${options.name} exited early: ${stderr.trim()}`);
      if (await options.isReady()) break;
      if (Date.now() > deadline)
        throw new Error(`${options.name} was not ready within ${timeoutMs / 1000} s: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
