import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignStatus } from '../../src/send/campaign-status.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { enqueueMessage, markSending, openCampaign, recordOutcome } from '../../src/store/send-queue.js';

const MINUTE = 60_000;

describe('campaignStatus()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-status-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A campaign of `n` messages, the first `sentTimes.length` accepted at those times. */
  function campaign(n: number, sentTimes: number[]): number {
    const { id } = openCampaign(db, 'c', 0);
    for (let i = 1; i <= n; i++)
      enqueueMessage(db, id, { recipientId: i + 1, email: `p${i}@example.org`, fields: {}, messageId: `<${i}@x>` }, 0);
    sentTimes.forEach((at, index) => {
      markSending(db, index + 1, at);
      recordOutcome(db, index + 1, { state: 'sent', replyCode: 250, reply: '250 Ok' }, at);
    });
    return id;
  }

  it('measures the rate from the first to the last acceptance of the last five minutes, not over the whole window', () => {
    const now = 100 * MINUTE;
    // 101 messages over the last 10 s of a five-minute window: 10 a second, whatever the window's length.
    campaign(
      1101,
      Array.from({ length: 101 }, (_, i) => now - 10_000 + i * 100),
    );
    const status = campaignStatus(db, 'c', now);
    expect(status.ratePerSecond).toBe(10);
    expect(status.etaSeconds).toBe(100);
    expect(status.counts).toMatchObject({ sent: 101, pending: 1000 });
  });

  it('falls back on the whole campaign when nothing went in the last five minutes', () => {
    campaign(
      30,
      Array.from({ length: 21 }, (_, i) => i * 500),
    );
    const status = campaignStatus(db, 'c', 60 * MINUTE);
    expect(status.ratePerSecond).toBe(2);
    expect(status.etaSeconds).toBe(5);
    expect(status.firstSentAt).toBe(new Date(0).toISOString());
  });

  it('gives no rate before two acceptances, and a zero ETA once nothing is left', () => {
    campaign(3, [1000]);
    expect(campaignStatus(db, 'c', 2000)).toMatchObject({ ratePerSecond: null, etaSeconds: null });
    db.prepare("UPDATE messages SET state = 'sent', sent_at = 2000 WHERE state = 'pending'").run();
    expect(campaignStatus(db, 'c', 2000)).toMatchObject({ ratePerSecond: 2, etaSeconds: 0 });
  });

  it('reports a campaign no run has enqueued', () => {
    expect(campaignStatus(db, 'none', 0)).toMatchObject({ exists: false, expired: 0, ratePerSecond: null });
  });
});
