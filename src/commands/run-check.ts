import { setMaxListeners } from 'node:events';
import type { Check, DomainOptions, HosterExpectations, RenderOptions, Severity } from '../checks/types.js';
import { runDomainChecks, type DomainResult, type GathererTable } from '../checks/run-checks.js';
import { createRunMemo } from '../checks/run-memo.js';
import type { DnsResolver } from '../dns/types.js';
import type { InputError } from '../errors.js';
import { runStallingPool, STALL_MS } from '../stalling-pool.js';
import type { Trace } from '../trace.js';

/** One domain to check, with its own options. */
export interface CheckTarget {
  domain: string;
  member: string | null;
  options: DomainOptions;
}

/** What `facteur check` needs: targets, the checks, a resolver, and how to word findings. */
export interface RunCheckOptions {
  targets: readonly CheckTarget[];
  checks: readonly Check[];
  gatherers: GathererTable;
  resolver: DnsResolver;
  render: RenderOptions;
  concurrency: number;
  /** The hoster's expectations from the config: each one set adds the check comparing against it. */
  expectations?: HosterExpectations;
  now?: Date;
  /** Finding ids never reported (the config's `check.ignore`, `--ignore`). */
  ignore?: readonly string[];
  /** Called after each domain, for progress on a TTY. */
  onDomainDone?: (done: number, total: number) => void;
  /** Called as each domain starts, with how many have started: those started and not done are in progress. */
  onDomainStart?: (started: number) => void;
  /** Called with each domain's results as soon as they are known, for the history database. */
  onDomainResult?: (result: DomainResult) => void;
  /** Stops the run (Ctrl-C, SIGTERM): no domain starts once it aborts, and those in flight get `graceMs` to finish. */
  signal?: AbortSignal;
  /** How long domains in flight may go on once `signal` aborts (default INTERRUPT_GRACE_MS); tests shorten it. */
  graceMs?: number;
  /** Hears each SMTP command and reply and each HTTPS fetch of the probes (`--verbose`). */
  trace?: Trace;
}

/**
 * Domains in flight when a run is stopped go on this long, then what they still wait for is given up. Most answers
 * come within a second; a lookup still pending after 5 s waits on a timeout or a retry, and an admin who pressed
 * Ctrl-C, or systemd before its TimeoutStopSec (90 s by default) runs out, should not wait on it.
 */
export const INTERRUPT_GRACE_MS = 5000;

/** A domain a stopped run did not start. */
export interface UncheckedDomain {
  domain: string;
  member: string | null;
}

/** The result of a check run (`--json` prints it as is). */
export interface CheckReport {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  /** True when the run was stopped (Ctrl-C, SIGTERM): domains may be unchecked, and those in flight cut short. */
  interrupted: boolean;
  domains: DomainResult[];
  /** The domains a stopped run did not start, in the order of the targets (empty when it was not stopped). */
  uncheckedDomains: UncheckedDomain[];
  inputErrors: { file: string | null; line: number | null; message: string }[];
  summary: { domains: number; findings: Record<Severity, number>; unknownChecks: number };
}

/**
 * Checks every target with bounded concurrency; the order of results follows the order of targets. Once `signal`
 * aborts no domain starts, those in flight finish within the grace (what they still wait for then is undecided,
 * cause `interrupted`), and the report lists the domains not checked.
 */
export async function runCheck(
  options: RunCheckOptions,
  inputErrors: readonly InputError[] = [],
): Promise<CheckReport> {
  const startedAt = options.now ?? new Date();
  const once = createRunMemo();
  const stop = options.signal ?? new AbortController().signal;
  const cut = new AbortController();
  // Every domain in flight (up to --concurrency) listens to it, and each of its probes: no count is a leak here.
  setMaxListeners(0, cut.signal);
  let grace: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    grace = setTimeout(() => {
      cut.abort();
    }, options.graceMs ?? INTERRUPT_GRACE_MS);
  };
  stop.addEventListener('abort', onStop, { once: true });
  if (stop.aborted) onStop();
  const context = {
    checks: options.checks,
    gatherers: options.gatherers,
    resolver: options.resolver,
    render: options.render,
    now: startedAt,
    signal: cut.signal,
    once,
    ...(options.expectations === undefined ? {} : { expectations: options.expectations }),
    ...(options.ignore === undefined ? {} : { ignore: new Set(options.ignore) }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  };
  const slots: (DomainResult | undefined)[] = new Array<DomainResult | undefined>(options.targets.length);
  let done = 0;
  try {
    await runStallingPool(
      options.targets.length,
      async (index) => {
        const target = options.targets[index] as CheckTarget;
        const result = await runDomainChecks(target.domain, target.member, target.options, context);
        slots[index] = result;
        options.onDomainResult?.(result);
        options.onDomainDone?.(++done, options.targets.length);
      },
      {
        concurrency: options.concurrency,
        stallMs: STALL_MS,
        shouldStop: () => stop.aborted,
        ...(options.onDomainStart === undefined ? {} : { onStart: options.onDomainStart }),
      },
    );
  } finally {
    stop.removeEventListener('abort', onStop);
    clearTimeout(grace);
  }
  const results: DomainResult[] = [];
  const uncheckedDomains: UncheckedDomain[] = [];
  for (const [index, target] of options.targets.entries()) {
    const result = slots[index];
    if (result === undefined) uncheckedDomains.push({ domain: target.domain, member: target.member });
    else results.push(result);
  }

  const findings: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let unknownChecks = 0;
  for (const result of results) {
    for (const check of result.checks) {
      if (check.status === 'unknown' || check.unknown.length > 0) unknownChecks++;
      for (const finding of check.findings) findings[finding.severity]++;
    }
  }
  return {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted: stop.aborted,
    domains: results,
    uncheckedDomains,
    inputErrors: inputErrors.map((error) => ({
      file: error.location.file ?? null,
      line: error.location.line ?? null,
      message: error.text[options.render.lang],
    })),
    summary: { domains: results.length, findings, unknownChecks },
  };
}
