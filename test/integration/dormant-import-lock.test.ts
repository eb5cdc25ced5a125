import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { facteur, type CliResult } from './helpers/facteur.js';
import { runAcross } from './helpers/pause-at.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/sympa');
const ROBOT = 'lists.example.org';
/** Three lists, each larger than the first swap transaction takes with another (SWAP_FIRST_ROWS in list-members.ts). */
const LISTS = ['alpha', 'beta', 'gamma'];
const MEMBERS_PER_LIST = 30_000;
/** The statement a swap transaction of the import prepares first, before it takes the write lock. */
const SWAP_START = 'DELETE FROM list_members WHERE list IN';

/** Sympa's SQLite database, each list holding `u<k>@<version>.example` for k below MEMBERS_PER_LIST. */
function writeSympaDatabase(file: string, version: string): void {
  rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.exec(readFileSync(join(FIXTURES, 'subscriber-table.sql'), 'utf8'));
    db.exec('DELETE FROM subscriber_table');
    for (const list of LISTS)
      db.prepare(
        `INSERT INTO subscriber_table (list_subscriber, robot_subscriber, user_subscriber, date_epoch_subscriber,
           update_epoch_subscriber, subscribed_subscriber, reception_subscriber, visibility_subscriber,
           number_messages_subscriber)
         WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ?)
         SELECT ?, ?, 'u' || k || '@' || ? || '.example', 1795444000, 1795444000, 1, 'mail', 'noconceal', 0 FROM n`,
      ).run(MEMBERS_PER_LIST - 1, list, ROBOT, version);
  } finally {
    db.close();
  }
}

/** Which version of Sympa's database each list of the store holds: the members' domain, when all share one. */
function versionsOf(store: string): Record<string, string[]> {
  const db = new Database(store, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT list, substr(address, instr(address, '@') + 1) AS domain, count(*) AS n FROM list_members
         GROUP BY list, domain ORDER BY list, domain`,
      )
      .all() as { list: string; domain: string; n: number }[];
    const versions: Record<string, string[]> = {};
    for (const row of rows) (versions[row.list] ??= []).push(`${row.domain} ${row.n}`);
    return versions;
  } finally {
    db.close();
  }
}

describe('facteur dormant importing Sympa lists into a store other commands write', () => {
  let dir: string;
  let sympaDb: string;
  let store: string;
  const importArgs = (): string[] => ['dormant', '--db', store, '--sympa-db', sympaDb, '--no-dns', '--format', 'csv'];
  const listKey = (list: string): string => `${list}@${ROBOT}`;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-import-lock-'));
    sympaDb = join(dir, 'sympa.sqlite');
    store = join(dir, 'f.sqlite');
    writeSympaDatabase(sympaDb, 'old');
    const first = await facteur(importArgs());
    if (!first.stderr.includes(`3 lists, ${3 * MEMBERS_PER_LIST} members imported`)) throw new Error(first.stderr);
    writeSympaDatabase(sympaDb, 'new');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Imports the new version, stopped between two of its swap transactions while `meanwhile` runs. */
  const importAcross = (meanwhile: (child: ChildProcess) => void | Promise<void>): Promise<CliResult> =>
    runAcross(importArgs(), { sql: SWAP_START, nth: 2 }, meanwhile);

  it('lets another writer commit between two lists, without waiting', async () => {
    const result = await importAcross(() => {
      // No busy timeout: a write lock held by the import would fail this at once.
      const db = new Database(store, { timeout: 0 });
      try {
        db.prepare("INSERT INTO meta (key, value) VALUES ('between-lists', 'written')").run();
      } finally {
        db.close();
      }
      // The first list is swapped already, the others not yet.
      expect(versionsOf(store)).toEqual({
        [listKey('alpha')]: [`new.example ${MEMBERS_PER_LIST}`],
        [listKey('beta')]: [`old.example ${MEMBERS_PER_LIST}`],
        [listKey('gamma')]: [`old.example ${MEMBERS_PER_LIST}`],
      });
      return Promise.resolve();
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`3 lists, ${3 * MEMBERS_PER_LIST} members imported`);
    expect(versionsOf(store)).toEqual(
      Object.fromEntries(LISTS.map((list) => [listKey(list), [`new.example ${MEMBERS_PER_LIST}`]])),
    );
  });

  it('killed between two lists, leaves each list whole, old or new; importing again finishes the job', async () => {
    const killed = await importAcross(async (child) => {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(versionsOf(store)).toEqual({
      [listKey('alpha')]: [`new.example ${MEMBERS_PER_LIST}`],
      [listKey('beta')]: [`old.example ${MEMBERS_PER_LIST}`],
      [listKey('gamma')]: [`old.example ${MEMBERS_PER_LIST}`],
    });
    const rerun = await facteur(importArgs());
    expect(rerun.stderr).toContain(`3 lists, ${3 * MEMBERS_PER_LIST} members imported`);
    expect(versionsOf(store)).toEqual(
      Object.fromEntries(LISTS.map((list) => [listKey(list), [`new.example ${MEMBERS_PER_LIST}`]])),
    );
  });

  it('killed in the first import of a store, leaves its index by domain to the next import, which builds it', async () => {
    const fresh = join(dir, 'g.sqlite');
    const args = ['dormant', '--db', fresh, '--sympa-db', sympaDb, '--no-dns', '--format', 'csv'];
    const setAside = (): unknown => {
      const db = new Database(fresh, { readonly: true });
      try {
        return db
          .prepare(
            `SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'list_members_by_domain'),
               (SELECT count(*) FROM meta WHERE key = 'dormant.set-aside-index.list_members_by_domain')`,
          )
          .raw()
          .get();
      } finally {
        db.close();
      }
    };
    const killed = await runAcross(args, { sql: SWAP_START, nth: 2 }, async (child) => {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    });
    expect(killed.signal).toBe('SIGKILL');
    // The first list is in, the others not yet; the index was dropped and its SQL kept.
    expect(versionsOf(fresh)).toEqual({ [listKey('alpha')]: [`new.example ${MEMBERS_PER_LIST}`] });
    expect(setAside()).toEqual([0, 1]);
    const rerun = await facteur(args);
    expect(rerun.stderr).toContain(`3 lists, ${3 * MEMBERS_PER_LIST} members imported`);
    expect(versionsOf(fresh)).toEqual(
      Object.fromEntries(LISTS.map((list) => [listKey(list), [`new.example ${MEMBERS_PER_LIST}`]])),
    );
    expect(setAside()).toEqual([1, 0]);
  });
});
