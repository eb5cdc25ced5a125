import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import Database from 'better-sqlite3';
import {
  applyArgs,
  createBouncingList,
  createSympaList,
  setBounceScore,
  sympa,
  SYMPA,
  type SympaList,
} from './helpers/sympa.js';
import { facteur } from './helpers/facteur.js';

const DAY = 86_400_000;

describe('facteur dormant apply on a real Sympa: the bouncing members go, the others stay', () => {
  let list: SympaList;
  let dir: string;
  let dbFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-sympa-'));
    dbFile = join(dir, 'f.sqlite');
    list = await createSympaList('facteur-apply');
    await list.add([
      { email: 'alice@example.org' },
      { email: 'bob@example.net' },
      { email: 'carol@example.com' },
      { email: 'dave@example.org' },
    ]);
    // Sympa's own evidence for bob: a recorded bounce and a score past its removal level.
    await list.bounce([{ email: 'bob@example.net', status: '5.1.1' }]);
    setBounceScore(list, 'bob@example.net', 87);
    // facteur's evidence for carol: hard bounces on three days over three weeks, as `bounces fetch` records them.
    const db = openDatabase(dbFile);
    db.prepare("INSERT INTO bounce_sources (id, name) VALUES (1, 'test')").run();
    for (const days of [21, 11, 1]) {
      const at = Date.now() - days * DAY;
      const message = db
        .prepare(
          "INSERT INTO bounce_messages (source_id, message_key, content_hash, kind, received_at, fetched_at) VALUES (1, ?, 'h', 'bounce', ?, ?)",
        )
        .run(`m${days}`, at, at).lastInsertRowid;
      db.prepare(
        `INSERT INTO bounce_events (message_id, address, subscribed_address, kind, reason, status_code, hardbounce,
           permanent, list, occurred_at) VALUES (?, 'carol@example.com', 'carol@example.com', 'bounce', 'userunknown',
           '5.1.1', 1, 1, ?, ?)`,
      ).run(message, list.address, at);
    }
    db.close();
  });
  afterAll(async () => {
    await list.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const apply = (...more: string[]) => facteur([...applyArgs(list, dbFile), ...more]);

  it('changes nothing without --yes and says what it would remove', async () => {
    const { code, stdout } = await apply();
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { isDryRun: boolean; results: { address: string; outcome: string }[] };
    expect(result.isDryRun).toBe(true);
    expect(result.results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'planned'],
      ['carol@example.com', 'planned'],
    ]);
    expect(await list.review()).toEqual([
      'alice@example.org',
      'bob@example.net',
      'carol@example.com',
      'dave@example.org',
    ]);
  });

  it('runs sympa del with --yes: sympa review shows the bouncing members gone', async () => {
    const { code, stdout } = await apply('--yes');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { isDryRun: boolean; results: { address: string; outcome: string }[] };
    expect(result.results.map((item) => item.outcome)).toEqual(['removed', 'removed']);
    expect(await list.review()).toEqual(['alice@example.org', 'dave@example.org']);
  });
});

/** Records hard bounces of `address` on `list` 21, 11 and 1 days ago in `dbFile`, as `bounces fetch` does. */
function recordBounces(dbFile: string, list: string, address: string): void {
  const db = openDatabase(dbFile);
  db.prepare("INSERT OR IGNORE INTO bounce_sources (id, name) VALUES (1, 'test')").run();
  for (const days of [21, 11, 1]) {
    const at = Date.now() - days * DAY;
    const message = db
      .prepare(
        "INSERT INTO bounce_messages (source_id, message_key, content_hash, kind, received_at, fetched_at) VALUES (1, ?, 'h', 'bounce', ?, ?)",
      )
      .run(`${address}-${days}`, at, at).lastInsertRowid;
    db.prepare(
      `INSERT INTO bounce_events (message_id, address, subscribed_address, kind, reason, status_code, hardbounce,
         permanent, list, occurred_at) VALUES (?, ?, ?, 'bounce', 'userunknown', '5.1.1', 1, 1, ?, ?)`,
    ).run(message, address, address, list, at);
  }
  db.close();
}

