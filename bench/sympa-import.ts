/**
 * `facteur dormant --sympa-conf` importing a hosting-scale Sympa: builds a `subscriber_table` of N members (default
 * 1,000,000 over 2,000 lists; 2% with Sympa's bounce data, half of those over its score threshold; 4% included from
 * a data source; names, some in UTF-8) in SQLite, PostgreSQL and MariaDB, the same rows in each, in the tables Sympa
 * creates itself (`sympa check`, through the integration tests' throwaway servers; Sympa's SQLite schema from the
 * test fixture it wrote). Then, per backend, it runs the built CLI as a child process, exactly as a cron job would:
 * `node dist/src/cli/main.js dormant --db STORE --sympa-conf CONF --no-dns --format csv`, first into a new store,
 * then again into the same store (the nightly case: every list replaced). Building the data is not measured.
 * Prints per run the wall time, the time until the import was done, the child's user and system CPU and its peak
 * RSS, the database server's CPU over the run, and the longest the child held the store's write lock, as another
 * writer beside it found it (probeWriteLock).
 * Run: npm run bench:sympa-import [-- --members 1000000 --lists 2000 --backends sqlite,postgresql,mariadb --runs 1]
 */
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startMariadb, startPostgresql, type SqlServer } from '../test/integration/helpers/sql-servers.js';
import { packageRoot } from '../src/package-root.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    lists: { type: 'string', default: '2000' },
    backends: { type: 'string', default: 'sqlite,postgresql,mariadb' },
    runs: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const MEMBERS = Number(values.members);
const LISTS = Number(values.lists);
const RUNS = Number(values.runs);
const BACKENDS = values.backends.split(',').map((name) => name.trim().toLowerCase());
/** Distinct addresses: most people are on one list, some on several (as in bench/dormant.ts). */
const ADDRESSES = Math.max(Math.round(MEMBERS * 0.6), Math.ceil(MEMBERS / LISTS));
const DOMAINS = 20_000;
const NOW_S = Math.floor(Date.now() / 1000);
const DAY_S = 86_400;
const CLI = join(import.meta.dirname, '../src/cli/main.js');
const USAGE = join(import.meta.dirname, 'report-usage.js');

if (!Number.isSafeInteger(MEMBERS) || MEMBERS < 1 || !Number.isSafeInteger(LISTS) || LISTS < 1)
  throw new Error('--members and --lists take positive integers');
if (ADDRESSES % 104_729 === 0) throw new Error('--members gives an address count that 104729 divides: pick another');

/** How each database spells what the generator needs. */
interface Dialect {
  concat(...parts: string[]): string;
  div(a: string, b: number): string;
}
const SQLITE: Dialect = { concat: (...parts) => parts.join(' || '), div: (a, b) => `(${a} / ${b})` };
const POSTGRESQL: Dialect = { concat: (...parts) => parts.join(' || '), div: (a, b) => `(${a} / ${b})` };
const MARIADB: Dialect = { concat: (...parts) => `CONCAT(${parts.join(', ')})`, div: (a, b) => `(${a} DIV ${b})` };

/**
 * The SELECT that makes member `k` (0 ≤ k < N) from a counter column `k`, the same rows in every dialect. Member k is
 * on list k mod LISTS, at position k div LISTS; its address is position × 104729 + list × 7919 modulo ADDRESSES, a
 * bijection of the position (104729 is a prime that does not divide ADDRESSES), so a list never holds an address
 * twice. One list in ten lives on a second robot.
 */
function memberSelect(sql: Dialect, counter: string): string {
  const l = `(k % ${LISTS})`;
  const a = `((${sql.div('k', LISTS)} * 104729 + ${l} * 7919) % ${ADDRESSES})`;
  const bounced = `k % 50 = 0`;
  const included = `k % 25 = 1`;
  return `SELECT
      ${sql.concat("'list'", l)} AS list_subscriber,
      CASE WHEN ${l} % 10 = 9 THEN 'other.example' ELSE 'lists.example.org' END AS robot_subscriber,
      ${sql.concat("'u'", a, "'@d'", `(${a} % ${DOMAINS})`, "'.example'")} AS user_subscriber,
      CASE WHEN k % 7 = 0 THEN ${sql.concat("'Zoé Ærøskøbing '", 'k')} WHEN k % 3 = 0 THEN ${sql.concat("'Member '", 'k')}
           ELSE NULL END AS comment_subscriber,
      ${NOW_S} - (k % 1000) * ${DAY_S} AS date_epoch_subscriber,
      ${NOW_S} - (k % 1000) * ${DAY_S} AS update_epoch_subscriber,
      CASE WHEN ${included} THEN 0 ELSE 1 END AS subscribed_subscriber,
      CASE WHEN ${included} THEN ${NOW_S - 3600} ELSE NULL END AS inclusion_subscriber,
      CASE WHEN ${included} THEN ${NOW_S - 3600} ELSE NULL END AS inclusion_ext_subscriber,
      CASE WHEN ${included} THEN 'ldap-staff' ELSE NULL END AS inclusion_label_subscriber,
      CASE WHEN ${bounced} THEN ${sql.concat(`${NOW_S - 40 * DAY_S}`, "' '", `${NOW_S - DAY_S}`, "' '", '(k % 17 + 1)', "' 5.1.1'")}
           ELSE NULL END AS bounce_subscriber,
      CASE WHEN k % 100 = 0 THEN 90 WHEN ${bounced} THEN 20 ELSE NULL END AS bounce_score_subscriber,
      'mail' AS reception_subscriber,
      'noconceal' AS visibility_subscriber,
      0 AS number_messages_subscriber
    FROM ${counter}`;
}

