import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import {
  beginSendRun,
  countByState,
  countExpired,
  dueMessages,
  enqueueMessage,
  expireDeferred,
  finishSendRun,
  lastSendRun,
  markInterrupted,
  markSending,
  messagesInState,
  openCampaign,
  recordOutcome,
  sendTimes,
  writeQueue,
} from '../../src/store/send-queue.js';

describe('send queue', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-queue-'));
    path = join(dir, 'f.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function enqueue(db: ReturnType<typeof openDatabase>, campaignId: number, n: number): void {
    for (let i = 1; i <= n; i++)
      enqueueMessage(
        db,
        campaignId,
        { recipientId: i, email: `u${i}@example.org`, fields: { n: String(i) }, messageId: `<c1.${i}@example.org>` },
        0,
      );
  }

  it('openCampaign() keeps one random key per campaign across reopenings', () => {
    const db = openDatabase(path);
    const a = openCampaign(db, 'consultation', 1);
    const b = openCampaign(db, 'other', 1);
    db.close();
    const reopened = openDatabase(path);
    const again = openCampaign(reopened, 'consultation', 2);
    reopened.close();
    expect(again).toEqual(a);
    expect(a.verpKey).toHaveLength(32);
    expect(b.verpKey.equals(a.verpKey)).toBe(false);
  });

  it('beginSendRun() and finishSendRun() keep each run of a campaign, lastSendRun() reads the latest across reopenings', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    const other = openCampaign(db, 'other', 0).id;
    expect(lastSendRun(db, id)).toBeUndefined();
    const first = beginSendRun(db, id, { pid: 11, hostname: 'mairie' }, 1000);
    finishSendRun(db, first, 2000);
    beginSendRun(db, id, { pid: 12, hostname: 'mairie' }, 3000);
    beginSendRun(db, other, { pid: 13, hostname: 'mairie' }, 4000);
    db.close();
    const reopened = openDatabase(path);
    expect(lastSendRun(reopened, id)).toEqual({
      owner: { pid: 12, hostname: 'mairie' },
      startedAt: 3000,
      finishedAt: null,
    });
    reopened.close();
  });

  it('sendTimes() counts the acceptances from a time on, failures left out', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 4);
    for (const [message, at] of [
      [1, 1000],
      [2, 2000],
      [3, 3000],
    ] as const) {
      markSending(db, message, at);
      recordOutcome(db, message, { state: 'sent', replyCode: 250, reply: '250 Ok' }, at);
    }
    markSending(db, 4, 3000);
    recordOutcome(db, 4, { state: 'failed', replyCode: 550, reply: '550 No' }, 3000);
    expect(sendTimes(db, id, 2000).recent.count).toBe(2);
    expect(sendTimes(db, id, 3001).recent.count).toBe(0);
    db.close();
  });

  it('enqueueMessage() is idempotent and sends a duplicate address once', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 3);
    enqueue(db, id, 3);
    expect(
      enqueueMessage(db, id, { recipientId: 9, email: 'U1@example.org', fields: {}, messageId: '<x@example.org>' }, 0),
    ).toBe(false);
    expect(countByState(db, id).pending).toBe(3);
    db.close();
  });

  it('a row left in sending by a killed run becomes uncertain and is retried only on request', () => {
    let db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 3);
    const [first, second] = dueMessages(db, id, 10, { limit: 10, retryUncertain: false });
    expect(markSending(db, first!.id, 10)).toBe(true);
    recordOutcome(db, first!.id, { state: 'sent', replyCode: 250, reply: '250 2.0.0 Ok: queued' }, 11);
    expect(markSending(db, second!.id, 12)).toBe(true);
    // Killed here, between the intent and the outcome: the file is closed without further writes.
    db.close();
    db = openDatabase(path);
    expect(markInterrupted(db, id, 20)).toBe(1);
    expect(countByState(db, id)).toMatchObject({ sent: 1, uncertain: 1, pending: 1, sending: 0 });
    expect(dueMessages(db, id, 20, { limit: 10, retryUncertain: false }).map((m) => m.recipientId)).toEqual([3]);
    const retried = dueMessages(db, id, 20, { limit: 10, retryUncertain: true });
    expect(retried.map((m) => m.recipientId)).toEqual([2, 3]);
    expect(retried[0]?.messageId).toBe('<c1.2@example.org>');
    db.close();
  });

  it('a deferred message waits for its next attempt time and keeps its Message-ID', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 1);
    const [message] = dueMessages(db, id, 0, { limit: 1, retryUncertain: false });
    markSending(db, message!.id, 0);
    recordOutcome(
      db,
      message!.id,
      { state: 'deferred', replyCode: 451, reply: '451 4.7.1 Try later', nextAttemptAt: 60_000 },
      1,
    );
    expect(dueMessages(db, id, 59_999, { limit: 1, retryUncertain: false })).toEqual([]);
    const [again] = dueMessages(db, id, 60_000, { limit: 1, retryUncertain: false });
    expect(again).toMatchObject({ recipientId: 1, attempts: 1, messageId: '<c1.1@example.org>' });
    expect(markSending(db, again!.id, 60_000)).toBe(true);
    expect(markSending(db, again!.id, 60_000)).toBe(false);
    db.close();
  });

  it('writeQueue() applies intents and outcomes in order and tells which intents took their row', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 3);
    const taken = writeQueue(db, [
      { kind: 'sending', messageId: 1, now: 10 },
      { kind: 'outcome', messageId: 1, outcome: { state: 'sent', replyCode: 250, reply: '250 Ok' }, now: 11 },
      { kind: 'sending', messageId: 2, now: 12 },
      { kind: 'sending', messageId: 2, now: 12 },
      { kind: 'outcome', messageId: 2, outcome: { state: 'uncertain', replyCode: null, reply: 'lost' }, now: 13 },
    ]);
    expect(taken).toEqual([true, true, true, false, true]);
    expect(countByState(db, id)).toMatchObject({ sent: 1, uncertain: 1, pending: 1, sending: 0 });
    expect(sendTimes(db, id, 0)).toEqual({
      firstSentAt: 11,
      lastSentAt: 11,
      recent: { count: 1, firstSentAt: 11, lastSentAt: 11 },
    });
    db.close();
  });

  it('restoreMessage() undoes an intent as the message was read, so that it spends no attempt nor starts its lifetime', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 2);
    markSending(db, 2, 1_000);
    recordOutcome(db, 2, { state: 'deferred', replyCode: 451, reply: '451 Later', nextAttemptAt: 0 }, 1_000);
    const read = dueMessages(db, id, 5_000, { limit: 10, retryUncertain: false });
    expect(read).toMatchObject([
      { id: 1, state: 'pending', attempts: 0 },
      { id: 2, state: 'deferred', attempts: 1 },
    ]);
    writeQueue(db, [
      ...read.map((message) => ({ kind: 'sending' as const, messageId: message.id, now: 5_000 })),
      ...read.map((message) => ({ kind: 'restore' as const, message, now: 5_001 })),
    ]);
    expect(dueMessages(db, id, 5_002, { limit: 10, retryUncertain: false })).toEqual(read);
    expect(messagesInState(db, id, 'deferred', 10)).toEqual([expect.objectContaining({ reply: '451 Later' })]);
    db.close();
  });

  it('expireDeferred() fails what was first tried before the cutoff, keeping the reply, and only deferred rows', () => {
    const db = openDatabase(path);
    const { id } = openCampaign(db, 'c', 0);
    enqueue(db, id, 3);
    const defer = (messageId: number, now: number) => {
      expect(markSending(db, messageId, now)).toBe(true);
      recordOutcome(
        db,
        messageId,
        { state: 'deferred', replyCode: 451, reply: '451 4.7.1 Later', nextAttemptAt: 0 },
        now,
      );
    };
    defer(1, 1_000);
    defer(1, 50_000);
    defer(2, 40_000);
    markSending(db, 3, 1_000);
    recordOutcome(db, 3, { state: 'uncertain', replyCode: null, reply: 'lost' }, 1_000);
    expect(dueMessages(db, id, 60_000, { limit: 10, retryUncertain: false })).toMatchObject([
      { recipientId: 1, attempts: 2, firstAttemptAt: 1_000 },
      { recipientId: 2, attempts: 1, firstAttemptAt: 40_000 },
    ]);
    expect(expireDeferred(db, id, 30_000, 60_000)).toBe(1);
    expect(countByState(db, id)).toMatchObject({ failed: 1, deferred: 1, uncertain: 1 });
    expect(countExpired(db, id)).toBe(1);
    expect(messagesInState(db, id, 'failed', 10)).toEqual([
      expect.objectContaining({ recipientId: 1, replyCode: 451, reply: '451 4.7.1 Later', expiredAt: 60_000 }),
    ]);
    db.close();
  });

  it('schema 8 starts the queue lifetime of messages tried before it at their last attempt', () => {
    const raw = new Database(path);
    for (const step of MIGRATIONS.slice(0, 6)) step(raw);
    raw.pragma('user_version = 6');
    raw.prepare("INSERT INTO campaigns (name, verp_key, created_at) VALUES ('c', zeroblob(32), 0)").run();
    raw
      .prepare(
        `INSERT INTO messages (campaign_id, recipient_id, email, email_key, fields, message_id, state, attempts, updated_at)
         VALUES (1, 2, 'a@example.org', 'a@example.org', '{}', '<a@x>', 'deferred', 3, 7000),
                (1, 3, 'b@example.org', 'b@example.org', '{}', '<b@x>', 'pending', 0, 100)`,
      )
      .run();
    raw.close();
    const db = openDatabase(path);
    expect(dueMessages(db, 1, 10_000, { limit: 10, retryUncertain: false })).toMatchObject([
      { recipientId: 2, firstAttemptAt: 7000 },
      { recipientId: 3, firstAttemptAt: null },
    ]);
    db.close();
  });
});
