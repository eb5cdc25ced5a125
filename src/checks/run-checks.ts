import { DnsLookupError, type DnsResolver, type Fact } from '../dns/types.js';
import type { FactMap } from '../facts/fact-map.js';
import { render } from '../i18n.js';
import type {
  Check,
  CheckResult,
  DomainOptions,
  HosterExpectations,
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
  /** The hoster's expectations from the config; none by default. */
  expectations?: HosterExpectations;
}

/** One domain's results. */
export interface DomainResult {
  domain: string;
  member: string | null;
  checks: CheckResult[];
}

type FailedFact = Extract<Fact<unknown>, { ok: false }>;

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
  const checks = applicableChecks(context.checks, context.expectations);
  const needed = [...new Set(checks.flatMap((check) => check.requires))];
  const gatherContext: GatherContext = {
    domain,
    options,
    resolver: context.resolver,
    once: context.once,
    signal: context.signal,
    ...(context.expectations === undefined ? {} : { expectations: context.expectations }),
  };
  const settled = await Promise.all(
    needed.map(async (name): Promise<[FactName, Fact<unknown>]> => {
      try {
        const gather = context.gatherers[name] as Gatherer;
        return [name, { ok: true, value: await gather(gatherContext) }];
      } catch (error) {
        if (error instanceof DnsLookupError) return [name, { ok: false, error: error.failure, detail: error.message }];
        throw error;
      }
    }),
  );
  const facts = new Map(settled);
  return { domain, member, checks: checks.map((check) => runOneCheck(check, facts, domain, options, context)) };
}

function runOneCheck(
  check: Check,
  facts: Map<FactName, Fact<unknown>>,
  domain: string,
  options: DomainOptions,
  context: RunContext,
): CheckResult {
  const failed = check.requires
    .map((name) => facts.get(name))
    .filter((fact): fact is FailedFact => fact !== undefined && !fact.ok);
  if (failed.length > 0) {
    const unknown: UnknownDraft[] = failed.map((fact) => ({ reason: `${fact.error}: ${fact.detail}` }));
    return { check: check.id, status: 'unknown', findings: [], unknown };
  }
  const values = Object.fromEntries(
    check.requires.map((name) => {
      const fact = facts.get(name);
      return [name, fact?.ok ? fact.value : undefined];
    }),
  ) as Pick<FactMap, FactName>;
  const output = check.run(values, {
    domain,
    options,
    now: context.now,
    ...(context.expectations === undefined ? {} : { expectations: context.expectations }),
  });
  const findings = output.findings.map((draft): Finding => {
    const meta = check.findings[draft.id];
    if (meta === undefined) throw new Error(`Check "${check.id}" reported undeclared finding "${draft.id}"`);
    return {
      id: draft.id,
      check: check.id,
      severity: meta.severity,
      domain,
      subject: draft.subject ?? '',
      evidence: draft.evidence ?? {},
      message: render(meta.title, context.render.lang, draft.values ?? {}),
      docs: context.render.docs(draft.id, check),
      ...(draft.suggestedRecord === undefined ? {} : { suggestedRecord: draft.suggestedRecord }),
    };
  });
  const unknown = output.unknown ?? [];
  // Advice (`info`) never fails a check: only errors and warnings do.
  const isFailing = findings.some((finding) => finding.severity !== 'info');
  const status = isFailing ? 'fail' : unknown.length > 0 ? 'unknown' : 'pass';
  return { check: check.id, status, findings, unknown };
}
