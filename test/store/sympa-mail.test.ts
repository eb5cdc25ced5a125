import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import type { ImportedMember } from '../../src/store/list-members.js';
import { recordSympaMailIntent, recordSympaMailOutcome, sentSympaCommands } from '../../src/store/sympa-mail.js';
import { replaceMembers } from './helpers.js';

const NOW = Date.UTC(2026, 10, 23, 12);
const LIST = 'info@lists.example.org';

function member(address: string): ImportedMember {
  return { list: LIST, address, gecos: null, subscribedAt: null, sympaBounce: null, sympaScore: null, source: null };
}

function mail(messageId: string, addresses: string[], list = LIST) {
  return { list, robot: 'sympa@lists.example.org', headerFrom: 'owner@example.org', messageId, addresses };
}

describe('sentSympaCommands()', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-sympa-mail-'));
    db = openDatabase(join(dir, 'f.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the sent and uncertain mails of the list, not the failed ones nor other lists', () => {
    recordSympaMailOutcome(
      db,
      recordSympaMailIntent(db, mail('<1@x>', ['a@example.org']), NOW),
      { state: 'sent', reply: '250 ok' },
      NOW + 1,
    );
    recordSympaMailOutcome(
      db,
      recordSympaMailIntent(db, mail('<2@x>', ['b@example.org']), NOW),
      { state: 'uncertain', reply: 'lost' },
      NOW + 2,
    );
    recordSympaMailOutcome(
      db,
      recordSympaMailIntent(db, mail('<3@x>', ['c@example.org']), NOW),
      { state: 'failed', reply: '550 no' },
      NOW + 3,
    );
    recordSympaMailIntent(db, mail('<4@x>', ['d@example.org']), NOW + 4);
    recordSympaMailIntent(db, mail('<5@x>', ['e@example.org'], 'other@lists.example.org'), NOW);
    expect(Object.fromEntries(sentSympaCommands(db, LIST))).toEqual({
      'a@example.org': { messageId: '<1@x>', state: 'sent', at: NOW + 1, isStillMember: false },
      'b@example.org': { messageId: '<2@x>', state: 'uncertain', at: NOW + 2, isStillMember: false },
      // A run killed during the SMTP transaction: the server may have the mail.
      'd@example.org': { messageId: '<4@x>', state: 'uncertain', at: NOW + 4, isStillMember: false },
    });
  });

  it('keeps the latest mail of an address sent twice', () => {
    for (const [id, at] of [
      ['<1@x>', NOW],
      ['<2@x>', NOW + 10],
    ] as const)
      recordSympaMailOutcome(
        db,
        recordSympaMailIntent(db, mail(id, ['a@example.org']), at),
        { state: 'sent', reply: '250' },
        at,
      );
    expect(sentSympaCommands(db, LIST).get('a@example.org')?.messageId).toBe('<2@x>');
  });

  it('tells a member still listed by an import made after the mail from one imported before', () => {
    replaceMembers(db, LIST, [member('a@example.org'), member('b@example.org')], NOW - 1);
    recordSympaMailOutcome(
      db,
      recordSympaMailIntent(db, mail('<1@x>', ['a@example.org', 'b@example.org', 'c@example.org']), NOW),
      { state: 'sent', reply: '250' },
      NOW,
    );
    expect([...sentSympaCommands(db, LIST).values()].map((sent) => sent.isStillMember)).toEqual([false, false, false]);
    replaceMembers(db, LIST, [member('b@example.org')], NOW + 1);
    const sent = sentSympaCommands(db, LIST);
    expect(['a@example.org', 'b@example.org', 'c@example.org'].map((a) => sent.get(a)?.isStillMember)).toEqual([
      false,
      true,
      false,
    ]);
  });
});
