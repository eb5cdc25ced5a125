/**
 * `facteur dormant` for every list at hosting scale: builds a SQLite file of 1,000,000 list memberships over 2,000
 * lists and 5,000,000 bounce events (a year, in arrival order, half of them on the 5% of addresses that really are
 * dead; auto-replies, delivery reports and complaints mixed in), 20,000 domains of which 1% confirmed dead, then
 * runs the built CLI on it in a child process (`--no-dns`, output to a file) and prints the time, the child's peak
 * RSS and what it found. The events go in through the schema's triggers, as `facteur bounces` records them; a file
 * kept with `--db` from an older facteur is migrated before the measured run.
 * Run: npm run bench:dormant [-- --members 1000000 --lists 2000 --events 5000000 --format json --db FILE --keep
 *   --list L | --campaign C]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeSync, openSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../src/cli/run-cli.js';
import { openDatabase } from '../src/store/database.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    lists: { type: 'string', default: '2000' },
    events: { type: 'string', default: '5000000' },
    format: { type: 'string', default: 'json' },
    list: { type: 'string' },
    campaign: { type: 'string' },
    db: { type: 'string' },
    keep: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  allowPositionals: true,
});

/** One list or one campaign instead of every list. */
const scopeArguments = [
  ...(values.list === undefined ? [] : ['--list', values.list]),
  ...(values.campaign === undefined ? [] : ['--campaign', values.campaign]),
];

if (values.child) {
  // The measured run: the real CLI, in a process of its own so its peak RSS is its own.
  const started = performance.now();
  const out = openSync(values.out ?? '/dev/null', 'w');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    if (typeof chunk === 'string') writeSync(out, chunk);
    else writeSync(out, chunk);
    return true;
  }) as typeof process.stdout.write;
  const code = await runCli([
    process.argv[0] ?? 'node',
    'facteur',
    'dormant',
    '--db',
    values.db ?? '',
    '--no-dns',
    '--format',
    values.format,
    ...scopeArguments,
  ]);
  process.stdout.write = write;
  closeSync(out);
  process.stderr.write(
    `${JSON.stringify({ code, seconds: (performance.now() - started) / 1000, cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
  process.exit(0);
}

const MEMBERS = Number(values.members);
const LISTS = Number(values.lists);
const EVENTS = Number(values.events);
/** Distinct addresses: most people are on one list, some on several. */
const ADDRESSES = Math.round(MEMBERS * 0.6);
const DOMAINS = 20_000;
const DAY = 86_400_000;
const NOW = Date.now();
/** SQLite's page cache while building: 1 GiB, enough for the indexes the triggers write to at this scale. */
const BUILD_CACHE_KIB = 1_048_576;

if (values.build) {
  // The database, built in a process of its own: the 1 GiB cache of the build must not count in the measured run's
  // peak RSS, which Linux carries over from a parent into the child it spawns.
  const file = values.db ?? '';
  const started = performance.now();
  const db = openDatabase(file);
  // The build is one transaction whose triggers touch three tables per event: with SQLite's default 2 MB of cache it
  // spills the same pages to the WAL over and over, and takes twice as long. The measured run keeps the default.
  db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
  // Built by SQL from a counter: generating 6 million rows through JavaScript would time the generator, not facteur.
  db.exec(`
    BEGIN;
    INSERT INTO bounce_sources (id, name) VALUES (1, 'bench');
    WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 99999)
      INSERT INTO bounce_messages (id, source_id, message_key, content_hash, kind, received_at, fetched_at)
      SELECT k + 1, 1, 'm' || k, 'h' || k, 'bounce', ${NOW}, ${NOW} FROM n;
    WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${MEMBERS - 1})
      INSERT OR IGNORE INTO list_members (address, list, subscribed_at)
      SELECT 'u' || (k % ${ADDRESSES}) || '@d' || ((k % ${ADDRESSES}) % ${DOMAINS}) || '.example',
             'list' || (((k % ${ADDRESSES}) * 7 + k / ${ADDRESSES}) % ${LISTS}) || '@lists.example.org',
             ${NOW - 400 * DAY}
      FROM n;
    INSERT INTO list_imports (list, source, members, imported_at)
      SELECT list, 'bench', count(*), ${NOW} FROM list_members GROUP BY list;
    WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${EVENTS - 1}),
      picked AS (
        SELECT k,
          -- Half the events fall on the 5% of addresses that are dead; the rest anywhere.
          CASE WHEN k % 2 = 0 THEN (k * 2654435761) % ${Math.round(ADDRESSES * 0.05)} * 20
               ELSE (k * 2246822519) % ${ADDRESSES} END AS a,
          (k * 40503) % 100 AS roll
        FROM n)
      INSERT INTO bounce_events (message_id, address, subscribed_address, kind, reason, status_code, hardbounce,
        permanent, list, occurred_at)
      SELECT k % 100000 + 1, 'u' || a || '@d' || (a % ${DOMAINS}) || '.example',
        'u' || a || '@d' || (a % ${DOMAINS}) || '.example',
        CASE WHEN roll < 84 THEN 'bounce' WHEN roll < 94 THEN 'autoreply' WHEN roll < 99 THEN 'delivered'
             ELSE 'feedback' END,
        CASE WHEN roll < 40 THEN 'userunknown' ELSE 'mailboxfull' END,
        CASE WHEN roll < 40 THEN '5.1.1' ELSE '4.2.2' END,
        roll < 40, roll < 40,
        'list' || ((a * 7) % ${LISTS}) || '@lists.example.org',
        ${NOW - 365 * DAY} + k * ${Math.floor((365 * DAY) / EVENTS)}
      FROM picked;
    WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${DOMAINS - 1})
      INSERT INTO mail_domains (domain, bad_status, bad_since, last_bad_at, bad_observations, last_ok_at)
      SELECT 'd' || k || '.example',
        CASE WHEN k % 100 = 0 THEN 'nxdomain' END,
        CASE WHEN k % 100 = 0 THEN ${NOW - 3 * DAY} END,
        CASE WHEN k % 100 = 0 THEN ${NOW - DAY} END,
        CASE WHEN k % 100 = 0 THEN 3 ELSE 0 END,
        CASE WHEN k % 100 = 0 THEN NULL ELSE ${NOW - DAY} END
      FROM n;
    COMMIT;
  `);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  process.stderr.write(`built ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-dormant-'));
