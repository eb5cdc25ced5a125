/**
 * Size and speed of the run history at a year of nightly runs: builds a database of R runs × D domains through the
 * real store API (a few findings per domain, nightly churn, the odd DNS failure), then times `changes` between the
 * last two runs, the load of the latest run, `report --all` (every member's HTML report and the summary, written to
 * a temporary directory), and prints the database size.
 * Run: npm run build && node dist/bench/history.js [--runs 365] [--domains 5000] [--db FILE] [--keep]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DomainResult } from '../src/checks/run-checks.js';
import type { CheckResult, Finding, Severity } from '../src/checks/types.js';
import { computeChanges, renderChangesText } from '../src/cli/commands/changes.js';
import { writeReports } from '../src/cli/commands/report.js';
import { openDatabase } from '../src/store/database.js';
import {
  beginRun,
  currentOwner,
  finishRun,
  latestCompleteRuns,
  loadRunFindings,
  recordDomainResults,
} from '../src/store/history.js';
import { seededRandom } from '../test/helpers/seeded-random.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '365' },
    domains: { type: 'string', default: '5000' },
    db: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const DOMAINS = Number(values.domains);
/** Domains recorded per transaction, as `check --db` would flush them while the run goes on. */
const BATCH = 500;
/** Share of domains whose findings change on a given night (a member edits a record, a key is rotated). */
const CHURN = 0.01;
/** Share of domains where one check is unknown on a given night (a DNS timeout). */
const DNS_FAILURES = 0.005;

const CHECKS = [
  'spf-record',
  'spf-includes',
  'spf-lookups',
  'spf-all',
  'spf-ptr',
  'spf-sending-ip',
  'dmarc-record',
  'dmarc-policy',
  'dmarc-reports',
  'dkim-key',
  'mx-records',
  'blocklist-listing',
  'mta-sts',
  'tls-rpt',
  'dane',
];

interface Template {
  id: string;
  check: string;
  severity: Severity;
  subject: (domain: string, n: number) => string;
  evidence: (n: number) => Record<string, unknown>;
}

/** Findings common on a hoster's member domains, with subjects and evidence shaped as the real checks report them. */
const TEMPLATES: Template[] = [
  {
    id: 'spf.all_softfail',
    check: 'spf-all',
    severity: 'warning',
    subject: () => '',
    evidence: () => ({ all: '~all' }),
  },
  {
    id: 'spf.too_many_lookups',
    check: 'spf-lookups',
    severity: 'error',
    subject: () => '',
    evidence: (n) => ({
      count: 11 + (n % 5),
      branches: { 'include:_spf.google.com': 4, 'include:spf.protection.outlook.com': 3 },
    }),
  },
  {
    id: 'dmarc.policy_none',
    check: 'dmarc-policy',
    severity: 'warning',
    subject: () => '',
    evidence: () => ({ policy: 'none' }),
  },
  { id: 'dmarc.no_rua', check: 'dmarc-reports', severity: 'info', subject: () => '', evidence: () => ({}) },
  {
    id: 'dkim.key_weak',
    check: 'dkim-key',
    severity: 'warning',
    subject: (_d, n) => `sel${n % 3}`,
    evidence: () => ({ bits: 1024, algorithm: 'rsa' }),
  },
  {
    id: 'mx.no_ptr',
    check: 'mx-records',
    severity: 'warning',
    subject: (d, n) => `mx${n % 2}.${d}`,
    evidence: (n) => ({ address: `192.0.2.${n % 250}` }),
  },
  {
    id: 'mx.fcrdns_mismatch',
    check: 'mx-records',
    severity: 'warning',
    subject: (_d, n) => `198.51.100.${n % 250}`,
    evidence: (n) => ({ ptr: `host-${n}.isp.example`, expected: 'mail.example' }),
  },
  {
    id: 'dnsbl.listed',
    check: 'blocklist-listing',
    severity: 'error',
    subject: (_d, n) => `203.0.113.${n % 250}@zen.spamhaus.org`,
    evidence: () => ({ returnCode: '127.0.0.2' }),
  },
  { id: 'mta_sts.missing', check: 'mta-sts', severity: 'info', subject: () => '', evidence: () => ({}) },
];

function makeFinding(template: Template, domain: string, n: number, severity: Severity = template.severity): Finding {
  const subject = template.subject(domain, n);
  return {
    id: template.id,
    check: template.check,
    severity,
    domain,
    subject,
    evidence: template.evidence(n),
    message: `${template.id.replace('.', ': ').replace(/_/g, ' ')} on ${domain}${subject === '' ? '' : ` (${subject})`}`,
    docs: `https://wiki.hoster.example/facteur/${template.id}`,
  };
}

/** The state of one domain from night to night: its findings, keyed as the diff keys them. */
type DomainState = Map<string, Finding>;

/** An element picked at random (arrays here are never empty when picked from). */
function pick<T>(items: readonly T[], next: () => number): T {
  const item = items[Math.floor(next() * items.length)];
  if (item === undefined) throw new Error('Cannot pick from an empty list');
  return item;
}

function pickTemplate(next: () => number): Template {
  return pick(TEMPLATES, next);
}

function initialState(domain: string, next: () => number): DomainState {
  const state: DomainState = new Map();
  const count = Math.floor(next() * 6); // 0 to 5 findings, 2.5 on average
  for (let i = 0; i < count; i++) {
    const finding = makeFinding(pickTemplate(next), domain, Math.floor(next() * 1000));
    state.set(`${finding.id} ${finding.subject}`, finding);
  }
  return state;
}

