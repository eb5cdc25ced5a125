import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BounceMailbox, MailboxMessage } from '../../src/bounces/bounce-mailbox.js';
import { describeFailure, fetchBounces } from '../../src/bounces/fetch-bounces.js';
import { encodeVerp } from '../../src/parse/verp.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { enqueueMessage, openCampaign } from '../../src/store/send-queue.js';
import { readBounceCorpus } from '../integration/helpers/dovecot.js';

const corpus = readBounceCorpus().filter((m) => m.file.startsWith('bsd/'));

/** A mailbox in memory that notes, at each settle, how many messages the store already held. */
function memoryMailbox(messages: readonly Buffer[], seenAtSettle: number[], db: Db): BounceMailbox {
  return {
    name: 'memory:test',
    open: () => Promise.resolve({ uidValidity: null, total: messages.length }),
    async *batches() {
      await Promise.resolve();
      yield messages.map(
        (raw, i): MailboxMessage => ({ key: `m${i}`, raw, size: raw.length, receivedAt: 1000, list: null, ref: i }),
      );
    },
    settle(items) {
      seenAtSettle.push((db.prepare('SELECT count(*) AS n FROM bounce_messages').get() as { n: number }).n);
      return Promise.resolve({ moved: items.length, flagged: 0, left: 0, failed: 0 });
    },
    close: () => Promise.resolve(),
  };
}

describe('fetchBounces()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-fetch-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetchBounces() settles a batch only once every message of it is committed', async () => {
    const seen: number[] = [];
    await fetchBounces(db, [memoryMailbox([corpus[0]!.raw, corpus[1]!.raw, corpus[2]!.raw], seen, db)], {
      keepRaw: false,
    });
    expect(seen).toEqual([3]);
  });

  it('fetchBounces() ties a bounce of a facteur campaign to its campaign and queued recipient', async () => {
    const campaign = openCampaign(db, 'newsletter', 1);
    enqueueMessage(db, campaign.id, { recipientId: 7, email: 'Ann@Example.org', fields: {}, messageId: '<q@x>' }, 1);
    const returnPath = `${encodeVerp({ campaign: campaign.id, recipientId: 7 }, campaign.verpKey)}@bounces.example.org`;
    const dsn = [
      `Return-Path: <>`,
      `To: ${returnPath}`,
      'From: MAILER-DAEMON@mx.example.net',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'The mail could not be delivered.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; ann@example.org',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown',
      '',
      '--b--',
      '',
    ].join('\r\n');
    const report = await fetchBounces(db, [memoryMailbox([Buffer.from(dsn)], [], db)], { keepRaw: false });
    expect(report.summary.byCampaign).toEqual([{ campaignId: campaign.id, campaign: 'newsletter', events: 1 }]);
    const event = db.prepare('SELECT subscribed_address, queue_message_id, reason FROM bounce_events').get();
    expect(event).toMatchObject({ subscribed_address: 'ann@example.org', reason: 'userunknown' });
    expect((event as { queue_message_id: number | null }).queue_message_id).not.toBeNull();
  });

  it('fetchBounces() stops between batches when its signal is aborted, and says so', async () => {
    const controller = new AbortController();
    controller.abort();
    const report = await fetchBounces(db, [memoryMailbox([corpus[0]!.raw], [], db)], {
      keepRaw: false,
      signal: controller.signal,
    });
    expect(report).toMatchObject({ interrupted: true, complete: false, sources: [] });
  });

  it('fetchBounces() stores why a message is no mail beside its kind "other", and sets it aside', async () => {
    const pdf = Buffer.from('%PDF-1.4\nContact postmaster@example.org: 550 5.1.1 user unknown\n');
    const report = await fetchBounces(db, [memoryMailbox([pdf], [], db)], { keepRaw: false });
    expect(report.sources[0]).toMatchObject({ recorded: 1, odd: 1, events: 0 });
    expect(db.prepare('SELECT kind, error FROM bounce_messages').get()).toEqual({
      kind: 'other',
      error: 'Not a mail message: it does not begin with a header field ("Name: value")',
    });
  });

  it('describeFailure() says a lost connection, a refused one and a refused file in words, code kept', async () => {
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    expect(describeFailure(coded('Connection not available', 'NoConnection'))).toEqual({
      en: 'the server closed the connection (NoConnection)',
      fr: 'le serveur a fermé la connexion (NoConnection)',
    });
    expect(describeFailure(coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')).fr).toBe(
      'le serveur a refusé la connexion (ECONNREFUSED)',
    );
    expect(describeFailure(coded('Socket timeout', 'ETIMEOUT')).en).toBe('the server stopped answering (ETIMEOUT)');
    const missing = await readFile(join(dir, 'gone')).catch((error: unknown) => error);
    expect(describeFailure(missing).fr).toBe('aucun fichier ou répertoire de ce nom (ENOENT)');
    expect(describeFailure(coded('Something odd', 'EODD'))).toEqual({
      en: 'Something odd (EODD)',
      fr: 'Something odd (EODD)',
    });
    expect(describeFailure(new Error('killed'))).toEqual({ en: 'killed', fr: 'killed' });
  });
});
