/**
 * bench:check: N synthetic member domains sharing a few provider SPF includes, served by a real local DNS server,
 * checked by the real runner; then a bare client asks exactly the distinct questions the run asked, once each, at the
 * same concurrency: the floor any checker must pay.
 * Both sides start cold: each runs in a process of its own against a freshly started server, so neither inherits the
 * other's JIT warm-up (the server's or the client's).
 * Then the check logic alone: the same domains through the runner on an in-memory resolver holding the same zones, in
 * a fresh process, three times: the first run pays V8's warm-up (interpreter, then compiling the hot functions), the
 * later ones less and less. The difference is the part of the check run that does not grow with the number of domains.
 * Then facteur's command line itself, `facteur check --members … --json`, against a fresh server in a process of its own:
 * what a nightly run costs from start to exit, startup and the written report included.
 * Two servers, one after the other: Knot (a C server, as the resolvers members' checks go through in production) and
 * facteur's own zone server (JavaScript, in a process of its own). On a machine with few cores the zone server takes
 * a CPU share from the side it serves, which weighs more on the side that computes more.
 * Each server is measured on the loopback, where a reply takes microseconds and the run is bound by the client's CPU,
 * then behind a relay adding a round trip of 20 ms to every exchange, as a resolver asking members' authoritative
 * servers over the internet does, where the run is bound by how many questions it keeps on the wire.
 * With --dead D, the command line runs again with D more domains whose servers never answer (the relay drops their
 * questions), spread among the others, as lapsed members are in a real list: what a night's run then costs.
 * Usage: npm run bench:check -- [N] [--server knot|zone-server|both] [--latency MS,…] [--dead D]
 * (default: --latency 0,20 --dead 0)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_CHECKS, GATHERERS } from '../src/checks/registry.js';
import { runCheck, type CheckTarget } from '../src/commands/run-check.js';
import { createCachingResolver } from '../src/dns/caching-resolver.js';
import { createMemoryResolver } from '../src/dns/memory-resolver.js';
import { createNetworkResolver } from '../src/dns/network-resolver.js';
import type { DnsResolver, RrType } from '../src/dns/types.js';
import { loadZoneDirectory } from '../src/dns/zone-server.js';
import { KNOTD, startKnot } from '../test/integration/helpers/dns-knot.js';

const CONCURRENCY = 32;
const CHECK_RUN_FLAG = '--check-run';
const BARE_CLIENT_FLAG = '--bare-client';
const LOGIC_ONLY_FLAG = '--logic-only';
const PROVIDERS = ['hebergeur', 'envoi-a', 'envoi-b', 'envoi-c'];
const SERVER_KINDS = ['knot', 'zone-server'] as const;
type ServerKind = (typeof SERVER_KINDS)[number];

interface BenchServer {
  address: string;
  stop(): Promise<void>;
}

interface CheckRunFigures {
  wallMs: number;
  cpuMs: number;
  queries: number;
  packets: number;
  rssMb: number;
  findings: Record<string, number>;
  unknownChecks: number;
}

function writeZones(dir: string, n: number): void {
  const head = (origin: string): string =>
    `$TTL 3600\n@ SOA ns1.${origin}. hostmaster.${origin}. 1 7200 900 1209600 300\n@ NS ns1.${origin}.\nns1 A 192.0.2.53\n`;
  PROVIDERS.forEach((provider, index) => {
    writeFileSync(
      join(dir, `${provider}.example.zone`),
      `${head(`${provider}.example`)}mx A 192.0.2.${10 + index}\n_spf TXT "v=spf1 ip4:192.0.2.${10 + index} ip4:198.51.100.0/24 -all"\n`,
    );
  });
  writeFileSync(
    join(dir, '2.0.192.in-addr.arpa.zone'),
    `${head('2.0.192.in-addr.arpa')}${PROVIDERS.map((p, i) => `${10 + i} PTR mx.${p}.example.`).join('\n')}\n`,
  );
  writeFileSync(join(dir, 'dnsbl.example.zone'), `${head('dnsbl.example')}2.0.0.127 A 127.0.0.2\n`);
  const lines: string[] = [head('members.example')];
  for (let i = 0; i < n; i++) {
    const d = `m${i}`;
    const provider = PROVIDERS[i % PROVIDERS.length] ?? 'hebergeur';
    const second = PROVIDERS[(i + 1) % PROVIDERS.length] ?? 'hebergeur';
    lines.push(
      `${d} MX 10 mx.${provider}.example.`,
      `${d} TXT "v=spf1 include:_spf.${provider}.example include:_spf.${second}.example ${i % 3 === 0 ? '~all' : '-all'}"`,
      `_dmarc.${d} TXT "v=DMARC1; p=${i % 2 === 0 ? 'none' : 'reject'}; rua=mailto:dmarc@${d}.members.example"`,
      `mail._domainkey.${d} TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="`,
    );
  }
  writeFileSync(join(dir, 'members.example.zone'), `${lines.join('\n')}\n`);
}

/** A script of the bench in a process of its own (its own event loop) that sends its address once listening. */
function startProcess(script: string, args: string[]): Promise<BenchServer> {
  const child = fork(join(import.meta.dirname, script), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    child.kill();
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.once('message', (address: unknown) => {
      if (typeof address === 'string') resolve({ address, stop });
      else reject(new Error(`${script} sent no address`));
    });
    child.once('error', reject);
  });
}

