import type { DormantEntry, DormantEvidence } from './judge-address.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** The evidence of an entry as it appears in JSON: dates in ISO 8601 UTC, keys in English camelCase. */
export function dormantEvidenceJson(entryEvidence: DormantEvidence): Record<string, unknown> {
  const { bounce, sympaBounce, deadDomain, complaint, mailbox, forgottenAt } = entryEvidence;
  const evidence: Record<string, unknown> = {};
  if (bounce !== undefined)
    evidence.bounce = {
      score: bounce.score,
      firstAt: iso(bounce.firstAt),
      lastAt: iso(bounce.lastAt),
      days: bounce.days,
      hardDays: bounce.hardDays,
      softDays: bounce.softDays,
      lastReason: bounce.lastReason,
      lastStatusCode: bounce.lastStatusCode,
      lastDiagnostic: bounce.lastDiagnostic,
      lastSource: bounce.lastSource,
    };
  if (sympaBounce !== undefined)
    evidence.sympaBounce = {
      list: sympaBounce.list,
      firstAt: iso(sympaBounce.firstAt),
      lastAt: iso(sympaBounce.lastAt),
      count: sympaBounce.count,
      status: sympaBounce.status,
      score: sympaBounce.score,
    };
  if (deadDomain !== undefined)
    evidence.deadDomain = {
      domain: deadDomain.domain,
      status: deadDomain.status,
      firstSeenAt: iso(deadDomain.firstSeenAt),
      lastSeenAt: iso(deadDomain.lastSeenAt),
      observations: deadDomain.observations,
      lastOkAt: isoOrNull(deadDomain.lastOkAt),
    };
  if (complaint !== undefined)
    evidence.complaint = { firstAt: iso(complaint.firstAt), lastAt: iso(complaint.lastAt), count: complaint.count };
  if (mailbox !== undefined)
    evidence.mailbox = {
      lastLoginAt: isoOrNull(mailbox.lastLoginAt),
      newestSavedAt: isoOrNull(mailbox.newestSavedAt),
      daysSinceLogin: mailbox.daysSinceLogin,
    };
  if (forgottenAt !== undefined) evidence.forgottenAt = iso(forgottenAt);
  return evidence;
}

/** An entry as it appears in `--format json` and `--json`, but its evidence (see dormantEvidenceJson). */
export function dormantEntryHeadJson(entry: DormantEntry): Record<string, unknown> {
  return {
    address: entry.address,
    list: entry.list,
    campaign: entry.campaign,
    name: entry.gecos,
    reason: entry.reasons[0],
    reasons: entry.reasons,
    inclusion:
      entry.inclusion === undefined
        ? null
        : {
            dataSource: entry.inclusion.dataSource,
            syncedAt: isoOrNull(entry.inclusion.syncedAt),
            subscribed: entry.inclusion.isSubscribed,
          },
  };
}
