import type { DomainObservation, DomainStatus } from './probe-mail-domain.js';

/** A status meaning the domain takes no mail. */
export type DeadStatus = Exclude<DomainStatus, 'ok' | 'unknown'>;

/** What the runs so far saw of a domain: the current run of bad observations, the last good and undecided ones. */
export interface MailDomainState {
  domain: string;
  badStatus: DeadStatus | null;
  /** First bad observation since the last good one. */
  badSince: number | null;
  lastBadAt: number | null;
  badObservations: number;
  lastOkAt: number | null;
  lastUnknownAt: number | null;
  unknownDetail: string | null;
}

/** Why a domain is dead: the status and the observations that confirm it. */
export interface DeadDomainEvidence {
  status: DeadStatus;
  firstSeenAt: number;
  lastSeenAt: number;
  observations: number;
  lastOkAt: number | null;
}

/**
 * Adds one observation to a domain's state. A good answer ends a run of bad ones; an undecided one (timeout,
 * SERVFAIL) is noted and changes nothing else: it neither confirms nor clears a domain.
 */
export function observeDomain(
  previous: MailDomainState | null,
  observation: DomainObservation,
  at: number,
): MailDomainState {
  const state: MailDomainState = previous ?? {
    domain: observation.domain,
    badStatus: null,
    badSince: null,
    lastBadAt: null,
    badObservations: 0,
    lastOkAt: null,
    lastUnknownAt: null,
    unknownDetail: null,
  };
  switch (observation.status) {
    case 'ok':
      return { ...state, badStatus: null, badSince: null, lastBadAt: null, badObservations: 0, lastOkAt: at };
    case 'unknown':
      return { ...state, lastUnknownAt: at, unknownDetail: observation.detail };
    default:
      return {
        ...state,
        badStatus: observation.status,
        badSince: state.badSince ?? at,
        lastBadAt: at,
        badObservations: state.badObservations + 1,
      };
  }
}

/**
 * A domain is dead when its bad observations, with no good one in between, span at least `confirmHours`: two
 * runs a day apart, so one broken DNS night never condemns anyone.
 */
export function deadDomainEvidence(state: MailDomainState, confirmHours: number): DeadDomainEvidence | null {
  if (state.badStatus === null || state.badSince === null || state.lastBadAt === null) return null;
  if (state.badObservations < 2 || state.lastBadAt - state.badSince < confirmHours * 3_600_000) return null;
  return {
    status: state.badStatus,
    firstSeenAt: state.badSince,
    lastSeenAt: state.lastBadAt,
    observations: state.badObservations,
    lastOkAt: state.lastOkAt,
  };
}
