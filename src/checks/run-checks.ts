import { DnsLookupError, type DnsResolver } from '../dns/types.js';
import type { FactMap } from '../facts/fact-map.js';
import { render } from '../i18n.js';
import type {
  Check,
  CheckResult,
  DomainOptions,
  FactName,
  Finding,
  GatherContext,
  RenderOptions,
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
  signal: AbortSignal;
  once: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

/** One domain's results. */
export interface DomainResult {
  domain: string;
  member: string | null;
  checks: CheckResult[];
}

/** The facts a list of checks requires, computed once per list rather than once per domain. */
const neededFacts = new WeakMap<readonly Check[], readonly FactName[]>();

function factsNeededBy(checks: readonly Check[]): readonly FactName[] {
  let needed = neededFacts.get(checks);
  if (needed === undefined) {
    needed = [...new Set(checks.flatMap((check) => check.requires))];
    neededFacts.set(checks, needed);
  }
  return needed;
}

/** Gathers the facts the checks need, once each, then runs every check; a failed fact makes its checks `unknown`. */
export async function runDomainChecks(
  domain: string,
  member: string | null,
  options: DomainOptions,
  context: RunContext,
): Promise<DomainResult> {
  const gatherContext: GatherContext = {
    domain,
    options,
    resolver: context.resolver,
    once: context.once,
    signal: context.signal,
  };
  const failures = new Map<FactName, UnknownDraft>();
  // Every check gets this one object: a check reads only the facts it requires, and those are known to be here.
  const values: Partial<FactMap> = {};
  await Promise.all(
    factsNeededBy(context.checks).map(async (name) => {
      try {
        const gather = context.gatherers[name] as Gatherer;
        (values as Record<FactName, unknown>)[name] = await gather(gatherContext);
      } catch (error) {
        if (!(error instanceof DnsLookupError)) throw error;
        failures.set(name, { reason: `${error.failure}: ${error.message}` });
      }
    }),
  );
  return {
    domain,
    member,
    checks: context.checks.map((check) => runOneCheck(check, values as FactMap, failures, domain, options, context)),
  };
}

function runOneCheck(
  check: Check,
  values: FactMap,
  failures: ReadonlyMap<FactName, UnknownDraft>,
  domain: string,
  options: DomainOptions,
  context: RunContext,
): CheckResult {
  if (failures.size > 0) {
    const unknown = check.requires.flatMap((name) => failures.get(name) ?? []);
    if (unknown.length > 0) return { check: check.id, status: 'unknown', findings: [], unknown };
  }
  const output = check.run(values, { domain, options, now: context.now });
  const findings = output.findings.map((draft): Finding => {
    const meta = check.findings[draft.id];
    if (meta === undefined) throw new Error(`Check "${check.id}" reported undeclared finding "${draft.id}"`);
    const finding: Finding = {
      id: draft.id,
      check: check.id,
      severity: meta.severity,
      domain,
      subject: draft.subject ?? '',
      evidence: draft.evidence ?? {},
      message: render(meta.title, context.render.lang, draft.values),
      docs: context.render.docs(draft.id, check),
    };
    if (draft.suggestedRecord !== undefined) finding.suggestedRecord = draft.suggestedRecord;
    return finding;
  });
  const unknown = output.unknown ?? [];
  // Advice (`info`) never fails a check: only errors and warnings do.
  const isFailing = findings.some((finding) => finding.severity !== 'info');
  const status = isFailing ? 'fail' : unknown.length > 0 ? 'unknown' : 'pass';
  return { check: check.id, status, findings, unknown };
}
