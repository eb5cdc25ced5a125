/**
 * bench:check: N synthetic member domains sharing a few provider SPF includes, served by facteur's zone server in a
 * child process (its own event loop), checked by the real runner; then a bare client asks exactly the distinct
 * questions the run asked, once each, at the same concurrency: the floor any checker must pay.
 * Both sides start cold: each gets a freshly started zone server, and the bare client runs in its own process, so
 * neither inherits the other's JIT warm-up (the server's or the client's).
 * Usage: npm run bench:check -- [N]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_CHECKS, GATHERERS } from '../src/checks/registry.js';
import { runCheck, type CheckTarget } from '../src/commands/run-check.js';
import { createCachingResolver } from '../src/dns/caching-resolver.js';
import { createNetworkResolver } from '../src/dns/network-resolver.js';
import type { DnsResolver, RrType } from '../src/dns/types.js';

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 32;
const BARE_CLIENT_FLAG = '--bare-client';
const PROVIDERS = ['hebergeur', 'envoi-a', 'envoi-b', 'envoi-c'];

function writeZones(dir: string): void {
  const head = (origin: string): string =>
    `$TTL 3600\n@ SOA ns1.${origin}. hostmaster.${origin}. 1 7200 900 1209600 300\n@ NS ns1.${origin}.\n`;
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
  for (let i = 0; i < N; i++) {
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

function startServerProcess(dir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = fork(join(import.meta.dirname, 'zone-server-process.js'), [dir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (address: unknown) => {
      if (typeof address === 'string') resolve({ child, address });
      else reject(new Error('Zone server process sent no address'));
    });
    child.once('error', reject);
  });
}

/** Wall time and this process's CPU time (the zone server's excluded), in ms: on a shared machine, CPU tells load apart. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpuStart);
  return [value, Number(process.hrtime.bigint() - start) / 1e6, (cpu.user + cpu.system) / 1000];
}

/** The bare client: asks each question once through the same network resolver, at the checker's concurrency. */
async function askAll(address: string, questions: readonly [string, RrType][]): Promise<void> {
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
}

/** Runs the bare client in a child process of its own, cold like the check run, and returns its wall and CPU ms. */
function timeBareClient(address: string, questionsFile: string): Promise<{ wallMs: number; cpuMs: number }> {
  const child = fork(import.meta.filename, [BARE_CLIENT_FLAG, address, questionsFile], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: unknown) => {
      resolve(message as { wallMs: number; cpuMs: number });
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`Bare client process exited with code ${code ?? 'null'} before reporting`));
    });
  });
}

if (process.argv[2] === BARE_CLIENT_FLAG) {
  const [, , , address = '', questionsFile = ''] = process.argv;
  const questions = JSON.parse(readFileSync(questionsFile, 'utf8')) as [string, RrType][];
  const [, wallMs, cpuMs] = await timed(() => askAll(address, questions));
  process.send?.({ wallMs, cpuMs });
  process.disconnect();
} else {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-check-'));
  writeZones(dir);
  const servers: ChildProcess[] = [];
  try {
    const runServer = await startServerProcess(dir);
    servers.push(runServer.child);
    const targets: CheckTarget[] = Array.from({ length: N }, (_, i) => ({
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
    const asked = new Set<string>();
    const network = createNetworkResolver({ servers: [runServer.address], timeoutMs: 2000, retries: 2 });
    // Record beneath the cache: only the questions that reach the wire, so the bookkeeping does not slow every lookup.
    const recording: DnsResolver = {
      query: (name, type, options) => {
        asked.add(`${name.toLowerCase().replace(/\.$/, '')} ${type}`);
        return network.query(name, type, options);
      },
    };
    const cache = createCachingResolver(recording);
    const [report, runMs, runCpuMs] = await timed(() =>
      runCheck({
        targets,
        checks: ALL_CHECKS,
        gatherers: GATHERERS,
        resolver: cache,
        render: { lang: 'en', docs: (_id, check) => check.rfc },
        concurrency: CONCURRENCY,
      }),
    );
    const runStats = network.stats();
    await network.close();
    const rssMb = process.resourceUsage().maxRSS / 1024;

    const questions = [...asked].map((key) => key.split(' ') as [string, RrType]);
    const questionsFile = join(dir, 'questions.json');
    writeFileSync(questionsFile, JSON.stringify(questions));
    // A zone server that already answered the run would hand the bare client its JIT warm-up for free.
    const bareServer = await startServerProcess(dir);
    servers.push(bareServer.child);
    const bare = await timeBareClient(bareServer.address, questionsFile);

    console.log(`domains                 ${N}`);
    console.log(
      `check run               ${(runMs / 1000).toFixed(2)} s, ${((N * 1000) / runMs).toFixed(0)} domains/s, client CPU ${(runCpuMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `DNS queries per domain  ${(runStats.queries / N).toFixed(2)} (${runStats.queries} questions, ${runStats.packets} packets)`,
    );
    console.log(`distinct questions      ${questions.length}`);
    console.log(
      `bare client, same set   ${(bare.wallMs / 1000).toFixed(2)} s, client CPU ${(bare.cpuMs / 1000).toFixed(2)} s`,
    );
    console.log(`ratio run / bare        ${(runMs / bare.wallMs).toFixed(2)} (goal <= 1.5)`);
    console.log(`peak RSS                ${rssMb.toFixed(0)} MB (goal < 150)`);
    console.log(
      `findings                ${JSON.stringify(report.summary.findings)}, undecided ${report.summary.unknownChecks}`,
    );
  } finally {
    for (const server of servers) server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