/** One night of churn on a domain: a fix, a new problem, or a severity change. */
function churn(state: DomainState, domain: string, next: () => number): void {
  const roll = next();
  const keys = [...state.keys()];
  if (roll < 0.4 && keys.length > 0) {
    state.delete(pick(keys, next));
  } else if (roll < 0.8) {
    const finding = makeFinding(pickTemplate(next), domain, Math.floor(next() * 1000));
    state.set(`${finding.id} ${finding.subject}`, finding);
  } else if (keys.length > 0) {
    const key = pick(keys, next);
    const finding = state.get(key);
    if (finding !== undefined) {
      state.set(key, { ...finding, severity: finding.severity === 'error' ? 'warning' : 'error' });
    }
  }
}

function toResult(domain: string, member: string, state: DomainState, unknownCheck: string | null): DomainResult {
  const checks: CheckResult[] = CHECKS.map((check) => {
    if (check === unknownCheck) {
      return { check, status: 'unknown', findings: [], unknown: [{ reason: 'timeout: no answer after 3 tries' }] };
    }
    const findings = [...state.values()].filter((finding) => finding.check === check);
    const isFailing = findings.some((finding) => finding.severity !== 'info');
    return { check, status: isFailing ? 'fail' : 'pass', findings, unknown: [] };
  });
  return { domain, member, checks };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const dir = values.db === undefined ? mkdtempSync(join(tmpdir(), 'facteur-bench-history-')) : null;
const path = values.db ?? join(dir ?? '.', 'history.sqlite');
const next = seededRandom(20261123);
const domains = Array.from({ length: DOMAINS }, (_, i) => {
  const name = `member${i}.example.org`;
  return { name, member: `Member ${Math.floor(i / 3)}`, state: initialState(name, next) };
});

const db = openDatabase(path);
const firstNight = Date.UTC(2025, 10, 23, 2, 0, 0);
let findingRows = 0;
const buildStart = process.hrtime.bigint();
let lastNightSeconds = 0;
for (let night = 0; night < RUNS; night++) {
  const nightStart = process.hrtime.bigint();
  const startedAt = new Date(firstNight + night * 86_400_000);
  const runId = beginRun(db, { bench: true, night }, currentOwner(), startedAt);
  if (night > 0) {
    for (const domain of domains) if (next() < CHURN) churn(domain.state, domain.name, next);
  }
  for (let offset = 0; offset < DOMAINS; offset += BATCH) {
    const batch = domains.slice(offset, offset + BATCH).map((domain) => {
      const unknownCheck = next() < DNS_FAILURES ? pick(CHECKS, next) : null;
      const state = domain.state;
      findingRows +=
        unknownCheck === null ? state.size : [...state.values()].filter((f) => f.check !== unknownCheck).length;
      return toResult(domain.name, domain.member, state, unknownCheck);
    });
    recordDomainResults(db, runId, batch, new Date(startedAt.getTime() + 60_000));
  }
  finishRun(db, runId, { incomplete: false }, new Date(startedAt.getTime() + 600_000));
  lastNightSeconds = seconds(nightStart);
  if (process.stderr.isTTY) process.stderr.write(`\rnight ${night + 1}/${RUNS}`);
}
if (process.stderr.isTTY) process.stderr.write('\n');
const buildSeconds = seconds(buildStart);
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
const size = statSync(path).size;

const changesStart = process.hrtime.bigint();
const report = computeChanges({ db: path });
const text = renderChangesText(report, 'en');
const changesSeconds = seconds(changesStart);

const reader = openDatabase(path, { readonly: true });
const loadStart = process.hrtime.bigint();
const latest = latestCompleteRuns(reader, 1)[0];
const loaded = latest === undefined ? [] : loadRunFindings(reader, latest.id);
const loadSeconds = seconds(loadStart);
const historyStart = process.hrtime.bigint();
const history = latestCompleteRuns(reader, RUNS);
const historySeconds = seconds(historyStart);
reader.close();

const reportDir = mkdtempSync(join(tmpdir(), 'facteur-bench-report-'));
const reportStart = process.hrtime.bigint();
const written = writeReports({ db: path, scope: { all: true }, format: 'html', lang: 'en', out: reportDir });
const reportSeconds = seconds(reportStart);
const summaryFile = written.files.find((file) => file.member === null);
const summarySize = summaryFile === undefined ? 0 : statSync(summaryFile.path).size;
rmSync(reportDir, { recursive: true, force: true });

const loadedFindings = loaded.reduce((sum, d) => sum + d.checks.reduce((s, c) => s + c.findings.length, 0), 0);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
console.log(`runs × domains            ${RUNS} × ${DOMAINS}`);
console.log(`finding rows              ${findingRows}`);
console.log(
  `build (all nights)        ${buildSeconds.toFixed(1)} s (last night recorded in ${lastNightSeconds.toFixed(2)} s)`,
);
console.log(
  `database size             ${mb(size)} (${(size / Math.max(1, findingRows)).toFixed(0)} bytes per finding row)`,
);
console.log(
  `changes (last two runs)   ${changesSeconds.toFixed(3)} s: ${report.summary.new} new, ${report.summary.worsened} worse, ` +
    `${report.summary.improved} better, ${report.summary.resolved} fixed, ${report.summary.carried} carried, ` +
    `${text.split('\n').length} lines of text`,
);
console.log(
  `load latest run (report)  ${loadSeconds.toFixed(3)} s: ${loaded.length} domains, ${loadedFindings} findings`,
);
console.log(`severity counts, all runs ${historySeconds.toFixed(3)} s: ${history.length} runs (the report's plot)`);
console.log(
  `report --all (html)       ${reportSeconds.toFixed(3)} s: ${written.files.length} files, summary ${mb(summarySize)}`,
);
if (dir !== null && !values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`database kept at          ${path}`);
