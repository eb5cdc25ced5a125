import type { Lang, Text } from '../i18n.js';
import type { DnsFailure, DnsResolver } from '../dns/types.js';
import type { FactMap } from '../facts/fact-map.js';
import type { RunMemo } from './run-memo.js';
import type { Trace } from '../trace.js';

/** How bad a finding is. `info` is advice that never fails a run. */
export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The texts and severity of one finding id, kept in the file of the check that reports it. */
export interface FindingMeta {
  severity: Severity;
  /** One line naming the problem; `{name}` placeholders are filled from the draft's `values`. */
  title: Text;
  /** Plain words for a member: what is wrong and why it matters. */
  explanation: Text;
  /** What to do about it. */
  remediation: Text;
}

/** What a check's `run` reports: a finding id, the thing it is about (an MX host, an IP, a selector), its evidence. */
export interface FindingDraft {
  id: string;
  subject?: string;
  evidence?: Record<string, unknown>;
  /** Values for the title's placeholders. */
  values?: Record<string, string | number>;
  /** A record the member can publish to fix it, when it can be computed. */
  suggestedRecord?: string;
}

/**
 * Why a part of a check could not be decided, in words a report can give people: a DNS failure, a probe the server
 * cut short, a blocklist failing its own test point, an SPF result that depends on each message, something facteur
 * cannot evaluate, or a run stopped (Ctrl-C, SIGTERM) before the answer came.
 */
export type UndecidedCause =
  | DnsFailure
  | 'probe'
  | 'blocklist_unusable'
  | 'depends_on_message'
  | 'unsupported'
  | 'interrupted';

/** A part of a check that could not be decided (one selector timed out, one blocklist refused to answer). */
export interface Undecided {
  subject?: string;
  cause: UndecidedCause;
  /** The technical detail in every language: the question, the server, what it answered (names and codes verbatim). */
  reason: Text;
}

/**
 * An undecided part as results keep it, its reason rendered as a finding's message is. Those recorded before facteur
 * kept the cause show their reason alone.
 */
export interface UnknownDraft {
  subject?: string;
  cause?: UndecidedCause;
  /** The reason in the language of the run that met it: in English only, for parts recorded before `reasonText`. */
  reason: string;
  /** The reason in every language, so that a report gives it in its reader’s language, whatever the run’s. */
  reasonText?: Text;
}

/** What a check's `run` returns: findings, and the parts it could not decide. */
export interface CheckOutput {
  findings: FindingDraft[];
  unknown?: Undecided[];
}

/** Per-domain options that gatherers and checks read (from the members file, the command line or the config). */
export interface DomainOptions {
  dkimSelectors: string[];
  sendingIps: string[];
  dnsbl: string[];
  rhsbl: string[];
  probes: boolean;
}

/**
 * What the hoster expects of every member domain (the config's `expectations`). Each one set turns on the check
 * whose `expects` names it; unset, that check does not run at all.
 */
export interface HosterExpectations {
  /** The MX hosts members must point to: lower-case names, no trailing dot. */
  mxHosts?: string[];
  /** The domain members' SPF must include (RFC 7208 5.2), directly or through another include or a redirect. */
  spfInclude?: string;
  /** The `mailto:` URI that must be one of the `rua` destinations of members' DMARC records (RFC 7489 6.2). */
  dmarcReportsTo?: string;
}

export type ExpectationName = keyof HosterExpectations;

/** What `run` sees besides facts. */
export interface CheckContext {
  domain: string;
  options: DomainOptions;
  now: Date;
  /** The hoster's expectations; a check with `expects` is only run when its value is set. */
  expectations?: HosterExpectations;
}

/** What a gatherer gets: the run's caching resolver and a per-run memo for facts shared by every domain. */
export interface GatherContext {
  domain: string;
  options: DomainOptions;
  resolver: DnsResolver;
  /** Computes `fn` once per run for `key` (a blocklist's RFC 5782 test point, a shared MX host); rejections are forgotten. */
  once: RunMemo;
  /** Aborted when the run was stopped and its grace is over: probes and fetches still going give up. */
  signal: AbortSignal;
  /** The hoster's expectations, for facts about the hoster itself (the addresses of its MX hosts). */
  expectations?: HosterExpectations;
  /** Hears each SMTP command and reply and each HTTPS fetch of the probes (`--verbose`). */
  trace?: Trace;
}

export type FactName = keyof FactMap;

/** A check: pure from facts to findings (lighthouse audit). The runner answers `unknown` when a required fact failed. */
export interface Check<R extends FactName = FactName> {
  /** Kebab-case noun, same as the file name in checks/. */
  id: string;
  requires: readonly R[];
  /** The RFC section (https) this check enforces. */
  rfc: string;
  title: Text;
  /** The hoster expectation this check compares against: without it configured, the check is not run. */
  expects?: ExpectationName;
  /** True when the check connects to the domain's servers (SMTP, HTTPS): under --no-probes it is not run at all. */
  probes?: true;
  findings: Record<string, FindingMeta>;
  run(facts: Pick<FactMap, R>, context: CheckContext): CheckOutput;
}

/** A finding as reported and stored. `(id, domain, subject)` is the key that nightly diffs use. */
export interface Finding {
  id: string;
  check: string;
  severity: Severity;
  domain: string;
  subject: string;
  evidence: Record<string, unknown>;
  /** The one-line title, in the language of the run that found it. */
  message: string;
  /**
   * The values of the title's placeholders, so that a report or `changes` renders the title again in its reader's
   * language. Absent from findings recorded before schema 11, which keep their recorded message.
   */
  values?: Record<string, string | number>;
  docs: string;
  suggestedRecord?: string;
}

/** One check's outcome for one domain. */
export interface CheckResult {
  check: string;
  status: 'pass' | 'fail' | 'unknown';
  findings: Finding[];
  unknown: UnknownDraft[];
}

/** Resolves the docs link of a finding: the hoster's wiki when configured, else the check's RFC. */
export type DocsLink = (findingId: string, check: Check) => string;

/** Options that shape how findings are rendered. */
export interface RenderOptions {
  lang: Lang;
  docs: DocsLink;
}
