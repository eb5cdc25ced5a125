import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetworkResolver } from '../../../src/dns/network-resolver.js';
import { loadZoneDirectory } from '../../../src/dns/zone-server.js';

export interface KnotServer {
  host: string;
  port: number;
  /** `host:port`, as `--resolver` takes it. */
  address: string;
  stop(): Promise<void>;
}

/** Where Debian's `knot` package puts the daemon; CI installs it, so its absence is a setup error, not a skip. */
export const KNOTD = ['/usr/sbin/knotd', '/usr/local/sbin/knotd'].find((path) => existsSync(path)) ?? 'knotd';

/** A port free on both UDP and TCP right now: knotd cannot bind port 0 and report it back. */
async function freePort(host: string): Promise<number> {
  for (;;) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, host, () => {
        resolve((tcp.address() as net.AddressInfo).port);
      });
    });
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => {
        resolve(false);
      });
      udp.bind(port, host, () => {
        resolve(true);
      });
    });
    await new Promise<void>((resolve) => {
      udp.close(() => {
        resolve();
      });
    });
    await new Promise<void>((resolve) =>
      tcp.close(() => {
        resolve();
      }),
    );
    if (udpFree) return port;
  }
}

/**
 * Starts Knot DNS as a child process serving the zone files of `directory` (same naming as the zone server:
 * `<zone>.zone` or `db.<zone>`), from a generated configuration in a temporary directory.
 */
export async function startKnot(directory: string, host = '127.0.0.1'): Promise<KnotServer> {
  const zones = await loadZoneDirectory(directory);
  const workdir = await mkdtemp(join(tmpdir(), 'facteur-knot-'));
  const port = await freePort(host);
  const config = [
    'server:',
    `    rundir: "${workdir}"`,
    `    listen: ${host}@${port}`,
    'database:',
    `    storage: "${workdir}"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${workdir}"`,
    // The zone files are fixtures: never write back to them, never keep a journal.
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
    ...zones.flatMap((zone) => [`  - domain: "${zone.origin}."`, `    file: "${zone.file}"`]),
    '',
  ].join('\n');
  const configFile = join(workdir, 'knot.conf');
  await writeFile(configFile, config);

  const child: ChildProcess = spawn(KNOTD, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
    child.once('error', (error) => {
      stderr += error.message;
      resolve(-1);
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(workdir, { recursive: true, force: true });
  };

  // Ready when every zone answers its SOA: knotd loads zones after it starts listening.
  const probe = createNetworkResolver({ servers: [`${host}:${port}`], timeoutMs: 300, retries: 0 });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`knotd exited early: ${stderr.trim()}`);
      const answers = await Promise.all(zones.map((zone) => probe.query(zone.origin, 'SOA')));
      if (answers.every((fact) => fact.ok && fact.value.records.length > 0)) break;
      if (Date.now() > deadline) throw new Error(`knotd did not serve its zones within 15 s: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await probe.close();
  }
  return { host, port, address: `${host}:${port}`, stop };
}