describe('facteur dormant apply --sympa --yes without an import: the store knows whom Sympa removed', () => {
  let list: SympaList;
  let dir: string;
  let dbFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-sympa-rerun-'));
    dbFile = join(dir, 'f.sqlite');
    list = await createSympaList('facteur-rerun');
    await list.add([{ email: 'alice@example.org' }, { email: 'bob@example.net' }, { email: 'carol@example.com' }]);
    recordBounces(dbFile, list.address, 'bob@example.net');
    recordBounces(dbFile, list.address, 'carol@example.com');
  });
  afterAll(async () => {
    await list.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const listing = (...more: string[]) =>
    facteur(['dormant', '--db', dbFile, '--list', list.address, '--no-dns', ...more]);
  const applyOnly = (...more: string[]) =>
    facteur(['dormant', 'apply', '--sympa', list.address, '--db', dbFile, '--sympa-command', SYMPA, '--json', ...more]);
  type Listing = { entries: { address: string }[]; summary: { entries: number; removedByApply: number } };
  type Applied = { results: { address: string; outcome: string; removedAt?: string; command?: string[] }[] };

  it('records what sympa del removed, and the next listing no longer shows it', async () => {
    const imported = await listing('--sympa-db', list.dbFile, '--json');
    expect(imported.code).toBe(1);
    expect((JSON.parse(imported.stdout) as Listing).entries.map((entry) => entry.address)).toEqual([
      'bob@example.net',
      'carol@example.com',
    ]);
    const before = Date.now();
    const applied = await applyOnly('--yes');
    const after = Date.now();
    expect(applied.code).toBe(0);
    expect((JSON.parse(applied.stdout) as Applied).results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'removed'],
      ['carol@example.com', 'removed'],
    ]);
    expect(await list.review()).toEqual(['alice@example.org']);

    const db = openDatabase(dbFile);
    const rows = db
      .prepare(
        'SELECT list, address, removed_at, method, command, actor, superseded_at FROM list_removals ORDER BY address',
      )
      .all() as { removed_at: number; command: string; actor: string }[];
    db.close();
    expect(rows).toMatchObject([
      { list: list.address, address: 'bob@example.net', method: 'sympa_del', superseded_at: null },
      { list: list.address, address: 'carol@example.com', method: 'sympa_del', superseded_at: null },
    ]);
    for (const row of rows) {
      expect(row.removed_at).toBeGreaterThanOrEqual(before);
      expect(row.removed_at).toBeLessThanOrEqual(after);
      expect(JSON.parse(row.command)).toEqual([SYMPA, 'del', '--quiet', list.address]);
      expect(row.actor).not.toBe('');
    }

    const json = await listing('--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Listing;
    expect(report.entries).toEqual([]);
    expect(report.summary).toMatchObject({ entries: 0, removedByApply: 2 });
    const text = await listing();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('2 members were removed by an earlier facteur dormant apply');
    const commands = await listing('--format', 'sympa');
    expect(commands.code).toBe(0);
    expect(commands.stdout).toBe('');
  });

  it('a rerun reports them already removed, gives Sympa nothing, and exits 0', async () => {
    const rerun = await applyOnly('--yes');
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const results = (JSON.parse(rerun.stdout) as Applied).results;
    expect(results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'already_removed'],
      ['carol@example.com', 'already_removed'],
    ]);
    expect(results[0]?.command).toEqual([SYMPA, 'del', '--quiet', list.address]);
    expect(Date.parse(results[0]?.removedAt ?? '')).toBeGreaterThan(Date.now() - DAY);
    const text = await facteur([
      'dormant',
      'apply',
      '--sympa',
      list.address,
      '--db',
      dbFile,
      '--sympa-command',
      SYMPA,
      '--yes',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`already_removed carol@example.com  removed `);
    expect(await list.review()).toEqual(['alice@example.org']);
  });

  it('an import from Sympa that lists the address again wins: it is a member to remove again', async () => {
    await list.add([{ email: 'carol@example.com' }]);
    const imported = await listing('--sympa-db', list.dbFile, '--json');
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.stdout) as Listing;
    expect(report.entries.map((entry) => entry.address)).toEqual(['carol@example.com']);
    expect(report.summary.removedByApply).toBe(0);
    const applied = await applyOnly('--yes');
    expect(applied.code).toBe(0);
    expect((JSON.parse(applied.stdout) as Applied).results.map((item) => [item.address, item.outcome])).toEqual([
      ['carol@example.com', 'removed'],
    ]);
    expect(await list.review()).toEqual(['alice@example.org']);
  });
});

