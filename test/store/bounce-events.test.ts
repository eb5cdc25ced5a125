import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  campaignVerpKeyLookup,
  findQueuedRecipient,
  isMessageKnown,
  openBounceSource,
  recordFetchedMessage,
  setSourceUidValidity,
  summarizeBounceEvents,
  type BounceEventInput,
  type FetchedMessage,
} from '../../src/store/bounce-events.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { enqueueMessage, openCampaign } from '../../src/store/send-queue.js';

function message(key: string, overrides: Partial<FetchedMessage> = {}): FetchedMessage {
  return {
    key,
    contentHash: `hash-${key}`,
    headerMessageId: `<${key}@example.org>`,
    kind: 'bounce',
    feedbackType: null,
    error: null,
    receivedAt: 1000,
    fetchedAt: 2000,
    raw: null,
    ...overrides,
  };
}

function event(address: string, overrides: Partial<BounceEventInput> = {}): BounceEventInput {
  return {
    address,
    subscribedAddress: address,
    kind: 'bounce',
    reason: 'userunknown',
    statusCode: '5.1.1',
    hardbounce: true,
    permanent: true,
    diagnostic: '550 5.1.1 no such user',
    campaignId: null,
    queueMessageId: null,
    list: null,
    surveyId: null,
    tokenId: null,
    occurredAt: 1000,
    ...overrides,
  };
}

describe('bounce events store', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-bounce-events-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openBounceSource() returns the same row for the same name and keeps UIDVALIDITY', () => {
    const a = openBounceSource(db, 'imap://bounces@example.org/INBOX');
    expect(a.uidValidity).toBeNull();
    setSourceUidValidity(db, a.id, 1234);
    const b = openBounceSource(db, 'imap://bounces@example.org/INBOX');
    expect(b).toEqual({ id: a.id, name: a.name, uidValidity: 1234 });
    expect(openBounceSource(db, 'maildir:/var/mail/b').id).not.toBe(a.id);
  });

  it('recordFetchedMessage() stores a message once and its events with it', () => {
    const source = openBounceSource(db, 's');
    const first = recordFetchedMessage(db, source, message('7:1'), [event('a@x.org'), event('b@x.org')]);
    expect(first.inserted).toBe(true);
    const again = recordFetchedMessage(db, source, message('7:1'), [event('a@x.org'), event('b@x.org')]);
    expect(again).toEqual({ inserted: false, id: first.id });
    expect(db.prepare('SELECT count(*) AS n FROM bounce_events').get()).toEqual({ n: 2 });
    expect(isMessageKnown(db, source.id, '7:1')).toEqual({ id: first.id, kind: 'bounce' });
    expect(isMessageKnown(db, source.id, '7:2')).toBeNull();
  });

  it('recordFetchedMessage() leaves nothing behind when an event cannot be stored', () => {
    const source = openBounceSource(db, 's');
    const bad = event('a@x.org', { kind: 'nonsense' as BounceEventInput['kind'] });
    expect(() => recordFetchedMessage(db, source, message('7:1'), [event('ok@x.org'), bad])).toThrow(/CHECK/);
    expect(isMessageKnown(db, source.id, '7:1')).toBeNull();
    expect(db.prepare('SELECT count(*) AS n FROM bounce_events').get()).toEqual({ n: 0 });
  });

  it('isMessageKnown() finds a message under a new key by its content hash, in the same source only', () => {
    const source = openBounceSource(db, 's');
    const other = openBounceSource(db, 't');
    recordFetchedMessage(db, source, message('7:1', { kind: 'other', contentHash: 'abc' }), []);
    expect(isMessageKnown(db, source.id, '8:1', 'abc')).toMatchObject({ kind: 'other' });
    expect(isMessageKnown(db, source.id, '8:1')).toBeNull();
    expect(isMessageKnown(db, other.id, '8:1', 'abc')).toBeNull();
  });

  it('campaignVerpKeyLookup() and findQueuedRecipient() read the send queue', () => {
    const campaign = openCampaign(db, 'c', 1);
    enqueueMessage(db, campaign.id, { recipientId: 4, email: 'Ann@x.org', fields: {}, messageId: '<m@x>' }, 1);
    const lookup = campaignVerpKeyLookup(db);
    expect(lookup(campaign.id)).toEqual(campaign.verpKey);
    expect(lookup(campaign.id + 1)).toBeNull();
    expect(findQueuedRecipient(db, campaign.id, 4)).toMatchObject({ email: 'Ann@x.org' });
    expect(findQueuedRecipient(db, campaign.id, 5)).toBeNull();
  });

  it('summarizeBounceEvents() counts by kind, reason, campaign and list, filtered by source and time', () => {
    const campaign = openCampaign(db, 'newsletter', 1);
    const s = openBounceSource(db, 's');
    const t = openBounceSource(db, 't');
    recordFetchedMessage(db, s, message('1'), [
      event('a@x.org', { campaignId: campaign.id }),
      event('b@x.org', { reason: 'mailboxfull', hardbounce: false, list: 'team@lists.x.org' }),
    ]);
    recordFetchedMessage(db, s, message('2', { kind: 'autoreply' }), [
      event('c@x.org', { kind: 'autoreply', reason: 'vacation', hardbounce: false, permanent: false }),
    ]);
    recordFetchedMessage(db, s, message('3', { kind: 'unparseable', error: 'boom' }), []);
    recordFetchedMessage(db, t, message('4', { fetchedAt: 9000 }), [event('d@x.org')]);

    const all = summarizeBounceEvents(db);
    expect(all).toMatchObject({
      messages: 4,
      messagesByKind: { bounce: 2, autoreply: 1, unparseable: 1 },
      events: 4,
      hardbounces: 2,
      eventsByKind: { bounce: 3, autoreply: 1 },
      eventsByReason: { userunknown: 2, mailboxfull: 1, vacation: 1 },
      byCampaign: [{ campaignId: campaign.id, campaign: 'newsletter', events: 1 }],
      byList: [{ list: 'team@lists.x.org', events: 1 }],
    });
    expect(summarizeBounceEvents(db, { sourceIds: [t.id] })).toMatchObject({ messages: 1, events: 1 });
    expect(summarizeBounceEvents(db, { fetchedSince: 5000 })).toMatchObject({ messages: 1, hardbounces: 1 });
    expect(summarizeBounceEvents(db, { sourceIds: [] })).toMatchObject({ messages: 0, events: 0 });
  });
});