const dbFile = values.db ?? join(dir, 'dormant.sqlite');
if (!existsSync(dbFile)) {
  const build = spawnSync(
    process.execPath,
    [
      import.meta.filename,
      '--build',
      '--db',
      dbFile,
      '--members',
      values.members,
      '--lists',
      values.lists,
      '--events',
      values.events,
    ],
    { stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error(`The build of "${dbFile}" failed (exit ${build.status ?? 'signal'})`);
} else {
  // A database kept from an older facteur gets its new schema here, outside the measured run.
  const started = performance.now();
  const db = openDatabase(dbFile);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  process.stderr.write(
    `opened ${dbFile} at the current schema in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

const out = join(dir, `out.${values.format}`);
const child = spawnSync(
  process.execPath,
  [import.meta.filename, '--child', '--db', dbFile, '--format', values.format, '--out', out, ...scopeArguments],
  { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
);
const lastLine = child.stderr.trim().split('\n').pop() ?? '';
let measured: { code: number; seconds: number; cpuSeconds: number; maxRssKb: number };
try {
  measured = JSON.parse(lastLine) as typeof measured;
} catch {
  process.stderr.write(child.stderr);
  throw new Error(`The measured run failed (exit ${child.status ?? 'signal'})`);
}
const output = readFileSync(out, 'utf8');
const summary =
  values.format === 'json'
    ? ((JSON.parse(output) as { summary: unknown }).summary as Record<string, unknown>)
    : { lines: output.split('\n').length - 1 };
console.log(
  JSON.stringify(
    {
      members: MEMBERS,
      lists: LISTS,
      events: EVENTS,
      dbMb: Math.round(statSync(dbFile).size / 1e6),
      format: values.format,
      scope: values.list ?? values.campaign ?? 'all',
      exitCode: measured.code,
      seconds: Number(measured.seconds.toFixed(2)),
      cpuSeconds: Number(measured.cpuSeconds.toFixed(2)),
      peakRssMb: Math.round(measured.maxRssKb / 1024),
      outputMb: Number((output.length / 1e6).toFixed(1)),
      summary,
    },
    null,
    2,
  ),
);
if (!values.keep && values.db === undefined) rmSync(dir, { recursive: true, force: true });
