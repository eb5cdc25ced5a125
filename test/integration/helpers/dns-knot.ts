import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetworkResolver } from '../../../src/dns/network-resolver.js';
import { loadZoneDirectory } from '../../../src/dns/zone-server.js';
import { startDaemon } from './daemon.js';

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
export async function freePort(host: string): Promise<number> {
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

/** Zones Knot signs with keys made beforehand (keymgr), and where those keys live. */
export interface KnotSigning {
  /** The zones to sign (without the final dot). */
  zones: string[];
  /** The directory of the KASP database the keys were generated in (see knotConfig). */
  kaspDir: string;
}

/**
 * Knot's configuration for the zones of `directory`, served on `host@port`: never writing back to the fixture files,
 * keeping no journal; the `signing` zones signed with ECDSA P-256 keys made in advance (a manual policy, so the DS a
 * test publishes in the parent zone matches what Knot signs with).
 */
export function knotConfig(options: {
  workdir: string;
  host: string;
  port: number;
  zones: { origin: string; file: string }[];
  signing?: KnotSigning;
}): string {
  const { workdir, signing } = options;
  const template = (id: string, extra: string[]) => [
    `  - id: ${id}`,
    `    storage: "${workdir}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    ...extra,
  ];
  return [
    'server:',
    `    rundir: "${workdir}"`,
    `    listen: ${options.host}@${options.port}`,
    'database:',
    `    storage: "${workdir}"`,
    ...(signing === undefined ? [] : [`    kasp-db: "${signing.kaspDir}"`]),
    'log:',
    '  - target: stderr',
    '    any: warning',
    ...(signing === undefined
      ? []
      : [
          'policy:',
          '  - id: manual',
          '    manual: on',
          '    single-type-signing: on',
          '    algorithm: ecdsap256sha256',
        ]),
    'template:',
    ...template('default', []),
    ...(signing === undefined ? [] : template('signed', ['    dnssec-signing: on', '    dnssec-policy: manual'])),
    'zone:',
    ...options.zones.flatMap((zone) => [
      `  - domain: "${zone.origin}."`,
      `    file: "${zone.file}"`,
      ...(signing?.zones.includes(zone.origin) === true ? ['    template: signed'] : []),
    ]),
    '',
  ].join('\n');
}

/**
 * Starts Knot DNS as a child process serving the zone files of `directory` (same naming as the zone server:
 * `<zone>.zone` or `db.<zone>`), from a generated configuration in a temporary directory; ready when every zone
 * answers its SOA (knotd loads zones after it starts listening).
 */
export async function startKnot(
  directory: string,
  options: { host?: string; signing?: KnotSigning } = {},
): Promise<KnotServer> {
  const host = options.host ?? '127.0.0.1';
  const zones = await loadZoneDirectory(directory);
  const workdir = await mkdtemp(join(tmpdir(), 'facteur-knot-'));
  const port = await freePort(host);
  const configFile = join(workdir, 'knot.conf');
  await writeFile(
    configFile,
    knotConfig({ workdir, host, port, zones, ...(options.signing === undefined ? {} : { signing: options.signing }) }),
  );
  const probe = createNetworkResolver({ servers: [`${host}:${port}`], timeoutMs: 300, retries: 0 });
  try {
    const daemon = await startDaemon({
      command: KNOTD,
      args: ['-c', configFile],
      workdir,
      name: 'knotd',
      isReady: async () => {
        const answers = await Promise.all(zones.map((zone) => probe.query(zone.origin, 'SOA')));
        return answers.every((fact) => fact.ok && fact.value.records.length > 0);
      },
    });
    return { host, port, address: `${host}:${port}`, stop: () => daemon.stop() };
  } finally {
    await probe.close();
  }
}
