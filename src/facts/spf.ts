import { isIP } from 'node:net';
import type { RunMemo } from '../checks/run-memo.js';
import type { GatherContext } from '../checks/types.js';
import { normalizeName } from '../dns/memory-resolver.js';
import { lookup, txtTexts, type DnsResolver } from '../dns/types.js';
import { fillText, type Text } from '../i18n.js';
import {
  hasMacro,
  isSpfRecord,
  parseSpfRecord,
  SpfSyntaxError,
  type SpfMechanism,
  type SpfQualifier,
  type SpfRecord,
} from '../parse/parse-spf-record.js';
import { domainHasNullMx, expandIpv6 } from './mx.js';
import type { SyntaxFault } from '../parse/record-syntax-error.js';

/** RFC 7208 4.6.4: at most 10 mechanisms and modifiers that query DNS per evaluation. */
export const MAX_SPF_LOOKUPS = 10;
/** RFC 7208 4.6.4: at most 2 lookups that return no answer (NXDOMAIN or NODATA). */
export const MAX_SPF_VOID_LOOKUPS = 2;
/** RFC 7208 4.6.4: at most 10 MX names looked up per `mx` mechanism. */
const MAX_SPF_MX_NAMES = 10;
/**
 * Bound on the DNS-querying terms the static walk follows: ten times the RFC limit shows how far over a record is,
 * while a hostile tree (an include listed twice at every level) cannot make the walk exponential.
 */
const MAX_WALKED_TERMS = 10 * MAX_SPF_LOOKUPS;

/** Why a node of the tree has no usable record. */
export type SpfNodeStatus = 'ok' | 'not_found' | 'multiple_records' | 'syntax_error' | 'loop' | 'macro' | 'not_walked';

/** A lookup that returned no answer, by the term that made it. */
export interface SpfVoidLookup {
  name: string;
  mechanism: 'a' | 'mx' | 'include' | 'redirect';
  /** The domain whose record holds the term. */
  from: string;
}

/** One record of the include/redirect tree. */
export interface SpfNode {
  domain: string;
  via: 'root' | 'include' | 'redirect';
  status: SpfNodeStatus;
  /** The SPF records found at the domain, each TXT's strings joined (RFC 7208 3.3). */
  records: string[];
  /** The CNAME chain the TXT lookup of the domain followed: its records, and any record to add, live at its end. */
  cnames: string[];
  record: SpfRecord | null;
  syntaxError: { message: string; position: number; fault: SyntaxFault } | null;
  /** DNS-querying terms of this record alone (RFC 7208 4.6.4). */
  lookups: number;
  /** DNS-querying terms of this record and everything it includes or redirects to. */
  totalLookups: number;
  voidLookups: SpfVoidLookup[];
  children: SpfNode[];
}

/** The `all` that decides what happens to mail no mechanism matched: the domain's own, one reached by redirect, or the implicit `?all`. */
export interface SpfAll {
  qualifier: SpfQualifier;
  domain: string;
  isImplicit: boolean;
}

/** SPF result of one sending IP (RFC 7208 2.6), or `undecidable` when it depends on the message (macros, ptr, exists). */
export type SpfIpResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'undecidable';

/** The static audit of a domain's SPF tree and the verdict for each configured sending IP. */
export interface SpfFact {
  domain: string;
  root: SpfNode;
  /** RFC 7208 4.6.4 count over the whole tree. */
  lookupCount: number;
  voidLookups: SpfVoidLookup[];
  /** True when MAX_WALKED_TERMS stopped the walk before the end of the tree. */
  isTruncated: boolean;
  all: SpfAll | null;
  sendingIps: { ip: string; result: SpfIpResult; reason: Text }[];
  /**
   * Whether the domain publishes a null MX (RFC 7505: it accepts no mail), asked only when it has no SPF record, so
   * that the suggested record can fit a domain that sends nothing; null when not asked or when the lookup failed.
   */
  hasNullMx: boolean | null;
}

