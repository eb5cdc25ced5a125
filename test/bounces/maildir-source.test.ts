import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BounceMailbox } from '../../src/bounces/bounce-mailbox.js';
import { fetchBounces } from '../../src/bounces/fetch-bounces.js';
import { maildirUniqueName, openMaildirSource } from '../../src/bounces/maildir-source.js';
import { InputError } from '../../src/errors.js';
import { isProcessAlive } from '../../src/is-process-alive.js';
import { parseBounce } from '../../src/parse/bounce/parse-bounce.js';
import { acquireFetchLock, openBounceSource } from '../../src/store/bounce-events.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { readBounceCorpus } from '../integration/helpers/dovecot.js';

const corpus = readBounceCorpus().filter((m) => m.file.startsWith('bsd/'));

function oddCount(messages: readonly { raw: Buffer }[]): number {
  return messages.filter((m) => {
    const report = parseBounce(m.raw);
    return report.kind === 'other' || report.recipients.length === 0;
  }).length;
}

describe('openMaildirSource()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-maildir-'));
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, 'Maildir', sub), { recursive: true });
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maildirUniqueName() drops the info part a client changes', () => {
    expect(maildirUniqueName('1700000000.M1P2.host:2,S')).toBe('1700000000.M1P2.host');
    expect(maildirUniqueName('1700000000.M1P2.host')).toBe('1700000000.M1P2.host');
  });

  it('openMaildirSource() records new/ and cur/ files once and renames them into the done and odd subfolders', async () => {
    const messages = corpus.slice(0, 60);
    messages.forEach((m, i) => {
      const name = i % 2 === 0 ? `17000000${10 + i}.M${i}P1.host` : `17000000${10 + i}.M${i}P1.host:2,S`;
      writeFileSync(join(dir, 'Maildir', i % 2 === 0 ? 'new' : 'cur', name), m.raw);
    });
    const maildir = join(dir, 'Maildir');
    const report = await fetchBounces(db, [openMaildirSource(maildir, { batchSize: 25 })], { keepRaw: false });
    const odd = oddCount(messages);
    expect(report.sources[0]).toMatchObject({ seen: 60, recorded: 60, odd, settled: { moved: 60 } });
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
    expect(readdirSync(join(maildir, 'cur'))).toEqual([]);
    expect(readdirSync(join(maildir, '.facteur-done', 'cur'))).toHaveLength(60 - odd);
    expect(readdirSync(join(maildir, '.facteur-odd', 'cur'))).toHaveLength(odd);
    const received = db.prepare('SELECT min(received_at) AS t FROM bounce_messages').get() as { t: number };
    expect(received.t).toBe(1_700_000_010_000);

    const again = await fetchBounces(db, [openMaildirSource(maildir)], { keepRaw: false });
    expect(again.sources[0]).toMatchObject({ seen: 0, recorded: 0 });
  });

  it('openMaildirSource() after a run died between commit and rename moves the files without counting them again', async () => {
    corpus.slice(0, 10).forEach((m, i) => {
      writeFileSync(join(dir, 'Maildir', 'new', `17000001${10 + i}.M${i}P1.host`), m.raw);
    });
    const maildir = join(dir, 'Maildir');
    const real = openMaildirSource(maildir);
    const dying: BounceMailbox = {
      ...real,
      name: real.name,
      settle: () => Promise.reject(new Error('killed before the rename')),
    };
    const first = await fetchBounces(db, [dying], { keepRaw: false });
    expect(first.sources[0]).toMatchObject({ recorded: 10, error: 'killed before the rename' });
    expect(readdirSync(join(maildir, 'new'))).toHaveLength(10);
    const events = (db.prepare('SELECT count(*) AS n FROM bounce_events').get() as { n: number }).n;

    const rerun = await fetchBounces(db, [openMaildirSource(maildir)], { keepRaw: false });
    expect(rerun.sources[0]).toMatchObject({ recorded: 0, alreadyRecorded: 10, settled: { moved: 10 } });
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM bounce_events').get()).toEqual({ n: events });
  });

  it("fetchBounces() refuses a Maildir another live fetch is reading, changing nothing, and takes over a dead one's", async () => {
    corpus.slice(0, 3).forEach((m, i) => {
      writeFileSync(join(dir, 'Maildir', 'new', `17000002${10 + i}.M${i}P1.host`), m.raw);
    });
    const maildir = join(dir, 'Maildir');
    const source = openBounceSource(db, openMaildirSource(maildir).name);
    // The test runner's parent process stands for a fetch still running; a finished child for one killed with -9.
    expect(acquireFetchLock(db, source.id, process.ppid, isProcessAlive)).toBeNull();
    const error = await fetchBounces(db, [openMaildirSource(maildir)], { keepRaw: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'ELOCKED' });
    expect((error as InputError).message).toBe(
      `Cannot fetch bounces from "maildir:${maildir}": another "facteur bounces fetch" (pid ${process.ppid}) is reading it; let it finish, then rerun`,
    );
    expect(readdirSync(join(maildir, 'new'))).toHaveLength(3);
    expect(db.prepare('SELECT count(*) AS n FROM bounce_messages').get()).toEqual({ n: 0 });

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(dead), `bounces.fetch-lock.${source.id}`);
    const report = await fetchBounces(db, [openMaildirSource(maildir)], { keepRaw: false });
    expect(report.sources[0]).toMatchObject({ recorded: 3 });
    expect(db.prepare("SELECT count(*) AS n FROM meta WHERE key LIKE 'bounces.fetch-lock.%'").get()).toEqual({ n: 0 });
  });

  it('openMaildirSource() refuses a folder that is no Maildir', async () => {
    await expect(openMaildirSource(join(dir, 'nothing')).open()).rejects.toThrow(/has no "new" and "cur" folders/);
  });
});
