import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { DomainResult } from '../checks/run-checks.js';
import type { CheckResult, Finding, Severity, UnknownDraft } from '../checks/types.js';
import { InputError } from '../errors.js';
import { isProcessAlive } from '../is-process-alive.js';
import type { Db } from './database.js';

/** Where a run is recorded as being made, so a second writer can tell a live run from a dead one. */
export interface RunOwner {
  pid: number;
  hostname: string;
}

/** A recorded run of `facteur check`. */
export interface RunInfo {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'complete' | 'incomplete';
  options: unknown;
  owner: RunOwner;
  findings: Record<Severity, number>;
}

/**
 * A run on another host cannot be probed by pid: it is presumed dead when it has not recorded anything for this long.
 * A nightly run records a batch of domains every few seconds, so half an hour of silence means it is gone.
 */
const STALE_REMOTE_RUN_MS = 30 * 60_000;

/** The process and host writing now. */
export function currentOwner(): RunOwner {
  return { pid: process.pid, hostname: hostname() };
}

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunInfo['status'];
  options: string;
  pid: number;
  hostname: string;
  heartbeat_at: string;
  errors: number;
  warnings: number;
  infos: number;
}

const RUN_COLUMNS =
  'id, started_at, finished_at, status, options, pid, hostname, heartbeat_at, errors, warnings, infos';

/**
 * Tells whether the process writing a run is still there: by pid on this host (and a start before the run's, so that a
 * process given the pid after a reboot is not taken for it), by its heartbeat on another.
 */
function isRunOwnerAlive(row: RunRow, owner: RunOwner, now: Date): boolean {
  return row.hostname === owner.hostname
    ? isProcessAlive(row.pid, Date.parse(row.started_at))
    : now.getTime() - Date.parse(row.heartbeat_at) < STALE_REMOTE_RUN_MS;
}

/**
 * A run as its readers see it. One still marked `running` whose process is gone (killed, Ctrl-C) reads as
 * `incomplete`, as the next run will mark it: a report must not call a dead run "still running".
 */
function toRunInfo(row: RunRow): RunInfo {
  const isDead = row.status === 'running' && !isRunOwnerAlive(row, currentOwner(), new Date());
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: isDead ? 'incomplete' : row.status,
    options: JSON.parse(row.options) as unknown,
    owner: { pid: row.pid, hostname: row.hostname },
    findings: { error: row.errors, warning: row.warnings, info: row.infos },
  };
}

/**
 * Records the intent of a run before any domain is checked; returns its id. A run still `running` whose process is
 * alive makes this refuse (ELOCKED); one whose process is gone is marked `incomplete`, so diffs ignore it.
 */
