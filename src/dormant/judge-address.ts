import type { AddressRecord, DormantScope, MemberRecord } from '../store/dormant.js';
import type { MemberSourceRecord } from '../store/list-members.js';
import type { DormantConfig } from './dormant-config.js';
import type { DeadDomainEvidence } from './domain-verdict.js';
import { createBounceScorer, type BounceEvidence } from './score-bounces.js';

/** Why an address is on the list, most decisive first: a complaint is the person's own wish. */
export const DORMANT_REASONS = ['complained', 'dead_domain', 'bouncing', 'unused_mailbox'] as const;
export type DormantReason = (typeof DORMANT_REASONS)[number];

/** Sympa's own bounce record behind a bouncing member. */
export interface SympaBounceEvidence {
  list: string;
  firstAt: number;
  lastAt: number;
  count: number;
  status: string | null;
  score: number;
}

/** A hosted mailbox's activity, from Dovecot. */
export interface MailboxEvidence {
  lastLoginAt: number | null;
  newestSavedAt: number | null;
  daysSinceLogin: number | null;
}

/** What facteur saw and when, per reason. */
export interface DormantEvidence {
  bounce?: BounceEvidence;
  sympaBounce?: SympaBounceEvidence;
  deadDomain?: DeadDomainEvidence & { domain: string };
  complaint?: { firstAt: number; lastAt: number; count: number };
  mailbox?: MailboxEvidence;
  /** When the address was last forgotten: older events were not read. */
  forgottenAt?: number;
}

/** One address to act on, in one list (or none: a campaign's recipient, a hosted mailbox). */
export interface DormantEntry {
  address: string;
  list: string | null;
  campaign: string | null;
  gecos: string | null;
  reasons: DormantReason[];
  evidence: DormantEvidence;
  /**
   * Set when Sympa includes the member in `list` from a data source: `sympa del` then only excludes the address from
   * the list, the source still holds it, and the owner must fix it there.
   */
  inclusion?: MemberSourceRecord;
}

/** What judging needs beyond the address's own record; read once per run. */
export interface JudgeContext {
  config: DormantConfig;
  now: number;
  scope: DormantScope;
  forgotten: ReadonlyMap<string, number>;
  deadDomains: ReadonlyMap<string, DeadDomainEvidence>;
  campaignNames: ReadonlyMap<number, string>;
  /** Every membership of an address whose record has none read (see AddressRecord.members). */
  readMembers: (address: string) => MemberRecord[];
}

const DAY_MS = 86_400_000;

/** The domain of an address: what follows its last `@`. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/**
 * Sympa's own record at its threshold, last bounced within the window. Sympa's score cannot be split by date: a
 * record begun before the address was forgotten still counts the forgotten bounces, so it counts only once Sympa
 * starts a new one (after `sympa bouncers reset`), as facteur's own events do.
 */
function sympaEvidence(
  members: readonly MemberRecord[],
  context: JudgeContext,
  windowStart: number,
  forgottenAt: number | null,
): SympaBounceEvidence | null {
  let best: SympaBounceEvidence | null = null;
  for (const member of members) {
    const bounce = member.sympaBounce;
    if (bounce === null || member.sympaScore === null) continue;
    if (member.sympaScore < context.config.bounce.sympaScoreThreshold || bounce.last <= windowStart) continue;
    if (forgottenAt !== null && bounce.first <= forgottenAt) continue;
    if (best === null || member.sympaScore > best.score)
      best = {
        list: member.list,
        firstAt: bounce.first,
        lastAt: bounce.last,
        count: bounce.count,
        status: bounce.status,
        score: member.sympaScore,
      };
  }
  return best;
}

/**
 * Decides whether an address is to act on and why, with the evidence. The verdict is about the address, wherever
 * it bounced: a dead mailbox is dead on every list. It is reported once per list of the scope it belongs to.
 */
export function judgeAddress(record: AddressRecord, context: JudgeContext): DormantEntry[] {
  const forgottenAt = context.forgotten.get(record.address) ?? null;
  const scorer = createBounceScorer(context.config.bounce, context.now, forgottenAt);
  for (const event of record.events) scorer.add(event);
  const judgement = scorer.finish();
  const reasons: DormantReason[] = [];
  const evidence: DormantEvidence = {};
  if (judgement.complaint !== null) {
    reasons.push('complained');
    evidence.complaint = judgement.complaint;
  }
  const domain = domainOf(record.address);
  const dead = context.deadDomains.get(domain);
  if (dead !== undefined) {
    reasons.push('dead_domain');
    evidence.deadDomain = { domain, ...dead };
  }
  const windowStart = context.now - context.config.bounce.windowDays * DAY_MS;
  // Memberships not read cannot carry Sympa's score at its threshold (AddressRecord.members).
  const sympa = sympaEvidence(record.members ?? [], context, windowStart, forgottenAt);
  if (judgement.isBouncing || sympa !== null) reasons.push('bouncing');
  if (judgement.bounce !== null && (judgement.isBouncing || reasons.length > 0)) evidence.bounce = judgement.bounce;
  if (sympa !== null) evidence.sympaBounce = sympa;
  if (reasons.length === 0) return [];
  if (forgottenAt !== null) evidence.forgottenAt = forgottenAt;

  const members = record.members ?? context.readMembers(record.address);
  const gecos = members.find((member) => member.gecos !== null)?.gecos ?? null;
  const latestCampaign =
    [...record.events].reverse().find((event) => event.campaignId !== null)?.campaignId ??
    record.recipientOf.at(-1) ??
    null;
  const campaignName = latestCampaign === null ? null : (context.campaignNames.get(latestCampaign) ?? null);
  const entry = (list: string | null, campaign: string | null): DormantEntry => ({
    address: record.address,
    list,
    campaign,
    gecos,
    reasons,
    evidence,
  });
  const scope = context.scope;
  if (scope.kind === 'list') return [entry(scope.list, null)];
  if (scope.kind === 'campaign') return [entry(null, scope.campaign)];
  // A list whose membership was never imported is known only through its events.
  const lists = new Set([...members.map((member) => member.list), ...record.unimportedLists]);
  if (lists.size > 0) return [...lists].sort().map((list) => entry(list, null));
  // Known through a campaign, or through bounces tied to no list; an address that only bounced on a list it has
  // since left (imported membership without it) needs nothing more.
  if (campaignName !== null || record.events.every((event) => !event.hasList)) return [entry(null, campaignName)];
  return [];
}

/** A hosted mailbox's activity as Dovecot knows it (the `last_login` plugin dict, `doveadm mailbox status`). */
export interface MailboxActivityInput {
  user: string;
  lastLogin: Date | null;
  newestSavedAt: Date | null;
}

/**
 * A mailbox is unused when its last login is older than `unusedMailboxDays`. A mailbox with no login recorded is
 * left alone: the `last_login` plugin may be younger than the mailbox, so absence proves nothing.
 */
export function judgeMailbox(activity: MailboxActivityInput, config: DormantConfig, now: number): DormantEntry | null {
  if (activity.lastLogin === null) return null;
  const days = Math.floor((now - activity.lastLogin.getTime()) / DAY_MS);
  if (days < config.unusedMailboxDays) return null;
  return {
    address: activity.user,
    list: null,
    campaign: null,
    gecos: null,
    reasons: ['unused_mailbox'],
    evidence: {
      mailbox: {
        lastLoginAt: activity.lastLogin.getTime(),
        newestSavedAt: activity.newestSavedAt?.getTime() ?? null,
        daysSinceLogin: days,
      },
    },
  };
}