/**
 * The server of `kind` serving `dir`; with a latency, reached through a relay that holds each query that long, as a
 * resolver across a network would, and drops those about dead domains (bench/latency-relay-process.ts).
 */
async function startServer(
  kind: ServerKind,
  dir: string,
  latencyMs: number,
  isRelayed = latencyMs > 0,
): Promise<BenchServer> {
  const server = kind === 'knot' ? await startKnot(dir) : await startProcess('zone-server-process.js', [dir]);
  if (!isRelayed) return server;
  const relay = await startProcess('latency-relay-process.js', [server.address, String(latencyMs)]);
  return {
    address: relay.address,
    stop: async () => {
      await relay.stop();
      await server.stop();
    },
  };
}

/** Runs this file in a child process with `args` and returns the one message it sends. */
function inChild<T>(args: string[]): Promise<T> {
  const child: ChildProcess = fork(import.meta.filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: unknown) => {
      resolve(message as T);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`Bench process ${args[0] ?? ''} exited with code ${code ?? 'null'} before reporting`));
    });
  });
}

/** Wall time and this process's CPU time (the server's excluded), in ms: on a shared machine, CPU tells load apart. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpuStart);
  return [value, Number(process.hrtime.bigint() - start) / 1e6, (cpu.user + cpu.system) / 1000];
}

/** The N member domains of the zones writeZones wrote, with the hoster's relay, its selector and one IP blocklist. */
function benchTargets(n: number): CheckTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    domain: `m${i}.members.example`,
    member: null,
    options: {
      dkimSelectors: ['mail'],
      sendingIps: ['192.0.2.10'],
      dnsbl: ['dnsbl.example'],
      rhsbl: [],
      probes: false,
    },
  }));
}

/**
 * The check logic alone: the runner over the zones held in memory, three times in this fresh process. The first run
 * pays the JIT's warm-up, the last shows the logic's own cost; each has its own cache, so each asks every question.
 */
async function logicOnly(n: number, dir: string): Promise<number[]> {
  const memory = createMemoryResolver((await loadZoneDirectory(dir)).flatMap((zone) => zone.records));
  const targets = benchTargets(n);
  const once = async (): Promise<number> => {
    const [, wallMs] = await timed(() =>
      runCheck({
        targets,
        checks: ALL_CHECKS,
        gatherers: GATHERERS,
        resolver: createCachingResolver(memory),
        render: { lang: 'en', docs: (_id, check) => check.rfc },
        concurrency: CONCURRENCY,
      }),
    );
    return wallMs;
  };
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) runs.push(await once());
  return runs;
}

