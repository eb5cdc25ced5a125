import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyArgs, createBouncingList, type SympaList } from './helpers/sympa.js';
import { facteur, type CliResult } from './helpers/facteur.js';
import { runAcross } from './helpers/pause-at.js';

/** `facteur dormant apply --yes`: these tests remove members for real. */
function applyYes(list: SympaList, dbFile: string): string[] {
  return [...applyArgs(list, dbFile), '--yes'];
}

/** An apply's JSON report, as far as these tests read it. */
interface Applied {
  results: { address: string; outcome: string; removedAt?: string }[];
}

describe('facteur dormant apply on a real Sympa, against concurrency and crashes', () => {
  let list: SympaList;
  let dir: string;
  let dbFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-apply-races-'));
    dbFile = join(dir, 'f.sqlite');
    list = await createBouncingList('facteur-races');
  });
  afterEach(async () => {
    await list.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('a second apply on the list while the first runs refuses (exit 2), naming the first; the first removes each member once', async () => {
    let second: CliResult | undefined;
    let firstPid = 0;
    // The first has read what to remove and not yet run sympa del when the second starts.
    const first = await runAcross(
      applyYes(list, dbFile),
      { sql: 'AND superseded_at IS NULL ORDER BY address', nth: 1 },
      async (child) => {
        firstPid = child.pid ?? 0;
        second = await facteur(applyYes(list, dbFile));
      },
    );
    expect(second?.code).toBe(2);
    expect(second?.stdout).toBe('');
    expect(second?.stderr).toContain(
      `Cannot apply removals to "${list.address}": "facteur dormant apply" (pid ${firstPid}) is applying removals to it`,
    );
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout) as Applied).results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'removed'],
      ['carol@example.com', 'removed'],
    ]);
    expect(await list.review()).toEqual(['alice@example.org']);
    // The lock went with the first: the next apply runs, and finds nothing left to remove.
    const next = await facteur(applyYes(list, dbFile));
    expect(next.code).toBe(0);
    expect((JSON.parse(next.stdout) as Applied).results.filter((item) => item.outcome !== 'already_removed')).toEqual(
      [],
    );
  });

  it('killed between sympa del and its record, the next apply records the removals once and says so', async () => {
    const killed = await runAcross(
      applyYes(list, dbFile),
      { sql: 'INSERT INTO list_removals (list', nth: 1 },
      async (child) => {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    // Sympa removed them; the store had not recorded it.
    expect(await list.review()).toEqual(['alice@example.org']);

    const rerun = await facteur(applyYes(list, dbFile));
    expect(rerun.code).toBe(0);
    const results = (JSON.parse(rerun.stdout) as Applied).results;
    expect(results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'recovered'],
      ['carol@example.com', 'recovered'],
    ]);
    expect(await list.review()).toEqual(['alice@example.org']);
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT address FROM list_removals ORDER BY address').pluck().all()).toEqual([
        'bob@example.net',
        'carol@example.com',
      ]);
      expect(db.prepare('SELECT count(*) FROM list_removal_intents').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    // Once recorded, a rerun tells them removed before, and gives Sympa nothing.
    const third = await facteur(applyYes(list, dbFile));
    expect(third.code).toBe(0);
    expect((JSON.parse(third.stdout) as Applied).results.filter((item) => item.outcome !== 'already_removed')).toEqual(
      [],
    );
  });
});