/** Every node of the tree, depth first. */
export function spfNodes(root: SpfNode): SpfNode[] {
  return [root, ...root.children.flatMap(spfNodes)];
}

/** Each domain of the tree once, loops left out: a provider included from two branches is one record to fix. */
export function distinctSpfNodes(root: SpfNode): SpfNode[] {
  const seen = new Set<string>();
  return spfNodes(root).filter((node) => {
    if (node.status === 'loop' || seen.has(node.domain)) return false;
    seen.add(node.domain);
    return true;
  });
}

/** What one name's TXT lookup says about SPF: its SPF records, whether the lookup was void, the parsed record. */
interface SpfRead {
  records: string[];
  /** The CNAME chain the lookup followed. */
  cnames: string[];
  /** RFC 7208 4.6.4: NXDOMAIN or no TXT record at all. */
  isVoid: boolean;
  /** The record parsed, or why it does not parse; null unless there is exactly one SPF record. */
  parsed: SpfRecord | SpfSyntaxError | null;
}

/** Parses an SPF record, returning its syntax error rather than throwing it. */
type SpfParse = (text: string, name: string) => SpfRecord | SpfSyntaxError | Promise<SpfRecord | SpfSyntaxError>;

/** Reads the SPF record of a name, once per name for the tree walk and every sending IP's evaluation. */
type SpfReader = (name: string) => Promise<SpfRead>;

function parseOrError(text: string, name: string): SpfRecord | SpfSyntaxError {
  try {
    return parseSpfRecord(text, name);
  } catch (error) {
    if (error instanceof SpfSyntaxError) return error;
    throw error;
  }
}

function createSpfReader(resolver: DnsResolver, parse: SpfParse): SpfReader {
  const reads = new Map<string, Promise<SpfRead>>();
  const read = async (name: string): Promise<SpfRead> => {
    const answer = await lookup(resolver, name, 'TXT');
    const texts = txtTexts(answer);
    const records = texts.filter(isSpfRecord);
    const isVoid = answer.rcode === 'NXDOMAIN' || texts.length === 0;
    return {
      records,
      cnames: answer.cnames,
      isVoid,
      parsed: records.length === 1 ? await parse(records[0] ?? '', name) : null,
    };
  };
  return (name) => {
    let known = reads.get(name);
    if (known === undefined) {
      known = read(name);
      reads.set(name, known);
    }
    return known;
  };
}

async function hasAnswer(
  resolver: DnsResolver,
  name: string,
  types: readonly ('A' | 'AAAA' | 'MX')[],
): Promise<boolean> {
  const answers = await Promise.all(types.map((type) => lookup(resolver, name, type)));
  return answers.some((answer) => answer.records.length > 0);
}

function isLookupTerm(mechanism: SpfMechanism): boolean {
  return ['include', 'a', 'mx', 'ptr', 'exists'].includes(mechanism.kind);
}

/** RFC 7208 6.1: redirect is ignored when the record has an `all` mechanism. */
function effectiveRedirect(record: SpfRecord): string | null {
  return record.mechanisms.some((m) => m.kind === 'all') ? null : record.redirect;
}

interface WalkState {
  resolver: DnsResolver;
  read: SpfReader;
  /** The run's memo: a provider's include is walked once per run, not once per member. */
  once: RunMemo | null;
  walkedTerms: number;
  isTruncated: boolean;
}

/** An include or redirect target walked once for the run, and what reusing it under another domain depends on. */
interface SharedWalk {
  node: SpfNode;
  /** Terms the subtree's own walk counted towards MAX_WALKED_TERMS. */
  walkedTerms: number;
  /** Every domain of the subtree: under a path naming one of them, the walk would have to stop at a loop. */
  domains: ReadonlySet<string>;
  /** The subtree has its record and was walked to the end; a missing record's void lookup names the includer. */
  isReusable: boolean;
}

/**
 * Walks an include or redirect target, reusing the run's walk of the same target when that gives exactly the subtree
 * a walk from here would: no domain of it on the current path, and the whole subtree within the term budget left.
 */
