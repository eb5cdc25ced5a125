import { describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG } from '../../src/dormant/dormant-config.js';
import { judgeAddress, type JudgeContext } from '../../src/dormant/judge-address.js';
import type { AddressRecord, MemberRecord } from '../../src/store/dormant.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6);
const LIST = 'info@lists.example.org';

/** A member Sympa scored past its removal level, its bounces recorded from `first` to `last` days ago. */
function scored(first: number, last: number): AddressRecord {
  const member: MemberRecord = {
    list: LIST,
    address: 'jean@example.org',
    gecos: null,
    subscribedAt: null,
    sympaBounce: { first: NOW - first * DAY, last: NOW - last * DAY, count: 6, status: '5.1.1' },
    sympaScore: 90,
  };
  return { address: member.address, members: [member], events: [], unimportedLists: [], recipientOf: [] };
}

function context(forgottenDaysAgo?: number): JudgeContext {
  return {
    config: DEFAULT_DORMANT_CONFIG,
    now: NOW,
    scope: { kind: 'list', list: LIST },
    forgotten: new Map(forgottenDaysAgo === undefined ? [] : [['jean@example.org', NOW - forgottenDaysAgo * DAY]]),
    deadDomains: new Map(),
    campaignNames: new Map(),
    readMembers: () => [],
  };
}

describe('judgeAddress()', () => {
  it("reports a member on Sympa's own score", () => {
    expect(judgeAddress(scored(60, 1), context()).map((entry) => entry.reasons)).toEqual([['bouncing']]);
  });

  it("does not count Sympa's record once the address is forgotten, as sympa bouncers reset would clear it", () => {
    expect(judgeAddress(scored(60, 10), context(5))).toEqual([]);
  });

  it("does not count Sympa's score built on forgotten bounces when one more bounce comes after the forget", () => {
    expect(judgeAddress(scored(60, 1), context(5))).toEqual([]);
  });

  it("counts Sympa's record again when it started after the forget", () => {
    expect(judgeAddress(scored(4, 1), context(5)).map((entry) => entry.reasons)).toEqual([['bouncing']]);
  });
});
