import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import {
  countByState,
  dueMessages,
  enqueueMessage,
  markInterrupted,
  markSending,
  openCampaign,
  recordOutcome,
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
    db.close();
  });
});
