import { domainLookups } from '../dns/caching-resolver.js';
import { DnsLookupError, type DnsResolver } from '../dns/types.js';
import { fillText, type Text } from '../i18n.js';
import type { FactMap } from '../facts/fact-map.js';
import { renderFindingTitle } from './finding-title.js';
import type { RunMemo } from './run-memo.js';
import type { Trace } from '../trace.js';
import { recordUndecided, undecidedByLookup } from './undecided.js';
import type {
  Check,
  CheckContext,
  CheckResult,
  DomainOptions,
  HosterExpectations,
  FactName,
  Finding,
  GatherContext,
  RenderOptions,
  Undecided,
  UnknownDraft,
} from './types.js';

/** Builds one fact for one domain; throws DnsLookupError when a lookup it needs failed. */
export type Gatherer<K extends FactName = FactName> = (context: GatherContext) => Promise<FactMap[K]>;

/** The gatherer of every fact, by name. */
export type GathererTable = { [K in FactName]: Gatherer<K> };

/** Everything one domain's checks need besides the domain itself. */
export interface RunContext {
  checks: readonly Check[];
  gatherers: GathererTable;
  resolver: DnsResolver;
  render: RenderOptions;
  now: Date;
  /** Aborted when a stopped run's grace is over: facts still awaited then are undecided (cause `interrupted`). */
  signal: AbortSignal;
  once: RunMemo;
  /** The hoster's expectations from the config; none by default. */
  expectations?: HosterExpectations;
  /** Finding ids never reported (the config's `check.ignore`, `--ignore`). */
  ignore?: ReadonlySet<string>;
  /** Hears what the probes send and receive (`--verbose`). */
  trace?: Trace;
}

/** One domain's results. */
export interface DomainResult {
  domain: string;
  member: string | null;
  checks: CheckResult[];
}

/** Checks to run on a domain and the facts they require. */
interface Plan {
  checks: readonly Check[];
  needed: readonly FactName[];
}

function planFor(checks: readonly Check[]): Plan {
  return { checks, needed: [...new Set(checks.flatMap((check) => check.requires))] };
}

/** The plans of a run, with and without probes, worked out once per run rather than once per domain. */
const plans = new WeakMap<RunContext, { probing: Plan; dnsOnly: Plan }>();

function planOf(context: RunContext, probes: boolean): Plan {
  let both = plans.get(context);
  if (both === undefined) {
    const checks = applicableChecks(context.checks, context.expectations);
    // A check that would connect to the domain's servers is not run under --no-probes: it never claims a pass it
    // did not look for.
    both = { probing: planFor(checks), dnsOnly: planFor(checks.filter((check) => check.probes !== true)) };
    plans.set(context, both);
  }
  return probes ? both.probing : both.dnsOnly;
}

/** The checks a run performs: those comparing against a hoster expectation only when it is configured. */
export function applicableChecks(checks: readonly Check[], expectations: HosterExpectations = {}): Check[] {
  return checks.filter((check) => check.expects === undefined || expectations[check.expects] !== undefined);
}

/** Gathers the facts the checks need, once each, then runs every check; a failed fact makes its checks `unknown`. */
export async function runDomainChecks(
  domain: string,
  member: string | null,
  options: DomainOptions,
  context: RunContext,
): Promise<DomainResult> {
  const { checks, needed } = planOf(context, options.probes);
  const lookups = domainLookups(context.resolver, domain);
  const gatherContext: GatherContext = {
    domain,
    options,
    resolver: lookups.resolver,
    once: context.once,
    signal: context.signal,
    ...(context.expectations === undefined ? {} : { expectations: context.expectations }),
    ...(context.trace === undefined ? {} : { trace: context.trace }),
  };
  const failures = new Map<FactName, Undecided>();
  // Every check gets this one object: a check reads only the facts it requires, and those are known to be here.
  const values: Partial<FactMap> = {};
  const settled = new Set<FactName>();
  const gathering = Promise.all(
    needed.map(async (name) => {
      try {
        const gather = context.gatherers[name] as Gatherer;
        (values as Record<FactName, unknown>)[name] = await gather(gatherContext);
      } catch (error) {
        if (!(error instanceof DnsLookupError)) throw error;
        failures.set(name, undecidedByLookup(error));
      }
      settled.add(name);
    }),
  );
  if (await isCutShort(gathering, context.signal)) {
    // What is still asked is given up: it settles later (or with the resolver's close), unread.
    gathering.catch(() => undefined);
    for (const name of needed) if (!settled.has(name)) failures.set(name, interruptedFact(name));
  }
  // Checks only read the facts: the domain's own answers are of no more use to the run.
  lookups.release();
  // One context for the domain's twenty-odd checks: checks only read it.
  const checkContext: CheckContext = {
    domain,
    options,
    now: context.now,
    ...(context.expectations === undefined ? {} : { expectations: context.expectations }),
  };
  return { domain, member, checks: runChecks(checks, values as FactMap, failures, checkContext, context) };
}