/** The check run: N member domains through the real runner; writes the questions that reached the wire. */
async function checkRun(n: number, address: string, questionsFile: string): Promise<CheckRunFigures> {
  const targets = benchTargets(n);
  const asked = new Set<string>();
  const network = createNetworkResolver({ servers: [address], timeoutMs: 2000, retries: 2 });
  // Record beneath the cache: only the questions that reach the wire, so the bookkeeping does not slow every lookup.
  const recording: DnsResolver = {
    query: (name, type, options) => {
      asked.add(`${name.toLowerCase().replace(/\.$/, '')} ${type}`);
      return network.query(name, type, options);
    },
  };
  const [report, wallMs, cpuMs] = await timed(() =>
    runCheck({
      targets,
      checks: ALL_CHECKS,
      gatherers: GATHERERS,
      resolver: createCachingResolver(recording),
      render: { lang: 'en', docs: (_id, check) => check.rfc },
      concurrency: CONCURRENCY,
    }),
  );
  const stats = network.stats();
  await network.close();
  writeFileSync(questionsFile, JSON.stringify([...asked].map((key) => key.split(' '))));
  return {
    wallMs,
    cpuMs,
    queries: stats.queries,
    packets: stats.packets,
    rssMb: process.resourceUsage().maxRSS / 1024,
    findings: report.summary.findings,
    unknownChecks: report.summary.unknownChecks,
  };
}

/** `facteur check` as a hoster runs it, over the bench's domains as a members file: wall time to exit, peak RSS. */
async function cliRun(
  n: number,
  address: string,
  dir: string,
  dead = 0,
): Promise<{ wallMs: number; code: number; rssMb: number }> {
  const members = join(dir, 'members.csv');
  const domains = benchTargets(n).map((target) => target.domain);
  // Spread among the others, as lapsed members are in a real list.
  for (let i = 0; i < dead; i++)
    domains.splice(Math.floor(((i + 0.5) * domains.length) / dead), 0, `d${i}.dead.example`);
  writeFileSync(members, `domain\n${domains.join('\n')}\n`);
  const args = ['check', '--members', members, '--resolver', address, '--no-probes', '--no-db', '--quiet', '--json'];
  args.push('--dkim-selectors', 'mail', '--sending-ips', '192.0.2.10', '--dnsbl', 'dnsbl.example', '--rhsbl', '');
  const start = process.hrtime.bigint();
  // The report goes nowhere: writing it is part of the run, reading it is not.
  const child = fork(join(import.meta.dirname, 'cli-process.js'), args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { code, rssMb } = await new Promise<{ code: number; rssMb: number }>((resolve, reject) => {
    child.once('message', (message: unknown) => {
      resolve(message as { code: number; rssMb: number });
    });
    child.once('error', reject);
    child.once('exit', (exit) => {
      reject(new Error(`facteur check exited with code ${exit ?? 'null'} before reporting`));
    });
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, code, rssMb };
}

/** The bare client: asks each question once through the same network resolver, at the checker's concurrency. */
async function bareClient(address: string, questionsFile: string): Promise<{ wallMs: number; cpuMs: number }> {
  const questions = JSON.parse(readFileSync(questionsFile, 'utf8')) as [string, RrType][];
  const [, wallMs, cpuMs] = await timed(async () => {
    const bare = createNetworkResolver({ servers: [address], timeoutMs: 2000, retries: 2 });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < questions.length) {
        const question = questions[next++];
        if (question) await bare.query(question[0], question[1]);
      }
    };
    // Each domain's run has several lookups in flight: give the bare client as many as the checker can have.
    await Promise.all(Array.from({ length: CONCURRENCY * 8 }, worker));
    await bare.close();
  });
  return { wallMs, cpuMs };
}

