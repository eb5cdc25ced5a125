import { describe, expect, it } from 'vitest';
import type { SentSympaCommand } from '../../src/store/sympa-mail.js';
import { planSympaMail } from '../../src/sympa/plan-sympa-mail.js';

const AT = Date.UTC(2026, 10, 23, 12);

function sent(messageId: string, state: SentSympaCommand['state'], isStillMember = false): SentSympaCommand {
  return { messageId, state, at: AT, isStillMember };
}

describe('planSympaMail()', () => {
  it('groups the commands into mails of at most maxCommands, in order', () => {
    const addresses = ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org', 'e@example.org'];
    const { items, mails } = planSympaMail(addresses, new Map(), { force: false, maxCommands: 2 });
    expect(mails).toEqual([
      { messageId: null, addresses: ['a@example.org', 'b@example.org'] },
      { messageId: null, addresses: ['c@example.org', 'd@example.org'] },
      { messageId: null, addresses: ['e@example.org'] },
    ]);
    expect(items.map((item) => [item.decision, item.mail])).toEqual([
      ['planned', 0],
      ['planned', 0],
      ['planned', 1],
      ['planned', 1],
      ['planned', 2],
    ]);
  });

  it('plans no mail for no address', () => {
    expect(planSympaMail([], new Map(), { force: false, maxCommands: 1000 })).toEqual({ items: [], mails: [] });
  });

  it('takes an address once, whatever its case', () => {
    const { items, mails } = planSympaMail(['Bob@Example.org', 'bob@example.org'], new Map(), {
      force: false,
      maxCommands: 10,
    });
    expect(items.map((item) => item.address)).toEqual(['Bob@Example.org']);
    expect(mails[0]?.addresses).toEqual(['Bob@Example.org']);
  });

  it('skips an address mailed before and tells one Sympa still lists after a later import', () => {
    const previous = new Map([
      ['a@example.org', sent('<1@x>', 'sent')],
      ['b@example.org', sent('<2@x>', 'uncertain')],
      ['c@example.org', sent('<1@x>', 'sent', true)],
    ]);
    const { items, mails } = planSympaMail(
      ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org'],
      previous,
      {
        force: false,
        maxCommands: 10,
      },
    );
    expect(items.map((item) => [item.address, item.decision, item.previous?.messageId ?? null])).toEqual([
      ['a@example.org', 'skipped', '<1@x>'],
      ['b@example.org', 'skipped', '<2@x>'],
      ['c@example.org', 'unapplied', '<1@x>'],
      ['d@example.org', 'planned', null],
    ]);
    expect(mails).toEqual([{ messageId: null, addresses: ['d@example.org'] }]);
  });

  it('with force, sends again, reusing the Message-ID of an uncertain mail only', () => {
    const previous = new Map([
      ['a@example.org', sent('<1@x>', 'sent')],
      ['b@example.org', sent('<2@x>', 'uncertain')],
      ['c@example.org', sent('<2@x>', 'uncertain')],
      ['d@example.org', sent('<3@x>', 'sent', true)],
    ]);
    const { mails } = planSympaMail(['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org'], previous, {
      force: true,
      maxCommands: 10,
    });
    expect(mails).toEqual([
      { messageId: '<2@x>', addresses: ['b@example.org', 'c@example.org'] },
      { messageId: null, addresses: ['a@example.org', 'd@example.org'] },
    ]);
  });

  it('never gives one Message-ID to two mails', () => {
    const previous = new Map(['a', 'b', 'c'].map((name) => [`${name}@example.org`, sent('<2@x>', 'uncertain')]));
    const { mails } = planSympaMail(previous.keys(), previous, { force: true, maxCommands: 2 });
    expect(mails.map((mail) => mail.messageId)).toEqual(['<2@x>', null]);
  });

  it('never plans an address Sympa would read as another', () => {
    const { items, mails } = planSympaMail(['bob@example.net!x', 'eve@example.org\r\nDEL x y@example.org'], new Map(), {
      force: false,
      maxCommands: 10,
    });
    expect(items.map((item) => item.decision)).toEqual(['invalid', 'invalid']);
    expect(mails).toEqual([]);
  });
});
