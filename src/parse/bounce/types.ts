/** Sisimai 4.25 reason names: the vocabulary list owners already know from Sisimai reports. */
export const BOUNCE_REASONS = [
  'userunknown',
  'hostunknown',
  'hasmoved',
  'notaccept',
  'mailboxfull',
  'suspend',
  'filtered',
  'blocked',
  'rejected',
  'policyviolation',
  'securityerror',
  'spamdetected',
  'virusdetected',
  'contenterror',
  'mesgtoobig',
  'exceedlimit',
  'toomanyconn',
  'norelaying',
  'networkerror',
  'expired',
  'systemerror',
  'systemfull',
  'mailererror',
  'syntaxerror',
  'onhold',
  'undefined',
  'vacation',
  'feedback',
  'delivered',
] as const;

/** One Sisimai reason name. */
export type BounceReason = (typeof BOUNCE_REASONS)[number];

/** What a message is: a failure report, an auto-reply, a complaint, a success DSN, or none of these. */
export type BounceKind = 'bounce' | 'autoreply' | 'feedback' | 'delivered' | 'other';

/** A decoded VERP: facteur's own campaign token, Sympa's list bounce address, or LimeSurvey's survey and token. */
export type VerpInfo =
  | { scheme: 'facteur'; campaign: number; recipientId: number }
  | { scheme: 'sympa'; address: string; list: string; listDomain: string; kind: 'bounce' | 'welcome' | 'remind' }
  | { scheme: 'limesurvey'; surveyId: string; tokenId: string | null };

/** One recipient of a bounce, the `--jsonl` contract of issue 5 (null for absent values). */
export interface BounceRecipient {
  address: string;
  originalRecipient: string | null;
  status: string | null;
  action: string | null;
  reason: BounceReason;
  hardbounce: boolean;
  permanent: boolean;
  diagnostic: string | null;
  remoteMta: string | null;
  smtpCommand: string | null;
  verp: VerpInfo | null;
}

/** The outcome of parseBounce(). */
export interface BounceReport {
  kind: BounceKind;
  /** ARF Feedback-Type (RFC 5965 §3.1) for kind "feedback". */
  feedbackType?: string;
  recipients: BounceRecipient[];
  /** Why the message could not be read at all (kind is then "other"); absent when it was read. */
  error?: string;
  /** Set when the input is no mail at all (kind "other", `error` in English): why, for a message in the reader's words. */
  notMail?: NotMail;
}

/** Why an input is no mail: empty, binary, or text that does not begin with a header field. */
export type NotMail = 'empty' | 'binary' | 'no_header_field';
