import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignStatus } from '../../src/send/campaign-status.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import {
  beginSendRun,
  enqueueMessage,
  finishSendRun,
  markSending,
  openCampaign,
  recordOutcome,
} from '../../src/store/send-queue.js';

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

  describe('with the runs that sent it', () => {
    const HERE = 'mairie';
    const now = 100 * MINUTE;
    const owner = { pid: 4242, hostname: HERE };
    const alive = (pid: number) => pid === 4242;
    const options = { runCommand: 'facteur send run c.json', hostname: HERE };

    /** A campaign of 100 messages sent since `startedAt` by a run not ended, 3 of them in flight now. */
    function runningCampaign(startedAt: number, sentTimes: number[]): number {
      const id = campaign(100, sentTimes);
      beginSendRun(db, id, owner, startedAt);
      for (const message of [91, 92, 93]) markSending(db, message, now - 1000);
      return id;
    }

    it('reads a run whose process is alive as running: pid, start, messages in flight and the pace of that run', () => {
      // 30 acceptances over the run's first minute, then a minute of nothing (a throttle): 30 in two minutes.
      runningCampaign(
        now - 2 * MINUTE,
        Array.from({ length: 30 }, (_, i) => now - 2 * MINUTE + i * 2000),
      );
      const status = campaignStatus(db, 'c', now, { ...options, isAlive: alive });
      expect(status).toMatchObject({
        activity: 'running',
        lastRun: {
          pid: 4242,
          hostname: HERE,
          startedAt: new Date(now - 2 * MINUTE).toISOString(),
          finishedAt: null,
          isAlive: true,
        },
        inFlight: 3,
        left: 70,
        pace: { ratePerSecond: 0.25, accepted: 30, since: new Date(now - 2 * MINUTE).toISOString(), etaSeconds: 280 },
        resumeCommand: null,
      });
    });

    it('measures the pace of a long run over its last five minutes only', () => {
      runningCampaign(
        now - 60 * MINUTE,
        Array.from({ length: 60 }, (_, i) => now - 60 * MINUTE + i * MINUTE),
      );
      const status = campaignStatus(db, 'c', now, { ...options, isAlive: alive });
      expect(status.pace).toEqual({
        ratePerSecond: 0.02,
        accepted: 5,
        since: new Date(now - 5 * MINUTE).toISOString(),
        etaSeconds: 2400,
      });
    });

    it('reads a run whose process is gone as interrupted, nothing in flight, with the command that resumes it', () => {
      runningCampaign(now - 2 * MINUTE, [now - 90_000, now - 60_000]);
      const status = campaignStatus(db, 'c', now, { ...options, isAlive: () => false });
      expect(status).toMatchObject({
        activity: 'interrupted',
        lastRun: { pid: 4242, finishedAt: null, isAlive: false },
        inFlight: 0,
        left: 98,
        pace: null,
        resumeCommand: 'facteur send run c.json',
      });
      expect(status.counts.sending).toBe(3);
    });

    it('cannot probe a process of another host, and takes its run as running', () => {
      runningCampaign(now - 2 * MINUTE, []);
      const status = campaignStatus(db, 'c', now, { ...options, hostname: 'elsewhere', isAlive: () => false });
      expect(status).toMatchObject({ activity: 'running', lastRun: { isAlive: null }, inFlight: 3, pace: null });
    });

    it('reads an ended run as stopped while messages are left, finished once none is', () => {
      const id = campaign(3, [now - 3000, now - 2000]);
      const run = beginSendRun(db, id, owner, now - 5000);
      finishSendRun(db, run, now - 1000);
      const stopped = campaignStatus(db, 'c', now, { ...options, isAlive: alive });
      expect(stopped).toMatchObject({
        activity: 'stopped',
        lastRun: { finishedAt: new Date(now - 1000).toISOString(), isAlive: null },
        left: 1,
        pace: null,
        resumeCommand: 'facteur send run c.json',
      });
      db.prepare("UPDATE messages SET state = 'failed' WHERE state = 'pending'").run();
      expect(campaignStatus(db, 'c', now, options)).toMatchObject({
        activity: 'finished',
        left: 0,
        resumeCommand: null,
      });
    });

    it('reads messages left in flight by a run it has no record of as interrupted, and an untried queue as not started', () => {
      campaign(3, []);
      expect(campaignStatus(db, 'c', now, options)).toMatchObject({ activity: 'not_started', lastRun: null, left: 3 });
      markSending(db, 1, now - 1000);
      expect(campaignStatus(db, 'c', now, options)).toMatchObject({
        activity: 'interrupted',
        inFlight: 0,
        resumeCommand: 'facteur send run c.json',
      });
    });
  });

  it('reports a campaign no run has enqueued', () => {
    expect(campaignStatus(db, 'none', 0)).toMatchObject({ exists: false, expired: 0, ratePerSecond: null });
  });
});
