import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachingResolver } from '../../src/dns/caching-resolver.js';
import { createNetworkResolver } from '../../src/dns/network-resolver.js';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { DEFAULT_DORMANT_CONFIG } from '../../src/dormant/dormant-config.js';
import { confirmedDeadDomains, probeScopeDomains } from '../../src/dormant/run-dormant.js';
import { openDatabase } from '../../src/store/database.js';
import { enqueueMessage, openCampaign } from '../../src/store/send-queue.js';
import type { DormantScope } from '../../src/store/dormant.js';
import { replaceMembers } from '../store/helpers.js';
import { facteur } from './helpers/facteur.js';

const HOUR = 3_600_000;
const LIST = 'info@lists.example.org';

const ZONE = `$ORIGIN dormant.test.
$TTL 300
@        IN SOA ns1 hostmaster ( 1 7200 3600 1209600 300 )
         IN NS  ns1
ns1      IN A   192.0.2.53
live     IN MX  10 mx.live
mx.live  IN A   192.0.2.25
implicit IN A   192.0.2.26
nullmx   IN MX  0 .
bare     IN TXT "v=spf1 -all"
`;

describe('facteur dormant: dead domains from a real DNS server, confirmed on two runs a day apart', () => {
  let dir: string;
  let server: ZoneServer;
  let dbFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-dns-'));
    await writeFile(join(dir, 'dormant.test.zone'), ZONE);
    server = await startZoneServer({ directory: dir });
    dbFile = join(dir, 'f.sqlite');
    const db = openDatabase(dbFile);
    const members = [
      'a@live.dormant.test',
      'b@implicit.dormant.test',
      'c@nullmx.dormant.test',
      'd@bare.dormant.test',
      'e@gone.dormant.test',
    ];
    replaceMembers(
      db,
      LIST,
      members.map((address) => ({
        list: LIST,
        address,
        gecos: null,
        subscribedAt: null,
        sympaBounce: null,
        sympaScore: null,
      })),
      Date.now(),
    );
    db.close();
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function probe(now: number, scope: DormantScope = { kind: 'list', list: LIST }, file = dbFile) {
    const network = createNetworkResolver({ servers: [server.address], timeoutMs: 1000, retries: 0 });
    const db = openDatabase(file);
    try {
      return await probeScopeDomains(db, scope, createCachingResolver(network), {
        now,
        concurrency: 4,
      });
    } finally {
      db.close();
      await network.close();
    }
  }

  it('probeScopeDomains() records bad domains but confirms none on the first night or twice the same night', async () => {
    const start = Date.now() - 30 * HOUR;
    expect(await probe(start)).toMatchObject({ domains: 5, bad: 3, unknown: [] });
    await probe(start + 6 * HOUR);
    const db = openDatabase(dbFile);
    expect([...confirmedDeadDomains(db, DEFAULT_DORMANT_CONFIG.deadDomainConfirmHours).keys()]).toEqual([]);
    db.close();
  });

  it('facteur dormant confirms them a day later and reports every member there with the observation dates', async () => {
    const { code, stdout } = await facteur([
      'dormant',
      '--db',
      dbFile,
      '--list',
      LIST,
      '--resolver',
      server.address,
      '--json',
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      schemaVersion: number;
      entries: {
        address: string;
        reasons: string[];
        evidence: { deadDomain: { status: string; observations: number } };
      }[];
    };
    expect(report.schemaVersion).toBe(1);
    expect(
      report.entries.map((entry) => [
        entry.address,
        entry.evidence.deadDomain.status,
        entry.evidence.deadDomain.observations,
      ]),
    ).toEqual([
      ['c@nullmx.dormant.test', 'null_mx', 3],
      ['d@bare.dormant.test', 'no_mail_host', 3],
      ['e@gone.dormant.test', 'nxdomain', 3],
    ]);
  });

  it('facteur dormant ends with its exit code when the reader of its output is gone (| head)', async () => {
    const args = ['dormant', '--db', dbFile, '--list', LIST, '--no-dns', '--format', 'csv'];
    const gone = await facteur(args, (child) => {
      child.stdout?.destroy();
    });
    expect(gone.stderr).toBe('');
    expect(gone.code).toBe((await facteur(args)).code);
  });

  it('facteur dormant --campaign names the queued recipients on a dead domain before anything is sent', async () => {
    const file = join(dir, 'campaign.sqlite');
    const db = openDatabase(file);
    const campaign = openCampaign(db, 'consultation', Date.now());
    for (const [i, email] of ['Anne@Live.dormant.test', 'Bob@Gone.dormant.test', 'carl@nullmx.dormant.test'].entries())
      enqueueMessage(db, campaign.id, { recipientId: i + 1, email, fields: {}, messageId: `<${i}@x>` }, Date.now());
    db.close();
    const scope = { kind: 'campaign', campaign: 'consultation' } as const;
    expect(await probe(Date.now() - 30 * HOUR, scope, file)).toMatchObject({ domains: 3, bad: 2, unknown: [] });
    const { code, stdout } = await facteur([
      'dormant',
      '--db',
      file,
      '--campaign',
      'consultation',
      '--resolver',
      server.address,
      '--format',
      'csv',
    ]);
    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(/^,consultation,bob@gone\.dormant\.test,dead_domain,/),
      expect.stringMatching(/^,consultation,carl@nullmx\.dormant\.test,dead_domain,/),
    ]);
  });

  it('facteur dormant exits 3 and condemns nothing when the DNS server refuses to answer', async () => {
    const other = join(dir, 'other.sqlite');
    const db = openDatabase(other);
    replaceMembers(
      db,
      LIST,
      [
        {
          list: LIST,
          address: 'x@elsewhere.example',
          gecos: null,
          subscribedAt: null,
          sympaBounce: null,
          sympaScore: null,
        },
      ],
      Date.now(),
    );
    db.close();
    const error = await facteur(['dormant', '--db', other, '--resolver', server.address, '--retries', '0']);
    expect(error.code).toBe(3);
    expect(error.stdout).toContain('No address to act on');
    expect(error.stderr).toContain('elsewhere.example');
  });

  it('facteur dormant --verbose logs each DNS question and its outcome on stderr, stdout one JSON document', async () => {
    const run = await facteur([
      'dormant',
      '--db',
      dbFile,
      '--list',
      LIST,
      '--resolver',
      server.address,
      '--json',
      '--verbose',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1 });
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('facteur: dns '));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^facteur: dns live\.dormant\.test MX @\S+ udp -> NOERROR answers=1 \d+ms$/),
        expect.stringMatching(/^facteur: dns gone\.dormant\.test MX @\S+ udp -> NXDOMAIN answers=0 \d+ms$/),
      ]),
    );
  });

  it('facteur dormant refuses a database that does not exist rather than start an empty one', async () => {
    const typo = join(dir, 'facteru.sqlite');
    for (const args of [[], ['forget', 'x@example.org'], ['apply', '--sympa', LIST, '--json']]) {
      const run = await facteur(['dormant', ...args, '--db', typo, '--lang', 'fr']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`Impossible d’ouvrir la base de données « ${typo} » : ce fichier n’existe pas`);
    }
    expect(existsSync(typo)).toBe(false);
  });
});
