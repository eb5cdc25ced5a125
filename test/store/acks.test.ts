import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activeAcks,
  ackKey,
  isAckActive,
  listAcks,
  removeAck,
  saveAck,
  utcDay,
  type Ack,
} from '../../src/store/acks.js';
import { openDatabase, type Db } from '../../src/store/database.js';

const ack = (overrides: Partial<Ack> = {}): Ack => ({
  domain: 'club.org',
  findingId: 'dmarc.policy_none',
  until: '2026-12-31',
  note: 'Moving to quarantine after the AG',
  createdAt: '2026-11-23T08:00:00.000Z',
  ...overrides,
});

describe('acks store', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-acks-'));
    db = openDatabase(join(dir, 'history.sqlite'));
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saveAck() records an ack and replaces the one on the same domain and id', () => {
    expect(saveAck(db, ack())).toEqual({ replaced: false });
    expect(saveAck(db, ack({ until: '2027-01-31', note: 'Postponed' }))).toEqual({ replaced: true });
    saveAck(db, ack({ findingId: 'spf.all_softfail' }));
    const all = listAcks(db);
    expect(all.map((entry) => [entry.findingId, entry.until, entry.note])).toEqual([
      ['dmarc.policy_none', '2027-01-31', 'Postponed'],
      ['spf.all_softfail', '2026-12-31', 'Moving to quarantine after the AG'],
    ]);
  });

  it('listAcks() with activeOn keeps an ack through its last day and drops it the day after', () => {
    saveAck(db, ack({ until: '2026-11-30' }));
    expect(listAcks(db, { activeOn: new Date('2026-11-30T23:59:59Z') })).toHaveLength(1);
    expect(listAcks(db, { activeOn: new Date('2026-12-01T00:00:00Z') })).toHaveLength(0);
    expect(listAcks(db)).toHaveLength(1);
  });

  it('activeAcks() keys the applying acks by domain and finding id', () => {
    saveAck(db, ack());
    saveAck(db, ack({ domain: 'old.org', until: '2026-01-01' }));
    const active = activeAcks(db, new Date('2026-11-23T12:00:00Z'));
    expect([...active.keys()]).toEqual([ackKey('club.org', 'dmarc.policy_none')]);
  });

  it('removeAck() tells whether there was an ack to remove', () => {
    saveAck(db, ack());
    expect(removeAck(db, 'club.org', 'dmarc.policy_none')).toBe(true);
    expect(removeAck(db, 'club.org', 'dmarc.policy_none')).toBe(false);
    expect(listAcks(db)).toEqual([]);
  });

  it('refuses an until that is not a YYYY-MM-DD day', () => {
    expect(() => saveAck(db, ack({ until: 'tomorrow' }))).toThrow(/CHECK constraint/);
  });

  it('isAckActive() and utcDay() compare in UTC days', () => {
    expect(utcDay(new Date('2026-11-23T23:30:00-02:00'))).toBe('2026-11-24');
    expect(isAckActive({ until: '2026-11-23' }, new Date('2026-11-23T22:00:00Z'))).toBe(true);
    expect(isAckActive({ until: '2026-11-22' }, new Date('2026-11-23T00:00:00Z'))).toBe(false);
  });
});
