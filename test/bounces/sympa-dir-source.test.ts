import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchBounces } from '../../src/bounces/fetch-bounces.js';
import { openSympaDirSource, splitSympaSpoolFile } from '../../src/bounces/sympa-dir-source.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { readBounceCorpus } from '../integration/helpers/dovecot.js';

const postfix = readBounceCorpus().find((m) => m.file === 'bsd/lhost-postfix-04.eml')!;

describe('openSympaDirSource()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-sympa-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('splitSympaSpoolFile() takes the list from X-Sympa-To and returns the bounce as delivered', () => {
    const file = Buffer.concat([Buffer.from('X-Sympa-To: Team@Lists.Example.org\n'), postfix.raw]);
    const { list, message } = splitSympaSpoolFile(file);
    expect(list).toBe('team@lists.example.org');
    expect(message.equals(postfix.raw)).toBe(true);
  });

  it('openSympaDirSource() records spool files with their list, skips T. files and leaves the spool untouched', async () => {
    const spool = join(dir, 'bounce');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(spool);
    const file = Buffer.concat([Buffer.from('X-Sympa-To: team@lists.example.org\n'), postfix.raw]);
    writeFileSync(join(spool, 'team@lists.example.org.1700000000.4242'), file);
    writeFileSync(join(spool, 'T.team@lists.example.org.1700000001.4243'), file.subarray(0, 100));
    const report = await fetchBounces(db, [openSympaDirSource(spool)], { keepRaw: false });
    expect(report.sources[0]).toMatchObject({ seen: 1, recorded: 1, settled: { left: 1 } });
    expect(readdirSync(spool).sort()).toHaveLength(2);
    const events = db.prepare('SELECT list, occurred_at FROM bounce_events').all() as {
      list: string;
      occurred_at: number;
    }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.list === 'team@lists.example.org' && e.occurred_at === 1_700_000_000_000)).toBe(true);
    const again = await fetchBounces(db, [openSympaDirSource(spool)], { keepRaw: false });
    expect(again.sources[0]).toMatchObject({ recorded: 0, alreadyRecorded: 1 });
  });
});