async function walkTarget(
  state: WalkState,
  name: string,
  via: 'include' | 'redirect',
  path: readonly string[],
): Promise<SpfNode> {
  if (state.once === null) return walk(state, name, via, path);
  const once = state.once;
  const shared = await once(`spf-walk ${via} ${name}`, async (): Promise<SharedWalk> => {
    // Walked without the memo: a shared walk awaiting another one could wait on itself through an include loop.
    const fresh: WalkState = { ...state, once: null, walkedTerms: 0, isTruncated: false };
    const node = await walk(fresh, name, via, []);
    return {
      node,
      walkedTerms: fresh.walkedTerms,
      domains: new Set(spfNodes(node).map((inner) => inner.domain)),
      isReusable: node.status === 'ok' && !fresh.isTruncated,
    };
  });
  if (
    shared.isReusable &&
    state.walkedTerms + shared.walkedTerms <= MAX_WALKED_TERMS &&
    !path.some((domain) => shared.domains.has(domain))
  ) {
    state.walkedTerms += shared.walkedTerms;
    return shared.node;
  }
  return walk(state, name, via, path);
}

function emptyNode(domain: string, via: SpfNode['via'], status: SpfNodeStatus): SpfNode {
  return {
    domain,
    via,
    status,
    records: [],
    cnames: [],
    record: null,
    syntaxError: null,
    lookups: 0,
    totalLookups: 0,
    voidLookups: [],
    children: [],
  };
}

async function walk(state: WalkState, domain: string, via: SpfNode['via'], path: readonly string[]): Promise<SpfNode> {
  const { records, cnames, isVoid, parsed } = await state.read(domain);
  const node = emptyNode(domain, via, 'ok');
  node.records = records;
  node.cnames = cnames;
  if (via !== 'root' && isVoid) node.voidLookups.push({ name: domain, mechanism: via, from: path.at(-1) ?? domain });
  // RFC 7208 4.5: no record is "none" (a permerror when included, 5.2); several records are a permerror.
  if (records.length === 0) node.status = 'not_found';
  else if (records.length > 1) node.status = 'multiple_records';
  if (node.status !== 'ok' || parsed === null) return node;
  if (parsed instanceof SpfSyntaxError) {
    node.status = 'syntax_error';
    node.syntaxError = { message: parsed.message, position: parsed.position, fault: parsed.fault };
    return node;
  }
  node.record = parsed;
  const record = node.record;
  const redirect = effectiveRedirect(record);
  node.lookups = record.mechanisms.filter(isLookupTerm).length + (redirect === null ? 0 : 1);
  const innerPath = [...path, domain];
  const targets: { name: string; via: 'include' | 'redirect' }[] = [];
  for (const mechanism of record.mechanisms) {
    if (mechanism.kind === 'include') targets.push({ name: mechanism.domain, via: 'include' });
    // exists terms are tests meant to miss (and mostly carry macros): only a and mx void lookups are counted statically.
    if ((mechanism.kind === 'a' || mechanism.kind === 'mx') && !hasMacro(mechanism.domain ?? '')) {
      const name = normalizeName(mechanism.domain ?? domain);
      const types = mechanism.kind === 'a' ? (['A', 'AAAA'] as const) : (['MX'] as const);
      if (!(await hasAnswer(state.resolver, name, types)))
        node.voidLookups.push({ name, mechanism: mechanism.kind, from: domain });
    }
  }
  if (redirect !== null) targets.push({ name: redirect, via: 'redirect' });
  for (const target of targets) {
    const name = normalizeName(target.name);
    state.walkedTerms++;
    let child: SpfNode;
    if (hasMacro(name)) child = emptyNode(name, target.via, 'macro');
    else if (innerPath.includes(name)) child = emptyNode(name, target.via, 'loop');
    else if (state.walkedTerms > MAX_WALKED_TERMS) {
      state.isTruncated = true;
      child = emptyNode(name, target.via, 'not_walked');
    } else child = await walkTarget(state, name, target.via, innerPath);
    node.children.push(child);
  }
  node.totalLookups = node.lookups + node.children.reduce((sum, child) => sum + child.totalLookups, 0);
  return node;
}