/** One server kind: the check run against a fresh server, then the bare client against another fresh one. */
async function benchAgainst(kind: ServerKind, n: number, dir: string, latencyMs: number, dead: number): Promise<void> {
  const questionsFile = join(dir, `questions-${kind}-${latencyMs}.json`);
  // Each measure against a server of its own: one that already answered would hand the next its JIT warm-up for free.
  const againstFresh = async <T>(measure: (address: string) => Promise<T>, isRelayed?: boolean): Promise<T> => {
    const server = await startServer(kind, dir, latencyMs, isRelayed);
    try {
      return await measure(server.address);
    } finally {
      await server.stop();
    }
  };
  const run = await againstFresh((address) =>
    inChild<CheckRunFigures>([CHECK_RUN_FLAG, String(n), address, questionsFile]),
  );
  const bare = await againstFresh((address) =>
    inChild<{ wallMs: number; cpuMs: number }>([BARE_CLIENT_FLAG, address, questionsFile]),
  );
  const cli = await againstFresh((address) => cliRun(n, address, dir));
  const withDead = dead > 0 ? await againstFresh((address) => cliRun(n, address, dir, dead), true) : undefined;
  const distinct = (JSON.parse(readFileSync(questionsFile, 'utf8')) as unknown[]).length;
  console.log(`server                  ${kind === 'knot' ? 'Knot DNS' : "facteur's zone server"}`);
  console.log(
    `latency                 ${latencyMs === 0 ? 'none: the server on the loopback' : `${latencyMs} ms per exchange, through a relay`}`,
  );
  console.log(`domains                 ${n}`);
  console.log(
    `check run               ${(run.wallMs / 1000).toFixed(2)} s, ${((n * 1000) / run.wallMs).toFixed(0)} domains/s, client CPU ${(run.cpuMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `DNS queries per domain  ${(run.queries / n).toFixed(2)} (${run.queries} questions, ${run.packets} packets)`,
  );
  console.log(`distinct questions      ${distinct}`);
  console.log(
    `bare client, same set   ${(bare.wallMs / 1000).toFixed(2)} s, client CPU ${(bare.cpuMs / 1000).toFixed(2)} s`,
  );
  console.log(`ratio run / bare        ${(run.wallMs / bare.wallMs).toFixed(2)} (goal <= 1.5)`);
  console.log(`peak RSS                ${run.rssMb.toFixed(0)} MB (goal < 150)`);
  console.log(`findings                ${JSON.stringify(run.findings)}, undecided ${run.unknownChecks}`);
  console.log(
    `facteur check (CLI)     ${(cli.wallMs / 1000).toFixed(2)} s from start to exit, peak RSS ${cli.rssMb.toFixed(0)} MB (goal < 150), exit ${cli.code}`,
  );
  if (withDead !== undefined)
    console.log(
      `  + ${dead} dead domains     ${(withDead.wallMs / 1000).toFixed(2)} s from start to exit (their servers never answer: each question times out), exit ${withDead.code}`,
    );
  console.log('');
}

if (process.argv[2] === CHECK_RUN_FLAG) {
  const [, , , n = '', address = '', questionsFile = ''] = process.argv;
  process.send?.(await checkRun(Number(n), address, questionsFile));
  process.disconnect();
} else if (process.argv[2] === LOGIC_ONLY_FLAG) {
  const [, , , n = '', dir = ''] = process.argv;
  process.send?.(await logicOnly(Number(n), dir));
  process.disconnect();
} else if (process.argv[2] === BARE_CLIENT_FLAG) {
  const [, , , address = '', questionsFile = ''] = process.argv;
  process.send?.(await bareClient(address, questionsFile));
  process.disconnect();
} else {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      server: { type: 'string', default: 'both' },
      latency: { type: 'string', default: '0,20' },
      dead: { type: 'string', default: '0' },
    },
  });
  const n = Number(positionals[0] ?? 2000);
  const server = values.server;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`Give the number of domains as a positive integer, not "${positionals[0] ?? ''}"`);
  if (server !== 'both' && !SERVER_KINDS.includes(server as ServerKind))
    throw new Error(`--server takes knot, zone-server or both, not "${server}"`);
  const latencies = values.latency.split(',').map((text) => (/^\d+$/.test(text.trim()) ? Number(text) : Number.NaN));
  if (latencies.some((ms) => Number.isNaN(ms)))
    throw new Error(`--latency takes milliseconds as whole numbers separated by commas, not "${values.latency}"`);
  const dead = /^\d+$/.test(values.dead) ? Number(values.dead) : Number.NaN;
  if (Number.isNaN(dead)) throw new Error(`--dead takes a number of domains, not "${values.dead}"`);
  const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-check-'));
  try {
    writeZones(dir, n);
    for (const kind of SERVER_KINDS) {
      if (server !== 'both' && server !== kind) continue;
      if (kind === 'knot' && !existsSync(KNOTD)) {
        // Knot comes from Debian's knot package (.ci/run installs it); without it, measure what can be.
        if (server === 'knot') throw new Error('Knot is not installed: apt-get install knot');
        console.log('server                  Knot DNS: not installed (apt-get install knot), skipped\n');
        continue;
      }
      for (const latencyMs of latencies) await benchAgainst(kind, n, dir, latencyMs, dead);
    }
    const logic = await inChild<number[]>([LOGIC_ONLY_FLAG, String(n), dir]);
    console.log(
      `check logic alone       ${logic.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (in-memory DNS, three runs in one process: the first pays the JIT's warm-up)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
