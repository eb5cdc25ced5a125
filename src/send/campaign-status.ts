import { hostname } from 'node:os';
import { isProcessAlive } from '../is-process-alive.js';
import { readSnapshot, type Db } from '../store/database.js';
import type { IsAlive } from '../store/process-lock.js';
import {
  countByState,
  countExpired,
  findCampaign,
  lastSendRun,
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

/**
 * What a campaign's sending is doing, as read from another terminal: `running` (a run is sending and its process is
 * alive), `interrupted` (the last run died mid-run, or left messages in flight: resume it), `stopped` (the last run
 * ended with messages left: deferred ones, --limit, Ctrl-C, a server that stopped it), `finished` (nothing left to
 * try), `not_started` (queued, nothing tried yet).
 */
export type CampaignActivity = 'not_started' | 'running' | 'interrupted' | 'stopped' | 'finished';

/** The latest `send run` that sent, as `send status` shows it. */
export interface LastRun {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Null while it runs, or when its process died before it could end it. */
  finishedAt: string | null;
  /**
   * For a run not ended: whether its process is alive, null when it runs on another host (its pid means nothing
   * here). Null once ended.
   */
  isAlive: boolean | null;
}

/** The pace of the run sending now: acceptances since it started, over the last five minutes at most. */
export interface Pace {
  ratePerSecond: number;
  /** Messages accepted since `since`. */
  accepted: number;
  /** The start of the span measured: five minutes ago, or the run's start when more recent. */
  since: string;
  /** Seconds to send what is left at this pace. */
  etaSeconds: number | null;
}

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
  activity: CampaignActivity;
  lastRun: LastRun | null;
  /** Messages a live run has handed to the server and not yet recorded the reply of (0 when no run is alive). */
  inFlight: number;
  /** Messages still to try: pending, deferred, and those in flight or caught in flight. */
  left: number;
  /** Null unless running with at least two acceptances to measure. */
  pace: Pace | null;
  /** The command that sends what is left of an interrupted, stopped or not yet started campaign; null otherwise. */
  resumeCommand: string | null;
}

/** How `send status` was asked, beyond the campaign: the command to resume it, and how to probe a process. */
export interface StatusOptions {
  /** `facteur send run` and its arguments for this campaign (`facteur send run campaign.json --db f.sqlite`). */
  runCommand?: string;
  /** Tests probe a pretend process; by default, signal 0 (isProcessAlive). */
  isAlive?: IsAlive;
  /** This machine's name, against the run's: a pid is only probed on the host that recorded it. */
  hostname?: string;
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

/**
 * The pace of a live run: acceptances since the later of its start and five minutes ago, divided by the time from then
 * to now. Up to now, not up to the last acceptance: a run stalled on a throttle or a backoff shows a falling pace.
 */
function runPace(db: Db, campaignId: number, runStartedAt: number, left: number, now: number): Pace | null {
  const since = Math.max(runStartedAt, now - RATE_WINDOW_MS);
  const accepted = sendTimes(db, campaignId, since).recent.count;
  if (accepted < 2 || now <= since) return null;
  const rate = accepted / ((now - since) / 1000);
  return {
    ratePerSecond: Math.round(rate * 100) / 100,
    accepted,
    since: new Date(since).toISOString(),
    etaSeconds: Math.ceil(left / rate),
  };
}

/** What the campaign's sending is doing, from its last run and its queue (see CampaignActivity). */
function activityOf(
  run: { finishedAt: number | null; isAlive: boolean | null } | null,
  counts: Record<MessageState, number>,
  left: number,
): CampaignActivity {
  const isOpen = run !== null && run.finishedAt === null;
  if (isOpen && run.isAlive !== false) return 'running';
  // Rows still 'sending' with no live run: a run died with them on the wire (or before runs were recorded).
  if (isOpen || counts.sending > 0) return 'interrupted';
  if (left === 0) return 'finished';
  const isUntried = counts.sent + counts.failed + counts.deferred + counts.uncertain === 0;
  return run === null && isUntried ? 'not_started' : 'stopped';
}

/**
 * Reads a campaign's queue: counts by state, rate, ETA, the uncertain messages and the first failures, and whether a
 * run is sending it now (its process, its pace, what is in flight) or died mid-run. One snapshot: a run ending
 * between the count of its messages in flight and the read of its record would pass for one that died with them.
 */
export function campaignStatus(db: Db, name: string, now: number, options: StatusOptions = {}): CampaignStatus {
  return readSnapshot(db, () => readStatus(db, name, now, options));
}

function readStatus(db: Db, name: string, now: number, options: StatusOptions): CampaignStatus {
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
      activity: 'not_started',
      lastRun: null,
      inFlight: 0,
      left: 0,
      pace: null,
      resumeCommand: null,
    };
  }
  const counts = countByState(db, campaign.id);
  const times = sendTimes(db, campaign.id, now - RATE_WINDOW_MS);
  const rate = sendingRate(times, counts.sent);
  const left = counts.pending + counts.deferred + counts.sending;
  const recorded = lastSendRun(db, campaign.id);
  const isAlive = options.isAlive ?? isProcessAlive;
  const run =
    recorded === undefined
      ? null
      : {
          ...recorded,
          isAlive:
            recorded.finishedAt !== null
              ? null
              : recorded.owner.hostname === (options.hostname ?? hostname())
                ? isAlive(recorded.owner.pid, recorded.startedAt)
                : null,
        };
  const activity = activityOf(run, counts, left);
  const isRunning = activity === 'running' && run !== null;
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
    activity,
    lastRun:
      run === null
        ? null
        : {
            pid: run.owner.pid,
            hostname: run.owner.hostname,
            startedAt: new Date(run.startedAt).toISOString(),
            finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt).toISOString(),
            isAlive: run.isAlive,
          },
    inFlight: isRunning ? counts.sending : 0,
    left,
    pace: isRunning ? runPace(db, campaign.id, run.startedAt, left, now) : null,
    resumeCommand:
      activity !== 'running' && activity !== 'finished' && options.runCommand !== undefined ? options.runCommand : null,
  };
}