function findAll(node: SpfNode): SpfAll | null {
  if (node.status !== 'ok' || node.record === null) return null;
  const all = node.record.mechanisms.find((m) => m.kind === 'all');
  if (all) return { qualifier: all.qualifier, domain: node.domain, isImplicit: false };
  const redirect = node.children.find((child) => child.via === 'redirect');
  if (redirect) return findAll(redirect);
  // RFC 7208 4.7: when nothing matches and there is no redirect, the result is neutral.
  return { qualifier: '?', domain: node.domain, isImplicit: true };
}

const QUALIFIER_RESULT: Record<SpfQualifier, SpfIpResult> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

/** A sending IP's SPF result, and why, in every language: an undecided part's reason, a preflight finding's words. */
interface Verdict {
  result: SpfIpResult;
  reason: Text;
}

/** Why a verdict is what it is; records, terms and names stay verbatim. */
const VERDICT_TEXTS = {
  tooManyLookups: { en: 'more than {max} DNS lookups', fr: 'plus de {max} requêtes DNS' },
  ptr: {
    en: '"ptr" in the record of "{domain}" depends on reverse DNS at delivery',
    fr: '« ptr » dans l’enregistrement de « {domain} » dépend du DNS inverse au moment de la livraison',
  },
  macro: {
    en: '"{term}" uses a macro that depends on the message',
    fr: '« {term} » utilise une macro qui dépend du message',
  },
  tooManyMx: { en: '"{name}" has more than {max} MX names', fr: '« {name} » a plus de {max} noms MX' },
  noRecord: { en: '"{domain}" has no SPF record', fr: '« {domain} » n’a pas d’enregistrement SPF' },
  manyRecords: { en: '"{domain}" has {count} SPF records', fr: '« {domain} » a {count} enregistrements SPF' },
  matched: {
    en: 'matched "{term}" in the record of "{domain}"',
    fr: 'correspond à « {term} » dans l’enregistrement de « {domain} »',
  },
  noMatch: { en: 'no mechanism of "{domain}" matched', fr: 'aucun mécanisme de « {domain} » ne correspond' },
  redirectMacro: { en: '"redirect={redirect}" uses a macro', fr: '« redirect={redirect} » utilise une macro' },
  notIp: { en: '"{ip}" is not an IP address', fr: '« {ip} » n’est pas une adresse IP' },
} satisfies Record<string, Text>;

interface EvalState {
  resolver: DnsResolver;
  read: SpfReader;
  /** The run's memo: a provider's include gives the same verdict for a sending IP whichever member includes it. */
  once: RunMemo | null;
  ip: string;
  family: 'ipv4' | 'ipv6';
  /** The sending IP as an integer, computed once for every prefix comparison of the evaluation. */
  value: bigint;
  lookups: number;
}