/** The processes `pid` started, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('Ctrl-C during facteur dormant apply --sympa --yes', () => {
  let list: SympaList;
  let dir: string;
  let dbFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-sympa-int-'));
    dbFile = join(dir, 'f.sqlite');
    list = await createBouncingList('facteur-ctrlc');
  });
  afterAll(async () => {
    await list.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops Sympa as a terminal would, says what it knows, exits 130; the next apply removes who is left', async () => {
    const interrupted = await facteur(
      [...applyArgs(list, dbFile), '--yes'],
      (child) => {
        const timer = setInterval(() => {
          void childrenOf(child.pid ?? 0).then((children) => {
            if (children.length === 0 || child.pid === undefined) return;
            clearInterval(timer);
            process.kill(-child.pid, 'SIGINT');
          });
        }, 10);
      },
      { ownGroup: true },
    );
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('facteur: interrupted: sympa del was stopped');
    const result = JSON.parse(interrupted.stdout) as { stopped: unknown; results: { outcome: string }[] };
    expect(result.stopped).toEqual({ reason: 'interrupted' });
    expect(result.results).toHaveLength(2);
    for (const item of result.results) expect(['removed', 'unknown']).toContain(item.outcome);

    const rerun = await facteur([...applyArgs(list, dbFile), '--yes']);
    expect(rerun.code).toBe(0);
    expect(await list.review()).toEqual(['alice@example.org']);
  });
});

describe('facteur dormant --format sympa piped into the real sympa del', () => {
  let list: SympaList;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-sympa-pipe-'));
    list = await createSympaList('facteur-pipe');
    await list.add([{ email: 'alice@example.org' }, { email: "d.o'brien@example.org" }]);
    // Sympa's address pattern takes "#" in a local part, as its web interface does; `sympa add` reads it as a comment.
    const db = new Database(list.dbFile, { timeout: 5_000 });
    db.prepare(
      `INSERT INTO subscriber_table (list_subscriber, robot_subscriber, user_subscriber, date_epoch_subscriber,
         update_epoch_subscriber, subscribed_subscriber, reception_subscriber, visibility_subscriber,
         number_messages_subscriber) VALUES (?, ?, '#hash@example.org', 1796529908, 1796529908, 1, 'mail', 'noconceal', 0)`,
    ).run(list.name, list.domain);
    // What bounced.pl records, and a score past Sympa's removal level.
    db.prepare(
      `UPDATE subscriber_table SET bounce_subscriber = ?, bounce_score_subscriber = 90
         WHERE list_subscriber = ? AND robot_subscriber = ? AND user_subscriber <> 'alice@example.org'`,
    ).run(
      `${Math.floor(Date.now() / 1000) - 20 * 86_400} ${Math.floor(Date.now() / 1000)} 5 5.1.1`,
      list.name,
      list.domain,
    );
    db.close();
  });
  afterAll(async () => {
    await list.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('names on stderr the address sympa del skips without a word', async () => {
    const listed = await facteur([
      'dormant',
      '--db',
      join(dir, 'f.sqlite'),
      '--list',
      list.address,
      '--sympa-db',
      list.dbFile,
      '--no-dns',
      '--format',
      'sympa',
    ]);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toBe("#hash@example.org\nd.o'brien@example.org\n");
    const removed = await sympa(['del', '--quiet', list.address], listed.stdout);
    expect(removed.code).toBe(0);
    // Sympa took the line for a comment and said nothing of it: facteur has to.
    expect(removed.stderr).not.toContain('#hash');
    expect(await list.review()).toEqual(['#hash@example.org', 'alice@example.org']);
    expect(listed.stderr).toContain('sympa del would not read 1 address as written');
    expect(listed.stderr).toContain('"#hash@example.org"');
  });
});
