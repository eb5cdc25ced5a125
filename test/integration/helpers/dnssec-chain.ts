import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetworkResolver } from '../../../src/dns/network-resolver.js';
import { startDaemon } from './daemon.js';
import { freePort, knotConfig, startKnot } from './dns-knot.js';

/** Debian's `knot` package brings keymgr, `unbound` the resolver; CI installs both. */
const KEYMGR = ['/usr/sbin/keymgr', '/usr/local/sbin/keymgr'].find((path) => existsSync(path)) ?? 'keymgr';
const UNBOUND = ['/usr/sbin/unbound', '/usr/local/sbin/unbound'].find((path) => existsSync(path)) ?? 'unbound';

/** The parent zone, signed, whose DS the resolver trusts as an anchor. */
const PARENT = 'test';

/**
 * Its children: `good` signed with the DS its key gives, `broken` signed but with a DS whose digest matches no key
 * (a rollover that never reached the registrar), `stale` not signed but with a DS left in the parent (a move to a
 * DNS host that does not sign), `plain` not signed and without DS. Each has an MX with a TLSA record.
 */
export const CHAIN_DOMAINS = { good: 'good.test', broken: 'broken.test', stale: 'stale.test', plain: 'plain.test' };

export interface ValidatingChain {
  /** `host:port` of the validating resolver (Unbound), as `--resolver` takes it. */
  resolver: string;
  stop(): Promise<void>;
}

function childZone(origin: string): string {
  return [
    `$ORIGIN ${origin}.`,
    '$TTL 300',
    `@ SOA ns.${PARENT}. hostmaster.${PARENT}. 1 7200 900 1209600 300`,
    `@ NS ns.${PARENT}.`,
    '@ MX 10 mx',
    'mx A 192.0.2.25',
    `_25._tcp.mx TLSA 3 1 1 ${'01'.repeat(32)}`,
    '',
  ].join('\n');
}

/**
 * Knot serving a signed `test.` zone and its children, and Unbound validating them from a trust anchor on `test.`:
 * the DNSSEC failures of real life, answered the way a hoster's own validating resolver answers them.
 */
export async function startValidatingChain(host = '127.0.0.1'): Promise<ValidatingChain> {
  const workdir = await mkdtemp(join(tmpdir(), 'facteur-dnssec-'));
  const zonesDir = join(workdir, 'zones');
  const kaspDir = join(workdir, 'kasp');
  await mkdir(zonesDir);
  await mkdir(kaspDir);
  const signed = [PARENT, CHAIN_DOMAINS.good, CHAIN_DOMAINS.broken];
  const signing = { zones: signed, kaspDir };
  // keymgr reads the KASP database and the policy from a Knot configuration naming the zones; no knotd reads it.
  const keysConfig = join(workdir, 'keys.conf');
  await writeFile(
    keysConfig,
    knotConfig({ workdir, host, port: 53, zones: signed.map((origin) => ({ origin, file: '/dev/null' })), signing }),
  );
  const dsOf = (zone: string): string => {
    execFileSync(KEYMGR, ['-c', keysConfig, zone, 'generate', 'ksk=yes', 'zsk=yes', 'algorithm=ecdsap256sha256']);
    const line = execFileSync(KEYMGR, ['-c', keysConfig, zone, 'ds'], { encoding: 'utf8' })
      .split('\n')
      .find((entry) => / DS \d+ 13 2 /.test(entry));
    if (line === undefined) throw new Error(`keymgr gave no SHA-256 DS for ${zone}`);
    return line.trim();
  };
  const anchor = dsOf(PARENT);
  // keymgr writes "<zone>. DS <tag> <algorithm> <digest type> <digest>": a zone file line as it is.
  const goodDs = dsOf(CHAIN_DOMAINS.good);
  const brokenTag = dsOf(CHAIN_DOMAINS.broken).split(/\s+/)[2] ?? '';
  const delegation = (child: string) => [`${child}. NS ns.${PARENT}.`];
  await writeFile(
    join(zonesDir, `${PARENT}.zone`),
    [
      `$ORIGIN ${PARENT}.`,
      '$TTL 300',
      '@ SOA ns hostmaster 1 7200 900 1209600 300',
      '@ NS ns',
      `ns A ${host}`,
      ...Object.values(CHAIN_DOMAINS).flatMap(delegation),
      goodDs,
      `${CHAIN_DOMAINS.broken}. DS ${brokenTag} 13 2 ${'ab'.repeat(32)}`,
      `${CHAIN_DOMAINS.stale}. DS 4242 13 2 ${'cd'.repeat(32)}`,
      '',
    ].join('\n'),
  );
  for (const child of Object.values(CHAIN_DOMAINS)) await writeFile(join(zonesDir, `${child}.zone`), childZone(child));

  const knot = await startKnot(zonesDir, { host, signing });
  const port = await freePort(host);
  const unboundConfig = join(workdir, 'unbound.conf');
  await writeFile(
    unboundConfig,
    [
      'server:',
      `    interface: ${host}`,
      `    port: ${port}`,
      '    do-daemonize: no',
      '    use-syslog: no',
      '    logfile: ""',
      '    verbosity: 0',
      '    username: ""',
      '    chroot: ""',
      `    directory: "${workdir}"`,
      `    pidfile: "${join(workdir, 'unbound.pid')}"`,
      // The authoritative server is on the loopback, and test. is a special-use name Unbound answers itself.
      '    do-not-query-localhost: no',
      `    local-zone: "${PARENT}." nodefault`,
      '    module-config: "validator iterator"',
      `    trust-anchor: "${anchor}"`,
      'stub-zone:',
      `    name: "${PARENT}."`,
      `    stub-addr: ${knot.host}@${knot.port}`,
      '',
    ].join('\n'),
  );
  const probe = createNetworkResolver({ servers: [`${host}:${port}`], timeoutMs: 300, retries: 0 });
  try {
    const unbound = await startDaemon({
      command: UNBOUND,
      args: ['-d', '-c', unboundConfig],
      workdir: join(workdir, 'unbound-run'),
      name: 'unbound',
      isReady: async () => {
        const fact = await probe.query(CHAIN_DOMAINS.good, 'SOA');
        return fact.ok && fact.value.authenticated;
      },
    });
    return {
      resolver: `${host}:${port}`,
      stop: async () => {
        await unbound.stop();
        await knot.stop();
        await rm(workdir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await knot.stop();
    await rm(workdir, { recursive: true, force: true });
    throw error;
  } finally {
    await probe.close();
  }
}
