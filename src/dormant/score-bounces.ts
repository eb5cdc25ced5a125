import type { BounceScoreConfig } from './dormant-config.js';

/** One thing facteur saw about an address: a bounce event (schema 4) or a message refused at SMTP time. */
export interface AddressEvent {
  kind: 'bounce' | 'autoreply' | 'feedback' | 'delivered';
  isHard: boolean;
  /** Unix milliseconds. */
  at: number;
  reason: string;
  statusCode: string | null;
  diagnostic: string | null;
  /** The bounce event's row id, to read its diagnostic when the address is reported; null for an SMTP refusal. */
  eventId: number | null;
  /** `bounce` for a bounce message, `smtp` for a 5xx reply to `facteur send`. */
  source: 'bounce' | 'smtp';
}

/** What the counted bounces were: the evidence behind a bouncing address. */
export interface BounceEvidence {
  score: number;
  firstAt: number;
  lastAt: number;
  /** Counted days (at most one per day). */
  days: number;
  hardDays: number;
  softDays: number;
  lastReason: string;
  lastStatusCode: string | null;
  lastDiagnostic: string | null;
  lastEventId: number | null;
  lastSource: 'bounce' | 'smtp';
}

/** The verdict on one address's events. */
export interface BounceJudgement {
  isBouncing: boolean;
  /** The current streak of counted bounces, or null when there is none. */
  bounce: BounceEvidence | null;
  /** The newest delivery report that restarted the score, if any. */
  resetByDeliveryAt: number | null;
  /** Complaints (ARF feedback): the person asked to stop receiving mail. */
  complaint: { firstAt: number; lastAt: number; count: number } | null;
}

/** Folds one address's events, oldest first, into a judgement. */
export interface BounceScorer {
  add(event: AddressEvent): void;
  finish(): BounceJudgement;
}

const DAY_MS = 86_400_000;

/**
 * Scores one address's events (oldest first) against `now`:
 * - at most one count per UTC day, the day's weight that of its hardest bounce (Mailman 2.1 `Bouncer`);
 * - a bounce after a gap longer than `staleAfterDays` starts the score again (Mailman's `bounce_info_stale_after`);
 * - a delivery report (DSN `Action: delivered`, RFC 3464 2.3.3) starts it again: the mailbox works;
 * - auto-replies never count: an out-of-office reply proves a mailbox is read;
 * - events before the window, or before the address was forgotten (`facteur dormant forget`), are not read;
 *   complaints ignore the window: a request to stop mail does not expire.
 * Bouncing means score at or above the threshold over at least `minPeriodDays` (Sympa's minimum bouncing period).
 */
export function createBounceScorer(
  config: BounceScoreConfig,
  now: number,
  forgottenAt: number | null = null,
): BounceScorer {
  const windowStart = now - config.windowDays * DAY_MS;
  const staleMs = config.staleAfterDays * DAY_MS;
  let streak: BounceEvidence | null = null;
  let lastDay = Number.NaN;
  let lastDayHard = false;
  let resetByDeliveryAt: number | null = null;
  let complaint: BounceJudgement['complaint'] = null;

  return {
    add(event) {
      if (forgottenAt !== null && event.at <= forgottenAt) return;
      if (event.kind === 'feedback') {
        complaint =
          complaint === null
            ? { firstAt: event.at, lastAt: event.at, count: 1 }
            : { ...complaint, lastAt: event.at, count: complaint.count + 1 };
        return;
      }
      if (event.at < windowStart || event.kind === 'autoreply') return;
      if (event.kind === 'delivered') {
        if (streak !== null) resetByDeliveryAt = event.at;
        streak = null;
        lastDay = Number.NaN;
        return;
      }
      if (streak !== null && event.at - streak.lastAt > staleMs) {
        streak = null;
        lastDay = Number.NaN;
      }
      const day = Math.floor(event.at / DAY_MS);
      const weight = event.isHard ? config.hardWeight : config.softWeight;
      if (streak === null) {
        streak = {
          score: weight,
          firstAt: event.at,
          lastAt: event.at,
          days: 1,
          hardDays: event.isHard ? 1 : 0,
          softDays: event.isHard ? 0 : 1,
          lastReason: event.reason,
          lastStatusCode: event.statusCode,
          lastDiagnostic: event.diagnostic,
          lastEventId: event.eventId,
          lastSource: event.source,
        };
      } else {
        if (day !== lastDay) {
          streak.score += weight;
          streak.days++;
          if (event.isHard) streak.hardDays++;
          else streak.softDays++;
        } else if (event.isHard && !lastDayHard) {
          // Same day: only an upgrade from soft to hard changes the count.
          streak.score += config.hardWeight - config.softWeight;
          streak.hardDays++;
          streak.softDays--;
        }
        streak.lastAt = event.at;
        streak.lastReason = event.reason;
        streak.lastStatusCode = event.statusCode;
        streak.lastDiagnostic = event.diagnostic;
        streak.lastEventId = event.eventId;
        streak.lastSource = event.source;
      }
      lastDayHard = day === lastDay ? lastDayHard || event.isHard : event.isHard;
      lastDay = day;
    },
    finish() {
      const isBouncing =
        streak !== null &&
        streak.score >= config.threshold - 1e-9 &&
        streak.lastAt - streak.firstAt >= config.minPeriodDays * DAY_MS;
      return { isBouncing, bounce: streak === null ? null : { ...streak }, resetByDeliveryAt, complaint };
    },
  };
}

/** Scores a whole list of one address's events, oldest first (see createBounceScorer). */
export function scoreBounces(
  events: readonly AddressEvent[],
  config: BounceScoreConfig,
  now: number,
  forgottenAt: number | null = null,
): BounceJudgement {
  const scorer = createBounceScorer(config, now, forgottenAt);
  for (const event of events) scorer.add(event);
  return scorer.finish();
}