export function beginRun(db: Db, options: unknown, owner: RunOwner = currentOwner(), now: Date = new Date()): number {
  // IMMEDIATE: two writers starting together serialise here, and the second sees the first's row.
  return db
    .transaction(() => {
      const running = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'running'`).all() as RunRow[];
      for (const run of running) {
        if (isRunOwnerAlive(run, owner, now)) {
          throw new InputError(
            {
              en: `Cannot start a run: run ${run.id} started at "${run.started_at}" is still running (pid ${run.pid} on "${run.hostname}"); wait for it to finish`,
              fr: `Impossible de commencer un passage : le passage ${run.id} commencé le « ${run.started_at} » est toujours en cours (pid ${run.pid} sur « ${run.hostname} ») ; attendez qu’il se termine`,
            },
            { run: run.id },
            'ELOCKED',
          );
        }
        db.prepare(`UPDATE runs SET status = 'incomplete' WHERE id = ?`).run(run.id);
      }
      const stamp = now.toISOString();
      const result = db
        .prepare(
          `INSERT INTO runs (started_at, status, options, pid, hostname, heartbeat_at) VALUES (?, 'running', ?, ?, ?, ?)`,
        )
        .run(stamp, JSON.stringify(options ?? null), owner.pid, owner.hostname, stamp);
      return Number(result.lastInsertRowid);
    })
    .immediate();
}

/** Looks up the id of a name in one of the lookup tables, adding it when new; memoised for one batch. */
function interner(db: Db, table: 'domain_names' | 'member_names' | 'check_names' | 'finding_names') {
  const select = db.prepare(`SELECT id FROM ${table} WHERE name = ?`).pluck();
  const insert = db.prepare(`INSERT INTO ${table} (name) VALUES (?)`);
  const cache = new Map<string, number>();
  return (name: string): number => {
    let id = cache.get(name);
    if (id === undefined) {
      id = (select.get(name) as number | undefined) ?? Number(insert.run(name).lastInsertRowid);
      cache.set(name, id);
    }
    return id;
  };
}

/**
 * The status a check has when it decided everything: advice (`info`) never fails it (as the runner decides). Only
 * results that differ from it get a `check_results` row, which keeps a year of nightly runs 70 MB smaller.
 */
function statusFromFindings(findings: readonly Finding[]): CheckResult['status'] {
  return findings.some((finding) => finding.severity !== 'info') ? 'fail' : 'pass';
}

/** Refuses to write into a run that is not ours to write any more (finished, or taken over as dead). */
function assertRunning(db: Db, runId: number): void {
  const status = db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as string | undefined;
  if (status !== 'running') {
    const statusFr = status === 'complete' ? 'complet' : status === 'incomplete' ? 'incomplet' : status;
    throw new InputError(
      status === undefined
        ? {
            en: `Cannot record into run ${runId}: no such run`,
            fr: `Impossible d’enregistrer dans le passage ${runId} : ce passage n’existe pas`,
          }
        : {
            en: `Cannot record into run ${runId}: it is ${status}, not running (another facteur may have taken it over)`,
            fr: `Impossible d’enregistrer dans le passage ${runId} : il est ${statusFr}, et non en cours (un autre facteur l’a peut-être repris)`,
          },
      { run: runId },
      status === undefined ? 'EINPUT' : 'ELOCKED',
    );
  }
}

/**
 * Records the results of a batch of domains in one transaction (call it per batch while the run goes on).
 * Recording a domain again in the same run replaces its earlier results, so a resumed batch is safe.
 */
export function recordDomainResults(
  db: Db,
  runId: number,
  results: readonly DomainResult[],
  now: Date = new Date(),
): void {
  db.transaction(() => {
    assertRunning(db, runId);
    const domainId = interner(db, 'domain_names');
    const memberId = interner(db, 'member_names');
    const checkId = interner(db, 'check_names');
    const findingId = interner(db, 'finding_names');
    const deleteDomain = db.prepare('DELETE FROM run_domains WHERE run_id = ? AND domain_id = ?');
    const insertDomain = db.prepare('INSERT INTO run_domains (run_id, domain_id, member_id) VALUES (?, ?, ?)');
    const insertRunCheck = db.prepare('INSERT OR IGNORE INTO run_checks (run_id, check_id) VALUES (?, ?)');
    const insertResult = db.prepare(
      'INSERT INTO check_results (run_id, domain_id, check_id, status, unknown) VALUES (?, ?, ?, ?, ?)',
    );
    const selectDetail = db.prepare('SELECT id FROM finding_details WHERE hash = ?').pluck();
    const insertDetail = db.prepare(
      `INSERT INTO finding_details (hash, evidence, message, title_values, docs, suggested_record)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insertFinding = db.prepare(
      `INSERT INTO findings (run_id, domain_id, finding_id, subject, check_id, severity, detail_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const detailId = (finding: Finding): number => {
      const evidence = JSON.stringify(finding.evidence);
      const suggested = finding.suggestedRecord ?? null;
      const values = finding.values === undefined ? null : JSON.stringify(finding.values);
      const hash = createHash('sha256')
        .update(JSON.stringify([evidence, finding.message, finding.docs, suggested, values]))
        .digest()
        .subarray(0, 16);
      const existing = selectDetail.get(hash) as number | undefined;
      return (
        existing ??
        Number(insertDetail.run(hash, evidence, finding.message, values, finding.docs, suggested).lastInsertRowid)
      );
    };
    const seenChecks = new Set<number>();
    for (const result of results) {
      const domain = domainId(result.domain);
      deleteDomain.run(runId, domain);
      insertDomain.run(runId, domain, result.member === null ? null : memberId(result.member));
      for (const check of result.checks) {
        const checkKey = checkId(check.check);
        if (!seenChecks.has(checkKey)) {
          insertRunCheck.run(runId, checkKey);
          seenChecks.add(checkKey);
        }
        if (check.unknown.length > 0 || check.status !== statusFromFindings(check.findings)) {
          insertResult.run(runId, domain, checkKey, check.status, JSON.stringify(check.unknown));
        }
        for (const finding of check.findings) {
          insertFinding.run(
            runId,
            domain,
            findingId(finding.id),
            finding.subject,
            checkKey,
            finding.severity,
            detailId(finding),
          );
        }
      }
    }
    db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(now.toISOString(), runId);
  }).immediate();
}

/** A domain a run was given and never started, as recorded with the run's outcome. */
export interface UncheckedDomainRow {
  domain: string;
  member: string | null;
}

/**
 * Marks a run complete (every domain recorded) or incomplete (interrupted, or some domains could not be checked), with
 * the domains a stopped run never started, in their order, in the same transaction: a night cut short says which
 * domains it left out as soon as it says it was cut short.
 */
export function finishRun(
  db: Db,
  runId: number,
  outcome: { incomplete: boolean; uncheckedDomains?: readonly UncheckedDomainRow[] },
  now: Date = new Date(),
): void {
  db.transaction(() => {
    assertRunning(db, runId);
    const counts = db
      .prepare(
        `SELECT sum(severity = 'error') AS errors, sum(severity = 'warning') AS warnings, sum(severity = 'info') AS infos
         FROM findings WHERE run_id = ?`,
      )
      .get(runId) as { errors: number | null; warnings: number | null; infos: number | null };
    const unchecked = outcome.uncheckedDomains;
    if (unchecked !== undefined && unchecked.length > 0) {
      const domainId = interner(db, 'domain_names');
      const memberId = interner(db, 'member_names');
      const insert = db.prepare(
        'INSERT INTO run_unchecked_domains (run_id, position, domain_id, member_id) VALUES (?, ?, ?, ?)',
      );
      for (const [position, { domain, member }] of unchecked.entries())
        insert.run(runId, position, domainId(domain), member === null ? null : memberId(member));
    }
    db.prepare(
      `UPDATE runs SET status = ?, finished_at = ?, heartbeat_at = ?, errors = ?, warnings = ?, infos = ?,
       unchecked_domains = ? WHERE id = ?`,
    ).run(
      outcome.incomplete ? 'incomplete' : 'complete',
      now.toISOString(),
      now.toISOString(),
      counts.errors ?? 0,
      counts.warnings ?? 0,
      counts.infos ?? 0,
      unchecked?.length ?? null,
      runId,
    );
  }).immediate();
}

/**
 * The domains a run never started, in the order it was given them; null when that is not known: the run did not
 * finish (killed, or still running), or finished before facteur recorded them.
 */
export function runUncheckedDomains(db: Db, runId: number): UncheckedDomainRow[] | null {
  const count = db.prepare('SELECT unchecked_domains FROM runs WHERE id = ?').pluck().get(runId) as
    | number
    | null
    | undefined;
  if (count === null || count === undefined) return null;
  return db
    .prepare(
      `SELECT d.name AS domain, m.name AS member FROM run_unchecked_domains u
       JOIN domain_names d ON d.id = u.domain_id LEFT JOIN member_names m ON m.id = u.member_id
       WHERE u.run_id = ? ORDER BY u.position`,
    )
    .all(runId) as UncheckedDomainRow[];
}

/** The `n` latest complete runs, newest first. */
export function latestCompleteRuns(db: Db, n: number): RunInfo[] {
  const rows = db
    .prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'complete' ORDER BY started_at DESC, id DESC LIMIT ?`)
    .all(n) as RunRow[];
  return rows.map(toRunInfo);
}

/** One run by id, whatever its status; undefined when there is none. */
export function getRun(db: Db, runId: number): RunInfo | undefined {
  const row = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
  return row === undefined ? undefined : toRunInfo(row);
}

/** The latest run whatever its status (to tell that a newer run than the latest complete one was ignored). */
export function latestRun(db: Db): RunInfo | undefined {
  const row = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY started_at DESC, id DESC LIMIT 1`).get() as
    | RunRow
    | undefined;
  return row === undefined ? undefined : toRunInfo(row);
}

/** The latest complete run started before `date`: the state of things as of that date. */
export function latestCompleteRunBefore(db: Db, date: Date): RunInfo | undefined {
  const row = db
    .prepare(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'complete' AND started_at < ?
       ORDER BY started_at DESC, id DESC LIMIT 1`,
    )
    .get(date.toISOString()) as RunRow | undefined;
  return row === undefined ? undefined : toRunInfo(row);
}

interface FindingRow {
  domain: string;
  check: string;
  id: string;
  subject: string;
  severity: Severity;
  evidence: string;
  message: string;
  values: string | null;
  docs: string;
  suggested: string | null;
}

/**
 * Loads a run back as the check command reported it: every domain with every check's status, findings and unknown
 * parts, domains in name order; only one member's domains when `member` is given. Four queries whatever the number
 * of domains.
 */
export function loadRunFindings(db: Db, runId: number, filter: { member?: string } = {}): DomainResult[] {
  // One member: the domains are picked in run_domains and the other tables are read by their (run, domain) key.
  const ofMember =
    filter.member === undefined ? '' : 'AND rd.member_id = (SELECT id FROM member_names WHERE name = @member)';
  const params = { run: runId, ...(filter.member === undefined ? {} : { member: filter.member }) };
  const domains = db
    .prepare(
      `SELECT d.name AS domain, m.name AS member, rd.domain_id AS domainId
       FROM run_domains rd JOIN domain_names d ON d.id = rd.domain_id LEFT JOIN member_names m ON m.id = rd.member_id
       WHERE rd.run_id = @run ${ofMember} ORDER BY d.name`,
    )
    .all(params) as { domain: string; member: string | null; domainId: number }[];
  const checks = db
    .prepare(
      `SELECT c.name FROM run_checks rc JOIN check_names c ON c.id = rc.check_id WHERE rc.run_id = @run ORDER BY c.name`,
    )
    .pluck()
    .all({ run: runId }) as string[];
  const byDomain = new Map<string, Map<string, CheckResult>>();
  const results: DomainResult[] = domains.map((row) => {
    const perCheck = new Map<string, CheckResult>(
      checks.map((check) => [check, { check, status: 'pass', findings: [], unknown: [] }]),
    );
    byDomain.set(row.domain, perCheck);
    return { domain: row.domain, member: row.member, checks: [...perCheck.values()] };
  });
  const resultFor = (domain: string, check: string): CheckResult | undefined => byDomain.get(domain)?.get(check);

  const statuses = db
    .prepare(
      `SELECT d.name AS domain, c.name AS "check", r.status, r.unknown
       FROM check_results r JOIN domain_names d ON d.id = r.domain_id JOIN check_names c ON c.id = r.check_id
       ${filter.member === undefined ? '' : 'JOIN run_domains rd ON rd.run_id = r.run_id AND rd.domain_id = r.domain_id'}
       WHERE r.run_id = @run ${ofMember}`,
    )
    .all(params) as { domain: string; check: string; status: CheckResult['status']; unknown: string }[];

  const findings = db
    .prepare(
      `SELECT d.name AS domain, c.name AS "check", n.name AS id, f.subject, f.severity,
              x.evidence, x.message, x.title_values AS "values", x.docs, x.suggested_record AS suggested
       FROM findings f
       JOIN domain_names d ON d.id = f.domain_id
       JOIN check_names c ON c.id = f.check_id
       JOIN finding_names n ON n.id = f.finding_id
       JOIN finding_details x ON x.id = f.detail_id
       ${filter.member === undefined ? '' : 'JOIN run_domains rd ON rd.run_id = f.run_id AND rd.domain_id = f.domain_id'}
       WHERE f.run_id = @run ${ofMember}`,
    )
    .all(params) as FindingRow[];
  for (const row of findings) {
    const result = resultFor(row.domain, row.check);
    if (result === undefined) continue;
    result.findings.push({
      id: row.id,
      check: row.check,
      severity: row.severity,
      domain: row.domain,
      subject: row.subject,
      evidence: JSON.parse(row.evidence) as Record<string, unknown>,
      message: row.message,
      ...(row.values === null ? {} : { values: JSON.parse(row.values) as Record<string, string | number> }),
      docs: row.docs,
      ...(row.suggested === null ? {} : { suggestedRecord: row.suggested }),
    });
  }
  for (const perCheck of byDomain.values()) {
    for (const result of perCheck.values()) result.status = statusFromFindings(result.findings);
  }
  // A stored status outranks the derived one: it was stored because it differs.
  for (const row of statuses) {
    const result = resultFor(row.domain, row.check);
    if (result === undefined) continue;
    result.status = row.status;
    result.unknown = JSON.parse(row.unknown) as UnknownDraft[];
  }
  return results;
}

/** One point of the findings plot: a complete run and its findings by severity. */
export interface RunCounts {
  runId: number;
  startedAt: string;
  findings: Record<Severity, number>;
}

/**
 * The findings by severity of the `limit` latest complete runs, oldest first, in one query: `finishRun` stored the
 * counts on the run row, so a year of nights reads 365 rows, not millions of findings.
 */
export function completeRunCounts(db: Db, limit: number): RunCounts[] {
  const rows = db
    .prepare(
      `SELECT id, started_at, errors, warnings, infos FROM runs WHERE status = 'complete'
       ORDER BY started_at DESC, id DESC LIMIT ?`,
    )
    .all(limit) as Pick<RunRow, 'id' | 'started_at' | 'errors' | 'warnings' | 'infos'>[];
  return rows.reverse().map((row) => ({
    runId: row.id,
    startedAt: row.started_at,
    findings: { error: row.errors, warning: row.warnings, info: row.infos },
  }));
}

/** The members of a run with their number of domains, by name (domains without a member are not listed). */
export function runMembers(db: Db, runId: number): { member: string; domains: number }[] {
  return db
    .prepare(
      `SELECT m.name AS member, count(*) AS domains FROM run_domains rd JOIN member_names m ON m.id = rd.member_id
       WHERE rd.run_id = ? GROUP BY m.name ORDER BY m.name`,
    )
    .all(runId) as { member: string; domains: number }[];
}
