import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { facteur } from './helpers/facteur.js';
import { traced } from './helpers/verbose-trace.js';

/** 4,500 bytes of TXT in 250-byte strings: too big for a 1232-byte EDNS0 UDP reply, so it comes over TCP. */
const BIG_TXT = Array.from({ length: 18 }, (_, i) => `"${String(i).padStart(2, '0')}${'x'.repeat(248)}"`).join(' ');

describe('facteur check --verbose (built CLI against a real DNS server)', () => {
  let zoneDir: string;
  let zones: ZoneServer;

  beforeAll(async () => {
    zoneDir = mkdtempSync(join(tmpdir(), 'facteur-verbose-zones-'));
    writeFileSync(
      join(zoneDir, 'big.example.org.zone'),
      [
        '$ORIGIN big.example.org.',
        '$TTL 300',
        '@ IN SOA ns1 hostmaster ( 2026010101 7200 3600 1209600 300 )',
        '  IN NS ns1',
        'ns1 IN A 127.0.0.53',
        '@ IN MX 10 mail',
        'mail IN A 192.0.2.25',
        `@ IN TXT ${BIG_TXT}`,
        '',
      ].join('\n'),
    );
    // Its MX and its MTA-STS policy host are this machine: the probes run against ports 25 and 443 of 127.0.0.1.
    writeFileSync(
      join(zoneDir, 'probed.example.org.zone'),
      [
        '$ORIGIN probed.example.org.',
        '$TTL 300',
        '@ IN SOA ns1 hostmaster ( 2026010101 7200 3600 1209600 300 )',
        '  IN NS ns1',
        'ns1 IN A 127.0.0.53',
        '@ IN MX 10 mail',
        'mail IN A 127.0.0.1',
        '_mta-sts IN TXT "v=STSv1; id=20260101"',
        'mta-sts IN A 127.0.0.1',
        '',
      ].join('\n'),
    );
    zones = await startZoneServer({ directory: zoneDir });
  });

  afterAll(async () => {
    await zones.stop();
    rmSync(zoneDir, { recursive: true, force: true });
  });

  const args = (extra: string[]): string[] => [
    'check',
    'big.example.org',
    '--json',
    '--no-db',
    '--no-probes',
    '--resolver',
    zones.address,
    '--dnsbl',
    '',
    '--rhsbl',
    '',
    ...extra,
  ];

  it('check --verbose logs each DNS exchange on stderr, the TCP retry of a truncated reply too, and stdout stays one JSON document', async () => {
    const run = await facteur(args(['--verbose']));
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1 });
    const lines = traced(run.stderr, 'dns');
    expect(lines).toContainEqual(
      expect.stringMatching(/^facteur: dns big\.example\.org MX @127\.0\.0\.1:\d+ udp -> NOERROR answers=1 \d+ms$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^facteur: dns _dmarc\.big\.example\.org TXT @\S+ udp -> NXDOMAIN answers=0 \d+ms$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^facteur: dns big\.example\.org TXT @\S+ udp -> NOERROR answers=\d+ truncated \d+ms$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^facteur: dns big\.example\.org TXT @\S+ tcp -> NOERROR answers=1 \d+ms$/),
    );
    expect(run.stdout).not.toContain('facteur: dns');
  });

  it('check --verbose logs the STARTTLS probe of the MX and the MTA-STS policy fetch, each with its outcome', async () => {
    const args = ['check', 'probed.example.org', '--json', '--no-db', '--resolver', zones.address];
    args.push('--dnsbl', '', '--rhsbl', '');
    const run = await facteur([...args, '--verbose']);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1 });
    // Nothing is expected to listen on 127.0.0.1:25 and :443 (a refused connection); whatever does, the probes
    // end with their verdict line.
    expect(traced(run.stderr, 'smtp')).toContainEqual(
      expect.stringMatching(/^facteur: smtp mail\.probed\.example\.org @127\.0\.0\.1:25 -> \S+ .*\d+ms/),
    );
    expect(run.stderr.split('\n')).toContainEqual(
      expect.stringMatching(
        /^facteur: https GET https:\/\/mta-sts\.probed\.example\.org\/\.well-known\/mta-sts\.txt @127\.0\.0\.1:443 .*-> \S+ \d+ms/,
      ),
    );
    const quiet = await facteur(args);
    expect(quiet.stderr).not.toContain('facteur: smtp');
    expect(quiet.stderr).not.toContain('facteur: https');
  });

  it('check without --verbose writes no DNS line', async () => {
    const run = await facteur(args([]));
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1 });
    expect(run.stderr).not.toContain('facteur: dns');
  });

  it('check --verbose names a resolver that never answers and the timeout', async () => {
    const run = await facteur([
      'check',
      'big.example.org',
      '--json',
      '--no-db',
      '--no-probes',
      '--resolver',
      '127.0.0.1:9',
      '--timeout',
      '200',
      '--retries',
      '0',
      '--verbose',
    ]);
    expect(run.code).toBe(3);
    expect(traced(run.stderr, 'dns')).toContainEqual(
      expect.stringMatching(
        /^facteur: dns big\.example\.org MX @127\.0\.0\.1:9 udp -> timeout \d+ms: no reply from 127\.0\.0\.1:9 within 200 ms$/,
      ),
    );
  });
});
