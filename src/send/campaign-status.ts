import type { Db } from '../store/database.js';
import {
  countByState,
  countExpired,
  findCampaign,
  messagesInState,
  sendTimes,
  type MessageState,
  type MessageSummary,
  type SendTimes,
} from '../store/send-queue.js';

/** The window the current rate is measured over: long enough to smooth a pool's bursts, short enough to follow a throttle. */
const RATE_WINDOW_MS = 5 * 60_000;

/** Uncertain messages are listed in full: they are the ones a person must decide about, and a kill leaves at most a pool's worth. */
const MAX_UNCERTAIN_LISTED = 1000;

/** Failed messages listed; the rest are counted. */
const MAX_FAILED_LISTED = 100;

/** What `send status` reports (`--json` prints it). */
export interface CampaignStatus {
  schemaVersion: 1;
  campaign: string;
  /** False when no run has enqueued this campaign yet. */
  exists: boolean;
  isEnqueueComplete: boolean;
  skipped: number;
  duplicates: number;
  counts: Record<MessageState, number>;
  /** Failed messages that were given up on for outliving the queue lifetime (counted in `counts.failed`). */
  expired: number;
  firstSentAt: string | null;
  lastSentAt: string | null;
  /**
   * Messages accepted per second, from the first to the last acceptance of the last five minutes, or of the whole
   * campaign when fewer than two were accepted in the last five minutes.
   */
  ratePerSecond: number | null;
  /** Seconds to send what is pending, deferred or in flight at that rate. */
  etaSeconds: number | null;
  uncertain: MessageSummary[];
  failed: MessageSummary[];
}

/**
 * Acceptances per second between the first and the last of a span: n acceptances make n - 1 intervals. A window
 * divided by its full length would count the minutes before a run started as minutes of sending.
 */
function rateBetween(count: number, first: number | null, last: number | null): number | null {
  if (count < 2 || first === null || last === null || last <= first) return null;
  return (count - 1) / ((last - first) / 1000);
}

/** The current rate (the last five minutes), or the whole campaign's when too little went in the last five minutes. */
function sendingRate(times: SendTimes, sent: number): number | null {
  return (
    rateBetween(times.recent.count, times.recent.firstSentAt, times.recent.lastSentAt) ??
    rateBetween(sent, times.firstSentAt, times.lastSentAt)
  );
}

/** Reads a campaign's queue: counts by state, rate, ETA, the uncertain messages and the first failures. */
export function campaignStatus(db: Db, name: string, now: number): CampaignStatus {
  const campaign = findCampaign(db, name);
  const empty: Record<MessageState, number> = { pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, uncertain: 0 };
  if (campaign === undefined) {
    return {
      schemaVersion: 1,
      campaign: name,
      exists: false,
      isEnqueueComplete: false,
      skipped: 0,
      duplicates: 0,
      counts: empty,
      expired: 0,
      firstSentAt: null,
      lastSentAt: null,
      ratePerSecond: null,
      etaSeconds: null,
      uncertain: [],
      failed: [],
    };
  }
  const counts = countByState(db, campaign.id);
  const times = sendTimes(db, campaign.id, now - RATE_WINDOW_MS);
  const rate = sendingRate(times, counts.sent);
  const left = counts.pending + counts.deferred + counts.sending;
  return {
    schemaVersion: 1,
    campaign: name,
    exists: true,
    isEnqueueComplete: campaign.isEnqueueComplete,
    skipped: campaign.skipped,
    duplicates: campaign.duplicates,
    counts,
    expired: countExpired(db, campaign.id),
    firstSentAt: times.firstSentAt === null ? null : new Date(times.firstSentAt).toISOString(),
    lastSentAt: times.lastSentAt === null ? null : new Date(times.lastSentAt).toISOString(),
    ratePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
    etaSeconds: rate === null || rate === 0 ? null : Math.ceil(left / rate),
    uncertain: messagesInState(db, campaign.id, 'uncertain', MAX_UNCERTAIN_LISTED),
    failed: messagesInState(db, campaign.id, 'failed', MAX_FAILED_LISTED),
  };
}
