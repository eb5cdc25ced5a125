import type { Check, DomainOptions, HosterExpectations, RenderOptions, Severity } from '../checks/types.js';
import { runDomainChecks, type DomainResult, type GathererTable } from '../checks/run-checks.js';
import { createRunMemo } from '../checks/run-memo.js';
import type { DnsResolver } from '../dns/types.js';
import type { InputError } from '../errors.js';

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
  /** Called with each domain's results as soon as they are known, for the history database. */
  onDomainResult?: (result: DomainResult) => void;
  signal?: AbortSignal;
}

/** The result of a check run (`--json` prints it as is). */
export interface CheckReport {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  domains: DomainResult[];
  inputErrors: { file: string | null; line: number | null; message: string }[];
  summary: { domains: number; findings: Record<Severity, number>; unknownChecks: number };
}

/** Checks every target with bounded concurrency; the order of results follows the order of targets. */
export async function runCheck(
  options: RunCheckOptions,
  inputErrors: readonly InputError[] = [],
): Promise<CheckReport> {
  const startedAt = options.now ?? new Date();
  const once = createRunMemo();
  const context = {
    checks: options.checks,
    gatherers: options.gatherers,
    resolver: options.resolver,
    render: options.render,
    now: startedAt,
    signal: options.signal ?? new AbortController().signal,
    once,
    ...(options.expectations === undefined ? {} : { expectations: options.expectations }),
    ...(options.ignore === undefined ? {} : { ignore: new Set(options.ignore) }),
  };
  const results: DomainResult[] = new Array<DomainResult>(options.targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < options.targets.length) {
      const index = next++;
      const target = options.targets[index];
      if (target === undefined) break;
      const result = await runDomainChecks(target.domain, target.member, target.options, context);
      results[index] = result;
      options.onDomainResult?.(result);
      options.onDomainDone?.(++done, options.targets.length);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, options.targets.length));
  await Promise.all(Array.from({ length: workers }, worker));

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
    domains: results,
    inputErrors: inputErrors.map((error) => ({
      file: error.location.file ?? null,
      line: error.location.line ?? null,
      message: error.text[options.render.lang],
    })),
    summary: { domains: results.length, findings, unknownChecks },
  };
}