const COLUMNS =
  'list_subscriber, robot_subscriber, user_subscriber, comment_subscriber, date_epoch_subscriber, ' +
  'update_epoch_subscriber, subscribed_subscriber, inclusion_subscriber, inclusion_ext_subscriber, ' +
  'inclusion_label_subscriber, bounce_subscriber, bounce_score_subscriber, reception_subscriber, ' +
  'visibility_subscriber, number_messages_subscriber';

/** Sympa's SQLite database with the members, in the schema Sympa 6.2.70 wrote (the test fixture's CREATE lines). */
function buildSqlite(dir: string): string {
  const file = join(dir, 'sympa.sqlite');
  const schema = readFileSync(join(packageRoot(), 'test/fixtures/sympa/subscriber-table.sql'), 'utf8')
    .split(';\n')
    .filter((statement) => statement.trimStart().startsWith('CREATE'))
    .join(';\n');
  const db = new Database(file);
  db.exec(`${schema};
    BEGIN;
    INSERT INTO subscriber_table (${COLUMNS})
      ${memberSelect(SQLITE, `(WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${MEMBERS - 1}) SELECT k FROM n)`)};
    COMMIT;`);
  db.close();
  const conf = join(dir, 'sympa-sqlite.conf');
  writeFileSync(conf, `db_type\tSQLite\ndb_name\t${file}\n`);
  chmodSync(conf, 0o640);
  return conf;
}

async function buildPostgresql(server: SqlServer): Promise<void> {
  await server.query(
    `INSERT INTO subscriber_table (${COLUMNS}) ${memberSelect(POSTGRESQL, `generate_series(0, ${MEMBERS - 1}) AS n(k)`)}`,
  );
  await server.query('VACUUM ANALYZE subscriber_table');
}

async function buildMariadb(server: SqlServer): Promise<void> {
  // MariaDB's Sequence engine: seq_0_to_N is a table of the integers 0 to N.
  await server.query(
    `INSERT INTO subscriber_table (${COLUMNS}) ${memberSelect(MARIADB, `(SELECT seq AS k FROM seq_0_to_${MEMBERS - 1}) AS n`)}`,
  );
  await server.query('ANALYZE TABLE subscriber_table');
}

/** One measured run of the CLI. */
interface Measured {
  backend: string;
  run: string;
  exitCode: number | null;
  imported: string;
  seconds: number;
  importSeconds: number | null;
  userSeconds: number;
  systemSeconds: number;
  peakRssMb: number;
  serverCpuSeconds: number | null;
  longestLockSeconds: number;
}

/** How often the probe tries the write lock: the granularity of the longest hold it reports. */
const PROBE_MS = 10;

/**
 * Another writer beside the measured run, as a `send run` recording an outcome would be: every PROBE_MS it takes the
 * store's write lock without waiting (no busy timeout) and lets it go at once. The longest stretch it found the lock
 * taken is the longest the run held it, to PROBE_MS. It starts once the store is in WAL mode (its -wal file exists),
 * not to stand in the way of the run's switch to it. `stop` returns that stretch in seconds.
 */
function probeWriteLock(store: string): { stop(): number } {
  let db: Database.Database | null = null;
  let lockedSince: number | null = null;
  let longest = 0;
  const timer = setInterval(() => {
    if (db === null) {
      if (!existsSync(`${store}-wal`)) return;
      db = new Database(store, { fileMustExist: true, timeout: 0 });
    }
    const now = performance.now();
    try {
      db.exec('BEGIN IMMEDIATE; ROLLBACK');
      if (lockedSince !== null) longest = Math.max(longest, now - lockedSince);
      lockedSince = null;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      lockedSince ??= now;
    }
  }, PROBE_MS);
  return {
    stop() {
      clearInterval(timer);
      db?.close();
      return Number((Math.max(longest, lockedSince === null ? 0 : performance.now() - lockedSince) / 1000).toFixed(2));
    },
  };
}

