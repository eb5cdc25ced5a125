import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { facteur, type CliResult } from './facteur.js';

/** Where a facteur process is made to stop: the n-th statement prepared whose SQL holds `sql`, or the n-th call of a `node:fs` function. */
export type PausePoint = { sql: string; nth: number } | { fs: 'renameSync' | 'linkSync'; nth: number };

/**
 * Loaded with `node --import` before the CLI: wraps better-sqlite3's `prepare` (or one `node:fs` function) so that the
 * process stops at the pause point, says so with a file, and waits for another file before it goes on. Synchronous
 * (Atomics.wait), as the store is: nothing of the process runs meanwhile, as if the scheduler had set it aside there.
 */
const PRELOAD = `
const { default: fs } = await import('node:fs');
const { syncBuiltinESMExports } = await import('node:module');
const { FACTEUR_PAUSE_DIR: dir, FACTEUR_PAUSE_SQL: sql, FACTEUR_PAUSE_FS: name, FACTEUR_PAUSE_NTH: nth } = process.env;
const cell = new Int32Array(new SharedArrayBuffer(4));
let seen = 0;
const pauseAt = (isPoint) => {
  if (!isPoint || ++seen !== Number(nth)) return;
  fs.writeFileSync(dir + '/paused', String(process.pid));
  while (!fs.existsSync(dir + '/resume')) Atomics.wait(cell, 0, 0, 20);
};
if (sql !== undefined) {
  const { default: Database } = await import(process.env.FACTEUR_PAUSE_SQLITE);
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (text) {
    pauseAt(text.includes(sql));
    return prepare.call(this, text);
  };
}
if (name !== undefined) {
  const original = fs[name];
  fs[name] = function (...args) {
    pauseAt(true);
    return original.apply(this, args);
  };
  syncBuiltinESMExports();
}
`;

/** The better-sqlite3 the built CLI loads, so that the preload wraps the very class it uses. */
const SQLITE_URL = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;

/** A pause point set in a facteur process: the arguments and environment to start it with, and its controls. */
export interface Pause {
  nodeArgs: string[];
  env: Record<string, string>;
  /** Resolves once the process has stopped at the pause point; rejects if `exited` settles first. */
  reached(exited: Promise<unknown>): Promise<void>;
  /** Lets the process go on. */
  resume(): void;
  /** Removes the files the pause used. */
  dispose(): void;
}

/** Sets a pause point for one facteur process started with `nodeArgs` and `env`. */
export function pauseAt(point: PausePoint): Pause {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-pause-'));
  const env: Record<string, string> = { FACTEUR_PAUSE_DIR: dir, FACTEUR_PAUSE_NTH: String(point.nth) };
  if ('sql' in point) Object.assign(env, { FACTEUR_PAUSE_SQL: point.sql, FACTEUR_PAUSE_SQLITE: SQLITE_URL });
  else env.FACTEUR_PAUSE_FS = point.fs;
  return {
    nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`],
    env,
    async reached(exited) {
      const child = { hasExited: false };
      void exited.finally(() => (child.hasExited = true));
      while (!existsSync(join(dir, 'paused'))) {
        if (child.hasExited) throw new Error('The process ended before it reached its pause point');
        await sleep(20);
      }
    },
    resume() {
      writeFileSync(join(dir, 'resume'), '');
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the built CLI with `args`, stopped at `point`; `meanwhile` runs while it waits there (a commit from this process
 * or another lands between two of the command's queries, where the scheduler may put any other process's; or the child
 * is signalled), then it goes on to its end.
 */
export async function runAcross(
  args: string[],
  point: PausePoint,
  meanwhile: (child: ChildProcess) => void | Promise<void>,
): Promise<CliResult> {
  const pause = pauseAt(point);
  try {
    const started: { child?: ChildProcess } = {};
    const running = facteur(args, (child) => (started.child = child), { nodeArgs: pause.nodeArgs, env: pause.env });
    await pause.reached(running);
    if (started.child === undefined) throw new Error('facteur was not started');
    await meanwhile(started.child);
    pause.resume();
    return await running;
  } finally {
    pause.dispose();
  }
}
