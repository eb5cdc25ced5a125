import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';

/** The better-sqlite3 the CLI uses: the holder takes SQLite's own write lock, as any other writer would. */
const SQLITE = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process holding a database's write lock until `release`. */
export interface WriteLockHolder {
  pid: number;
  /** Commits and lets the process end. */
  release(): Promise<void>;
}

/**
 * Starts a process that opens the WAL database `path`, begins an immediate transaction (SQLite's write lock) and holds
 * it until released: another run writing meanwhile meets a busy database for as long as the test wants.
 */
export async function holdWriteLock(path: string): Promise<WriteLockHolder> {
  const script = `
    const Database = require(${JSON.stringify(SQLITE)});
    const db = new Database(${JSON.stringify(path)});
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      reject(new Error(`The lock holder ended first (exit ${code})`));
    });
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('locked')) resolve();
    });
  });
  return {
    pid: child.pid ?? 0,
    async release() {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}