/**
 * Runs `facteur dormant` in a child process with report-usage.js preloaded, which writes the child's own resource
 * usage to fd 3 as it exits; the import is done when its "imported" line reaches stderr.
 */
async function measure(backend: string, run: string, store: string, conf: string, server: SqlServer | null) {
  const out = openSync(join(tmpdir(), `facteur-bench-sympa-import-${process.pid}.csv`), 'w');
  const serverBefore = server?.cpuSeconds() ?? null;
  const probe = probeWriteLock(store);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', USAGE, CLI, 'dormant', '--db', store, '--sympa-conf', conf, '--no-dns', '--format', 'csv'],
    { stdio: ['ignore', out, 'pipe', 'pipe'] },
  );
  let stderr = '';
  const imported = { seconds: null as number | null };
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (imported.seconds === null && stderr.includes(' imported from '))
      imported.seconds = (performance.now() - started) / 1000;
  });
  let usage = '';
  child.stdio[3]?.on('data', (chunk: Buffer) => (usage += chunk.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  const longestLockSeconds = probe.stop();
  closeSync(out);
  const serverAfter = server?.cpuSeconds() ?? null;
  let resources: { userCPUTime: number; systemCPUTime: number; maxRSS: number };
  try {
    resources = JSON.parse(usage) as typeof resources;
  } catch {
    throw new Error(`The measured run failed (exit ${exitCode ?? 'signal'}): ${stderr}`);
  }
  const measured: Measured = {
    backend,
    run,
    exitCode,
    imported: /facteur: (\d+ lists, \d+ members) imported/.exec(stderr)?.[1] ?? stderr.trim(),
    seconds: Number(seconds.toFixed(1)),
    importSeconds: imported.seconds === null ? null : Number(imported.seconds.toFixed(1)),
    userSeconds: Number((resources.userCPUTime / 1e6).toFixed(1)),
    systemSeconds: Number((resources.systemCPUTime / 1e6).toFixed(1)),
    peakRssMb: Math.round(resources.maxRSS / 1024),
    serverCpuSeconds:
      serverBefore === null || serverAfter === null ? null : Number((serverAfter - serverBefore).toFixed(1)),
    longestLockSeconds,
  };
  const expected = `${LISTS} lists, ${MEMBERS} members`;
  if (measured.imported !== expected)
    throw new Error(`Expected "${expected}" imported, got "${measured.imported}" (exit ${exitCode ?? 'signal'})`);
  console.log(JSON.stringify(measured));
  return measured;
}

const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-sympa-import-'));
chmodSync(dir, 0o755);
const results: Measured[] = [];
try {
  for (const backend of BACKENDS) {
    let server: SqlServer | null = null;
    try {
      const built = performance.now();
      let conf: string;
      if (backend === 'sqlite') conf = buildSqlite(dir);
      else if (backend === 'postgresql') {
        server = await startPostgresql();
        await buildPostgresql(server);
        conf = server.sympaConf;
      } else if (backend === 'mariadb') {
        // MariaDB's own default buffer pool (128 MB), as a stock server has, not the tests' 16 MB.
        server = await startMariadb({ bufferPoolMb: 128 });
        await buildMariadb(server);
        conf = server.sympaConf;
      } else throw new Error(`Unknown backend "${backend}": sqlite, postgresql or mariadb`);
      process.stderr.write(
        `${backend}: ${MEMBERS} members over ${LISTS} lists built in ${((performance.now() - built) / 1000).toFixed(1)} s (not measured)\n`,
      );
      for (let run = 1; run <= RUNS; run++) {
        const store = join(dir, `${backend}-${run}.sqlite`);
        results.push(await measure(backend, 'new store', store, conf, server));
        results.push(await measure(backend, 'again', store, conf, server));
        if (!values.keep) for (const suffix of ['', '-wal', '-shm']) rmSync(store + suffix, { force: true });
      }
    } finally {
      await server?.stop();
    }
  }
} finally {
  rmSync(join(tmpdir(), `facteur-bench-sympa-import-${process.pid}.csv`), { force: true });
  if (values.keep) process.stderr.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
console.log(`\nfacteur dormant --sympa-conf --no-dns --format csv, ${MEMBERS} members over ${LISTS} lists`);
console.log('backend     run        wall s  import s  user s  sys s  peak RSS MB  server CPU s  longest lock s');
for (const r of results)
  console.log(
    `${r.backend.padEnd(11)} ${r.run.padEnd(10)} ${String(r.seconds).padStart(6)}  ${String(r.importSeconds ?? '-').padStart(8)}  ${String(r.userSeconds).padStart(6)}  ${String(r.systemSeconds).padStart(5)}  ${String(r.peakRssMb).padStart(11)}  ${String(r.serverCpuSeconds ?? '-').padStart(12)}  ${String(r.longestLockSeconds).padStart(14)}`,
  );
