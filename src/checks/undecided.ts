import type { DnsFailure, DnsLookupError } from '../dns/types.js';
import { render, type Lang, type Text } from '../i18n.js';
import type { CheckResult, Undecided, UndecidedCause, UnknownDraft } from './types.js';

/** Each cause in words for the people reading a report: the reason after it stays technical. */
export const UNDECIDED_CAUSES: Record<UndecidedCause, Text> = {
  timeout: {
    en: 'the DNS resolver did not answer in time',
    fr: 'le résolveur DNS n’a pas répondu à temps',
  },
  servfail: {
    en: 'the DNS resolver could not get an answer (SERVFAIL)',
    fr: 'le résolveur DNS n’a pas pu obtenir de réponse (SERVFAIL)',
  },
  refused: {
    en: 'the DNS server refused to answer',
    fr: 'le serveur DNS a refusé de répondre',
  },
  formerr: {
    en: 'the DNS server rejected the question as malformed',
    fr: 'le serveur DNS a rejeté la question comme mal formée',
  },
  network: {
    en: 'a network error interrupted the DNS question',
    fr: 'une erreur réseau a interrompu la question DNS',
  },
  truncated: {
    en: 'the DNS answer was too long and could not be fetched over TCP',
    fr: 'la réponse DNS était trop longue et n’a pas pu être obtenue par TCP',
  },
  probe: {
    en: 'the test could not finish: the server was out of reach, did not answer in time, or gave a temporary error',
    fr: 'le test n’a pas pu aboutir : serveur hors d’atteinte, pas de réponse à temps, ou erreur temporaire',
  },
  blocklist_unusable: {
    en: 'the blocklist failed its own test point, so its answers cannot be trusted',
    fr: 'la liste de blocage échoue à son propre point de test : ses réponses ne sont pas fiables',
  },
  depends_on_message: {
    en: 'the result depends on each message',
    fr: 'le résultat dépend de chaque message',
  },
  unsupported: {
    en: 'facteur cannot evaluate this case',
    fr: 'facteur ne sait pas évaluer ce cas',
  },
  interrupted: {
    en: 'the run was stopped (Ctrl-C or SIGTERM) before the answer came',
    fr: 'le passage a été arrêté (Ctrl-C ou SIGTERM) avant que la réponse arrive',
  },
};

/** A part left undecided by a failed DNS lookup: the failure is the cause, its detail the reason. */
export function undecidedByDns(subject: string, failure: { error: DnsFailure; detail: Text }): Undecided {
  return { subject, cause: failure.error, reason: failure.detail };
}

/** A part left undecided by a lookup that threw (a gatherer's `lookup()`): its failure is the cause, its message the reason. */
export function undecidedByLookup(error: DnsLookupError, subject?: string): Undecided {
  return { ...(subject === undefined ? {} : { subject }), cause: error.failure, reason: error.reason };
}

/** An undecided part as a run's result keeps it: its reason in the run's language, and in every language beside. */
export function recordUndecided(part: Undecided, lang: Lang): UnknownDraft {
  return { ...part, reason: part.reason[lang], reasonText: part.reason };
}

/** A recorded part's reason in `lang`; a part recorded before facteur kept every language gives its reason as recorded. */
export function undecidedReason(part: Pick<UnknownDraft, 'reason' | 'reasonText'>, lang: Lang): string {
  return part.reasonText?.[lang] ?? part.reason;
}

/** One undecided part of a report: which check, on what, why (in the report's language). */
export interface UndecidedPart {
  check: string;
  subject: string | null;
  cause: UndecidedCause | null;
  reason: string;
}

/** A domain's undecided parts, check by check, as reports group them, each reason in `lang`. */
export function undecidedParts(checks: readonly Pick<CheckResult, 'check' | 'unknown'>[], lang: Lang): UndecidedPart[] {
  return checks.flatMap((check) =>
    check.unknown.map((part) => ({
      check: check.check,
      subject: part.subject ?? null,
      cause: part.cause ?? null,
      reason: undecidedReason(part, lang),
    })),
  );
}

/** The undecided parts that share a cause: the checks (with their subjects) and the distinct technical reasons. */
export interface UndecidedGroup {
  cause: UndecidedCause | null;
  parts: { check: string; subject: string | null }[];
  reasons: string[];
}

/**
 * Groups a domain's undecided parts by cause, in the order causes first appear, each check and each reason once: a
 * resolver down for the night leaves one line saying so over the seventeen checks it stopped, not seventeen lines.
 */
export function groupUndecided(parts: readonly UndecidedPart[]): UndecidedGroup[] {
  const groups = new Map<UndecidedCause | null, UndecidedGroup>();
  for (const { check, subject, cause, reason } of parts) {
    let group = groups.get(cause);
    if (group === undefined) {
      group = { cause, parts: [], reasons: [] };
      groups.set(cause, group);
    }
    // A check undecided on two questions (BIMI's record and DMARC's) is named once.
    if (!group.parts.some((part) => part.check === check && part.subject === subject))
      group.parts.push({ check, subject });
    if (!group.reasons.includes(reason)) group.reasons.push(reason);
  }
  return [...groups.values()];
}

/** Technical reasons a report shows for one cause before it counts the rest. */
const REASONS_SHOWN = 3;

const MORE_REASONS: Text = {
  en: 'and {count|other reason|other reasons} (report --format json lists them all)',
  fr: 'et {count|autre raison|autres raisons} (report --format json les donne toutes)',
};

/**
 * A group's technical reasons on one line: the first few, then how many more. A resolver down for the night stops
 * every question of a domain, each its own reason, and a member's report need not list a dozen of them.
 */
export function reasonsLine(reasons: readonly string[], lang: Lang, moreReasons: Text = MORE_REASONS): string {
  const shown = reasons.slice(0, REASONS_SHOWN);
  const more = reasons.length - shown.length;
  const separator = REASON_SEPARATOR[lang];
  return more === 0
    ? shown.join(separator)
    : `${shown.join(separator)}${separator}${render(moreReasons, lang, { count: more })}`;
}

/** French sets a space before ";". */
const REASON_SEPARATOR: Text = { en: '; ', fr: ' ; ' };