/** An address as an integer: prefix tests are then two shifts, without a node BlockList built per mechanism. */
function addressValue(address: string, family: 'ipv4' | 'ipv6'): bigint {
  if (family === 'ipv6') return BigInt(`0x${expandIpv6(address)}`);
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function inNetwork(state: EvalState, network: string, prefix: number): boolean {
  const width = state.family === 'ipv4' ? 32 : 128;
  const shift = BigInt(width - Math.min(prefix, width));
  return addressValue(network, state.family) >> shift === state.value >> shift;
}

async function addressesMatch(
  state: EvalState,
  name: string,
  cidr4: number | null,
  cidr6: number | null,
): Promise<boolean> {
  const answer = await lookup(state.resolver, name, state.family === 'ipv4' ? 'A' : 'AAAA');
  const prefix = state.family === 'ipv4' ? (cidr4 ?? 32) : (cidr6 ?? 128);
  return answer.records.some(
    (record) => (record.type === 'A' || record.type === 'AAAA') && inNetwork(state, record.address, prefix),
  );
}

/** Outcome of one mechanism: it matched, it did not, or it ended the evaluation. */
type MechanismOutcome = { match: boolean } | Verdict;

async function evaluateMechanism(state: EvalState, mechanism: SpfMechanism, domain: string): Promise<MechanismOutcome> {
  if (isLookupTerm(mechanism) && ++state.lookups > MAX_SPF_LOOKUPS)
    return { result: 'permerror', reason: fillText(VERDICT_TEXTS.tooManyLookups, { max: MAX_SPF_LOOKUPS }) };
  switch (mechanism.kind) {
    case 'all':
      return { match: true };
    case 'ip4':
    case 'ip6': {
      const family = mechanism.kind === 'ip4' ? 'ipv4' : 'ipv6';
      if (family !== state.family) return { match: false };
      return { match: inNetwork(state, mechanism.address, mechanism.prefix ?? (family === 'ipv4' ? 32 : 128)) };
    }
    case 'ptr':
      return { result: 'undecidable', reason: fillText(VERDICT_TEXTS.ptr, { domain }) };
    case 'exists':
    case 'include':
    case 'a':
    case 'mx': {
      // RFC 7208 5.3, 5.4: a and mx without a domain-spec use the current domain.
      const spec = mechanism.domain ?? domain;
      if (hasMacro(spec))
        return {
          result: 'undecidable',
          reason: fillText(VERDICT_TEXTS.macro, { term: `${mechanism.kind}:${spec}` }),
        };
      const name = normalizeName(spec);
      if (mechanism.kind === 'exists') return { match: (await lookup(state.resolver, name, 'A')).records.length > 0 };
      if (mechanism.kind === 'a') return { match: await addressesMatch(state, name, mechanism.cidr4, mechanism.cidr6) };
      if (mechanism.kind === 'mx') {
        const exchanges = (await lookup(state.resolver, name, 'MX')).records.flatMap((r) =>
          r.type === 'MX' ? [r.exchange] : [],
        );
        if (exchanges.length > MAX_SPF_MX_NAMES)
          return { result: 'permerror', reason: fillText(VERDICT_TEXTS.tooManyMx, { name, max: MAX_SPF_MX_NAMES }) };
        for (const exchange of exchanges)
          if (await addressesMatch(state, exchange, mechanism.cidr4, mechanism.cidr6)) return { match: true };
        return { match: false };
      }
      const inner = await evaluateTarget(state, name);
      // RFC 7208 5.2: how an include's result maps to a match.
      if (inner.result === 'pass') return { match: true };
      if (inner.result === 'fail' || inner.result === 'softfail' || inner.result === 'neutral') return { match: false };
      if (inner.result === 'none')
        return { result: 'permerror', reason: fillText(VERDICT_TEXTS.noRecord, { domain: name }) };
      return inner;
    }
  }
}

/** RFC 7208 4 check_host(), limited to what DNS alone decides. */
async function evaluate(state: EvalState, domain: string): Promise<Verdict> {
  const { records, parsed: record } = await state.read(domain);
  if (records.length === 0) return { result: 'none', reason: fillText(VERDICT_TEXTS.noRecord, { domain }) };
  if (record === null)
    return { result: 'permerror', reason: fillText(VERDICT_TEXTS.manyRecords, { domain, count: records.length }) };
  if (record instanceof SpfSyntaxError) return { result: 'permerror', reason: record.text };
  for (const mechanism of record.mechanisms) {
    const outcome = await evaluateMechanism(state, mechanism, domain);
    if (!('match' in outcome)) return outcome;
    if (outcome.match)
      return {
        result: QUALIFIER_RESULT[mechanism.qualifier],
        reason: fillText(VERDICT_TEXTS.matched, { term: `${mechanism.qualifier}${mechanism.kind}`, domain }),
      };
  }
  const redirect = effectiveRedirect(record);
  if (redirect === null) return { result: 'neutral', reason: fillText(VERDICT_TEXTS.noMatch, { domain }) };
  if (hasMacro(redirect)) return { result: 'undecidable', reason: fillText(VERDICT_TEXTS.redirectMacro, { redirect }) };
  if (++state.lookups > MAX_SPF_LOOKUPS)
    return { result: 'permerror', reason: fillText(VERDICT_TEXTS.tooManyLookups, { max: MAX_SPF_LOOKUPS }) };
  const target = await evaluateTarget(state, normalizeName(redirect));
  // RFC 7208 6.1: a redirect to a domain without SPF record is a permerror.
  return target.result === 'none' ? { result: 'permerror', reason: target.reason } : target;
}

/**
 * Evaluates an include or redirect target, reusing the run's evaluation of it for the same IP when the lookups it
 * took fit in what is left of the limit: the count only grows, so from here it would end the same way, with the
 * same count (RFC 7208 4.6.4).
 */
async function evaluateTarget(state: EvalState, name: string): Promise<Verdict> {
  if (state.once === null) return evaluate(state, name);
  const shared = await state.once(`spf-eval ${name} ${state.ip}`, async () => {
    // Evaluated without the memo, as a shared walk is: an include loop must not wait on itself.
    const fresh: EvalState = { ...state, once: null, lookups: 0 };
    const verdict = await evaluate(fresh, name);
    return { verdict, lookups: fresh.lookups };
  });
  if (state.lookups + shared.lookups > MAX_SPF_LOOKUPS) return evaluate(state, name);
  state.lookups += shared.lookups;
  return shared.verdict;
}

/** Evaluates one sending IP against a domain's SPF, as a receiver would for mail from that domain. */
export function evaluateSpfIp(resolver: DnsResolver, domain: string, ip: string): Promise<Verdict> {
  return evaluateWith(resolver, createSpfReader(resolver, parseOrError), null, domain, ip);
}

async function evaluateWith(
  resolver: DnsResolver,
  read: SpfReader,
  once: RunMemo | null,
  domain: string,
  ip: string,
): Promise<Verdict> {
  const version = isIP(ip);
  if (version === 0) return { result: 'undecidable', reason: fillText(VERDICT_TEXTS.notIp, { ip }) };
  const family = version === 4 ? 'ipv4' : 'ipv6';
  return evaluate(
    { resolver, read, once, ip, family, value: addressValue(ip, family), lookups: 0 },
    normalizeName(domain),
  );
}

/** Gathers the `spf` fact: walks the include/redirect tree once and evaluates each configured sending IP. */
export async function gatherSpf(context: GatherContext): Promise<SpfFact> {
  const domain = normalizeName(context.domain);
  // A provider's record is included by hundreds of members: parse each text once per run.
  const parse: SpfParse = (text, name) =>
    name === domain
      ? parseOrError(text, name)
      : context.once(`spf-record ${name} ${text}`, () => Promise.resolve(parseOrError(text, name)));
  const read = createSpfReader(context.resolver, parse);
  const state: WalkState = {
    resolver: context.resolver,
    read,
    once: context.once,
    walkedTerms: 0,
    isTruncated: false,
  };
  const root = await walk(state, domain, 'root', []);
  const hasNullMx = root.status === 'not_found' ? await domainHasNullMx(context) : null;
  const sendingIps = await Promise.all(
    context.options.sendingIps.map(async (ip) => ({
      ip,
      ...(await evaluateWith(context.resolver, read, context.once, domain, ip)),
    })),
  );
  return {
    domain,
    root,
    lookupCount: root.totalLookups,
    voidLookups: spfNodes(root).flatMap((node) => node.voidLookups),
    isTruncated: state.isTruncated,
    all: findAll(root),
    sendingIps,
    hasNullMx,
  };
}

declare module './fact-map.js' {
  interface FactMap {
    spf: SpfFact;
  }
}
