import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI (`npm run build`; the integration project's global setup builds it when missing). */
const BIN = join(import.meta.dirname, '../../../dist/src/cli/main.js');

/** What the built CLI did: its exit code, or the signal that ended it, and its whole output. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI with LANG=C, so its messages are in English; `whileRunning` may kill it. `ownGroup` starts it in
 * a process group of its own, as a shell does a foreground job: `process.kill(-child.pid, 'SIGINT')` is then the
 * Ctrl-C of a terminal, which reaches the commands facteur runs as well. `nodeArgs` go to node before the CLI (a
 * preload), `env` is added to the environment.
 */
export function facteur(
  args: string[],
  whileRunning?: (child: ChildProcess) => void,
  options: { ownGroup?: boolean; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      env: { ...process.env, LANG: 'C', ...options.env },
      detached: options.ownGroup === true,
    });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream, so that a character split between two chunks stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
    whileRunning?.(child);
  });
}