/**
 * Waits for `work` unless `signal` aborts first (the run was stopped and its grace is over); true when it did. The
 * listener goes with the answer: a run of thousands of domains shares the one signal.
 */
async function isCutShort(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return true;
  let onAbort = (): void => undefined;
  const cut = new Promise<true>((resolve) => {
    onAbort = () => {
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => false), cut]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A fact still awaited when the run's grace ran out: the run, not the domain, left it unknown. */
function interruptedFact(name: FactName): Undecided {
  return { cause: 'interrupted', reason: fillText(INTERRUPTED_FACT, { name }) };
}

const INTERRUPTED_FACT: Text = {
  en: 'run stopped before the {name} fact was gathered',
  fr: 'passage arrêté avant d’avoir obtenu le fait {name}',
};

function runChecks(
  checks: readonly Check[],
  values: FactMap,
  failures: ReadonlyMap<FactName, Undecided>,
  checkContext: CheckContext,
  context: RunContext,
): CheckResult[] {
  const results: CheckResult[] = [];
  for (const check of checks) results.push(runOneCheck(check, values, failures, checkContext, context));
  return results;
}

/**
 * The empty parts of results, one object for the run: most checks pass on most domains, and a run of thousands of
 * domains held a result and two empty arrays for each check of each domain until the report was written. Frozen, as
 * every holder of a result only reads it.
 */
const NO_FINDINGS: Finding[] = [];
const NO_UNKNOWN: UnknownDraft[] = [];
Object.freeze(NO_FINDINGS);
Object.freeze(NO_UNKNOWN);

/** Each check's pass, one frozen object shared by every domain that passes it. */
const passes = new WeakMap<Check, CheckResult>();

function passOf(check: Check): CheckResult {
  let pass = passes.get(check);
  if (pass === undefined) {
    pass = Object.freeze<CheckResult>({ check: check.id, status: 'pass', findings: NO_FINDINGS, unknown: NO_UNKNOWN });
    passes.set(check, pass);
  }
  return pass;
}

function runOneCheck(
  check: Check,
  values: FactMap,
  failures: ReadonlyMap<FactName, Undecided>,
  checkContext: CheckContext,
  context: RunContext,
): CheckResult {
  const { domain } = checkContext;
  if (failures.size > 0) {
    const unknown = check.requires.flatMap((name) => failures.get(name) ?? []);
    if (unknown.length > 0)
      return {
        check: check.id,
        status: 'unknown',
        findings: NO_FINDINGS,
        unknown: unknown.map((part) => recordUndecided(part, context.render.lang)),
      };
  }
  const output = check.run(values, checkContext);
  // Plain loops over the checks' arrays: every check builds them its own way (literals, map, filter), and array
  // methods called here would be specialised to one of those shapes, then thrown away at the next.
  const findings: Finding[] = [];
  let isFailing = false;
  for (const draft of output.findings) {
    const meta = check.findings[draft.id];
    if (meta === undefined) throw new Error(`Check "${check.id}" reported undeclared finding "${draft.id}"`);
    if (context.ignore?.has(draft.id) === true) continue;
    const finding: Finding = {
      id: draft.id,
      check: check.id,
      severity: meta.severity,
      domain,
      subject: draft.subject ?? '',
      evidence: draft.evidence ?? {},
      message: renderFindingTitle(meta, context.render.lang, draft.values),
      values: draft.values ?? {},
      docs: context.render.docs(draft.id, check),
    };
    if (draft.suggestedRecord !== undefined) finding.suggestedRecord = draft.suggestedRecord;
    // Advice (`info`) never fails a check: only errors and warnings do.
    if (meta.severity !== 'info') isFailing = true;
    findings.push(finding);
  }
  const unknown =
    output.unknown === undefined || output.unknown.length === 0
      ? NO_UNKNOWN
      : output.unknown.map((part) => recordUndecided(part, context.render.lang));
  const status = isFailing ? 'fail' : unknown.length > 0 ? 'unknown' : 'pass';
  if (status === 'pass' && findings.length === 0) return passOf(check);
  return { check: check.id, status, findings: findings.length === 0 ? NO_FINDINGS : findings, unknown };
}
