import type { Db } from '../store/database.js';
import {
  countByState,
  countExpired,
  findCampaign,
  messagesInState,
  sendTimes,
  type MessageState,
  type MessageSummary,
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
  /** Messages accepted per second over the last five minutes, or over the whole run when it ended earlier. */
  ratePerSecond: number | null;
  /** Seconds to send what is pending or deferred at that rate. */
  etaSeconds: number | null;
  uncertain: MessageSummary[];
  failed: MessageSummary[];
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
  let rate: number | null = null;
  if (times.sentSince > 0) rate = times.sentSince / (RATE_WINDOW_MS / 1000);
  else if (times.firstSentAt !== null && times.lastSentAt !== null && times.lastSentAt > times.firstSentAt)
    rate = counts.sent / ((times.lastSentAt - times.firstSentAt) / 1000);
  const left = counts.pending + counts.deferred;
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
