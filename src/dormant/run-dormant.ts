import type { DnsResolver } from '../dns/types.js';
import { runStallingPool, STALL_MS } from '../stalling-pool.js';
import type { Db } from '../store/database.js';
import {
  badDomainStates,
  campaignNames,
  forgottenAddresses,
  lastBounceDetailsReader,
  membersReader,
  readAddressRecords,
  updateDomainStates,
  scopeDomains,
  type DormantScope,
} from '../store/dormant.js';
import { memberSourceReader } from '../store/list-members.js';
import type { DormantConfig } from './dormant-config.js';
import { deadDomainEvidence, observeDomain, type DeadDomainEvidence } from './domain-verdict.js';
import { judgeAddress, judgeMailbox, type DormantEntry, type MailboxActivityInput } from './judge-address.js';
import { probeMailDomain, type DomainLookupFailure, type DomainObservation } from './probe-mail-domain.js';

const DAY_MS = 86_400_000;

/** What a DNS pass over the scope's domains saw. */
export interface DomainProbeSummary {
  domains: number;
  bad: number;
  /** Domains no verdict could be reached for (timeout, SERVFAIL): the run is incomplete for them. */
  unknown: { domain: string; detail: string | null; failure: DomainLookupFailure | null }[];
}

/**
 * Looks up every domain of the scope once (`concurrency` at a time, a domain whose servers never answer going on
 * beside the others after STALL_MS, as in a check run) and records the observations, all in one
 * transaction at the end: an interrupted probe records nothing, and the next run starts over.
 */
export async function probeScopeDomains(
  db: Db,
  scope: DormantScope,
  resolver: DnsResolver,
  options: { now: number; concurrency: number; onProgress?: (done: number, total: number) => void },
): Promise<DomainProbeSummary> {
  const domains = scopeDomains(db, scope).filter((domain) => domain !== '');
  const observations: DomainObservation[] = [];
  await runStallingPool(
    domains.length,
    async (index) => {
      observations.push(await probeMailDomain(resolver, domains[index] ?? ''));
      options.onProgress?.(observations.length, domains.length);
    },
    { concurrency: options.concurrency, stallMs: STALL_MS },
  );
  const states = updateDomainStates(db, observations, (observation, previous) =>
    observeDomain(previous, observation, options.now),
  );
  return {
    domains: domains.length,
    bad: states.filter((state) => state.badStatus !== null).length,
    unknown: observations
      .filter((observation) => observation.status === 'unknown')
      .map(({ domain, detail, failure }) => ({ domain, detail, failure })),
  };
}

/** The domains whose bad observations are confirmed. */
export function confirmedDeadDomains(db: Db, confirmHours: number): Map<string, DeadDomainEvidence> {
  const dead = new Map<string, DeadDomainEvidence>();
  for (const state of badDomainStates(db)) {
    const evidence = deadDomainEvidence(state, confirmHours);
    if (evidence !== null) dead.set(state.domain, evidence);
  }
  return dead;
}

/**
 * Streams the scope's addresses to act on, in address order: one pass over the store (see readAddressRecords),
 * then the hosted mailboxes when their activity is given.
 */
export async function* dormantEntries(
  db: Db,
  options: {
    scope: DormantScope;
    config: DormantConfig;
    now: number;
    /** False to judge the hosted mailboxes only (`--format mailboxes`). */
    includeStore?: boolean;
    mailboxes?: AsyncIterable<MailboxActivityInput> | Iterable<MailboxActivityInput>;
  },
): AsyncGenerator<DormantEntry> {
  const context = {
    config: options.config,
    now: options.now,
    scope: options.scope,
    forgotten: forgottenAddresses(db),
    deadDomains: confirmedDeadDomains(db, options.config.deadDomainConfirmHours),
    campaignNames: campaignNames(db),
    readMembers: membersReader(db),
  };
  const details = lastBounceDetailsReader(db);
  const sourceOf = memberSourceReader(db);
  const records =
    options.includeStore === false
      ? []
      : readAddressRecords(db, options.scope, {
          since: options.now - options.config.bounce.windowDays * DAY_MS,
          deadDomains: context.deadDomains.keys(),
          sympaScoreThreshold: options.config.bounce.sympaScoreThreshold,
        });
  for (const record of records) {
    const entries = judgeAddress(record, context);
    const bounce = entries[0]?.evidence.bounce;
    // Entries of one address share their evidence: one read fills them all.
    const found = bounce?.lastEventId == null ? undefined : details(record.address, bounce.lastEventId);
    if (bounce !== undefined && found !== undefined) {
      bounce.lastReason = found.reason;
      bounce.lastStatusCode = found.statusCode;
      bounce.lastDiagnostic = found.diagnostic;
    }
    for (const entry of entries) {
      const inclusion = entry.list === null ? undefined : sourceOf(entry.list, entry.address);
      if (inclusion !== undefined) entry.inclusion = inclusion;
    }
    yield* entries;
  }
  if (options.mailboxes === undefined) return;
  for await (const activity of options.mailboxes) {
    const entry = judgeMailbox(activity, options.config, options.now);
    if (entry !== null) yield entry;
  }
}
