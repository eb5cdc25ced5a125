import { appendFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchBounces } from '../../src/bounces/fetch-bounces.js';
import { openMboxSource } from '../../src/bounces/mbox-source.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { readBounceCorpus } from '../integration/helpers/dovecot.js';

const corpus = readBounceCorpus().filter((m) => m.file.startsWith('bsd/'));

/** One mbox entry (mboxrd: body lines starting with "From " get a ">"). */
function entry(raw: Buffer, extraHeader = ''): string {
  const text = raw
    .toString('latin1')
    .replace(/\r\n/g, '\n')
    .replace(/^(>*From )/gm, '>$1');
  return `From MAILER-DAEMON Mon Nov 23 14:00:00 2026\n${extraHeader}${text}${text.endsWith('\n') ? '' : '\n'}\n`;
}

describe('openMboxSource()', () => {
  let dir: string;
  let db: Db;
  let mbox: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-mbox-'));
    db = openDatabase(join(dir, 'f.sqlite'));
    mbox = join(dir, 'bounces.mbox');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openMboxSource() records each message once, never writes the file, and picks up appended ones', async () => {
    const messages = corpus.slice(0, 40);
    writeFileSync(mbox, messages.map((m) => entry(m.raw)).join(''));
    const before = readFileSync(mbox);
    const first = await fetchBounces(db, [openMboxSource(mbox, { batchSize: 15 })], { keepRaw: true });
    expect(first.sources[0]).toMatchObject({ seen: 40, recorded: 40, settled: { left: 40, moved: 0 } });
    expect(readFileSync(mbox).equals(before)).toBe(true);
    const stored = db.prepare('SELECT raw FROM bounce_messages ORDER BY id LIMIT 1').get() as { raw: Buffer };
    expect(stored.raw.toString('latin1')).toBe(messages[0]?.raw.toString('latin1').replace(/\r\n/g, '\n'));

    appendFileSync(mbox, entry(corpus[50]!.raw));
    const again = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    expect(again.sources[0]).toMatchObject({ seen: 41, recorded: 1, alreadyRecorded: 40 });
  });

  it('openMboxSource() keys a message without the Status field a mail client adds', async () => {
    writeFileSync(mbox, entry(corpus[0]!.raw));
    await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    writeFileSync(mbox, entry(corpus[0]!.raw, 'Status: RO\nX-Status: A\n'));
    const again = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    expect(again.sources[0]).toMatchObject({ recorded: 0, alreadyRecorded: 1 });
  });

  it('openMboxSource() unescapes ">From " body lines and leaves a half-written last message for the next run', async () => {
    // entry() escapes the body's "From " line as ">From " (and ">From " as ">>From "): reading must undo exactly that.
    const body = 'From: a@example.org\nSubject: hi\n\nline\n\nFrom the body\n>From quoted\n';
    writeFileSync(mbox, `${entry(Buffer.from(body))}From x Mon Nov 23 14:00:01 2026\nSubject: partial`);
    const first = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: true });
    expect(first.sources[0]).toMatchObject({ seen: 1, recorded: 1, odd: 1 });
    const stored = db.prepare('SELECT raw FROM bounce_messages').get() as { raw: Buffer };
    expect(stored.raw.toString()).toBe(body);
    appendFileSync(mbox, '\n\nbody\n\n');
    const second = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    expect(second.sources[0]).toMatchObject({ seen: 2, recorded: 1 });
  });

  it('openMboxSource() reads a last message cut at a line end only once it is whole, so it counts once', async () => {
    const whole = entry(corpus[3]!.raw);
    const cut = whole.indexOf('\n', Math.floor(whole.length * 0.8)) + 1;
    writeFileSync(mbox, entry(corpus[0]!.raw) + whole.slice(0, cut));
    const during = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    expect(during.sources[0]).toMatchObject({ seen: 1, recorded: 1 });

    appendFileSync(mbox, whole.slice(cut));
    const after = await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    expect(after.sources[0]).toMatchObject({ seen: 2, recorded: 1, alreadyRecorded: 1 });
    const reference = openDatabase(join(dir, 'reference.sqlite'));
    await fetchBounces(reference, [openMboxSource(mbox)], { keepRaw: false });
    const count = (store: Db) => store.prepare('SELECT count(*) AS n FROM bounce_events').get();
    expect(count(db)).toEqual(count(reference));
    reference.close();
  });

  it('openMboxSource() takes a last message without its closing empty line as whole once the file is quiet', async () => {
    writeFileSync(mbox, entry(corpus[0]!.raw) + entry(corpus[1]!.raw).replace(/\n$/, ''));
    expect((await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false })).sources[0]?.recorded).toBe(1);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(mbox, anHourAgo, anHourAgo);
    expect((await fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false })).sources[0]?.recorded).toBe(1);
  });

  it('openMboxSource() refuses a file that does not start with a From line', async () => {
    writeFileSync(mbox, corpus[0]!.raw);
    const report = fetchBounces(db, [openMboxSource(mbox)], { keepRaw: false });
    await expect(report).rejects.toThrow(/does not start with a "From " line/);
  });
});
