import { type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createZoneResponder, loadZoneDirectory } from '../../src/dns/zone-server.js';
import { openDatabase } from '../../src/store/database.js';
import { facteur, type CliResult } from './helpers/facteur.js';

const ROOT = join(import.meta.dirname, '../..');
const MEMBERS = join(ROOT, 'examples/members.csv');

/**
 * examples/members.csv in its order, checked one at a time (--concurrency 1): asso-velo and mairie-exemple are done
 * when club-photo, held, is in flight; theatre and atelier never start.
 */
const HELD = 'club-photo.example';

/**
 * The example zones served over UDP as the zone server serves them, except that while held no question about HELD is
 * answered: that domain stays in flight for as long as the run waits.
 */
interface HoldingServer {
  address: string;
  /** Stops answering questions about HELD; settles at the first of them, when the domain is in flight. */
  hold(): Promise<void>;
  release(): void;
  stop(): Promise<void>;
}

async function startHoldingServer(): Promise<HoldingServer> {
  const respond = createZoneResponder(await loadZoneDirectory(join(ROOT, 'examples/zones')));
  const socket = dgram.createSocket('udp4');
  let onHeld: (() => void) | null = null;
  socket.on('message', (message, remote) => {
    const query: DecodedPacket = dnsPacket.decode(message);
    const name = query.questions?.[0]?.name.toLowerCase() ?? '';
    if (onHeld !== null && (name === HELD || name.endsWith(`.${HELD}`))) {
      onHeld();
      return;
    }
    void respond(query).then((response) => {
      socket.send(dnsPacket.encode(response), remote.port, remote.address);
    });
  });
  await new Promise<void>((resolve) => {
    socket.bind(0, '127.0.0.1', () => {
      resolve();
    });
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    hold: () =>
      new Promise((resolve) => {
        onHeld = resolve;
      }),
    release: () => {
      onHeld = null;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      }),
  };
}

interface JsonReport {
  interrupted: boolean;
  domains: { domain: string; checks: { status: string; findings: unknown[]; unknown: { cause?: string }[] }[] }[];
  uncheckedDomains: { domain: string; member: string | null }[];
  summary: { domains: number };
}

/** Waits until `text` is on the child's stderr, or until it ends (the assertions then say what went wrong). */
function stderrSays(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer | string) => {
      seen += String(chunk);
      if (seen.includes(text)) resolve();
    });
    child.on('close', () => {
      resolve();
    });
  });
}

describe('facteur check stopped by Ctrl-C or SIGTERM (CLI against a real DNS server)', () => {
  let dns: HoldingServer;
  let dir: string;

  /** A nightly check of the example members, one domain at a time, waiting long for each DNS answer. */
  const check = (args: string[], whileRunning?: (child: ChildProcess) => void): Promise<CliResult> =>
    facteur(
      [
        'check',
        '--members',
        MEMBERS,
        '--resolver',
        dns.address,
        '--timeout',
        '60000',
        '--retries',
        '0',
        '--concurrency',
        '1',
        '--no-probes',
        '--dnsbl',
        '',
        '--rhsbl',
        '',
        ...args,
      ],
      whileRunning,
    );

  /** Holds HELD, and sends `signal` to the run once that domain is in flight. */
  const stopWhenHeld = (signal: NodeJS.Signals): ((child: ChildProcess) => void) => {
    const held = dns.hold();
    return (child) => {
      void held.then(() => child.kill(signal));
    };
  };

  beforeAll(async () => {
    dns = await startHoldingServer();
    dir = mkdtempSync(join(tmpdir(), 'facteur-check-interrupt-'));
  });

  afterEach(() => {
    dns.release();
  });

  afterAll(async () => {
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGINT, says so, reports the domains checked and those not, exits 130, and records an incomplete night that changes skips', async () => {
    const db = join(dir, 'sigint.sqlite');
    for (let night = 1; night <= 2; night++) expect((await check(['--json', '--db', db])).code).toBe(1);

    const stopped = await check(['--json', '--db', db], stopWhenHeld('SIGINT'));
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toBe(
      'facteur: SIGINT received, stopping: 2 of 5 domains checked, 1 in progress (given 5 s to finish), 2 not started; a second Ctrl-C or SIGTERM stops at once\n',
    );
    const checked = JSON.parse(stopped.stdout) as JsonReport;
    expect(checked.interrupted).toBe(true);
    expect(checked.domains.map((result) => result.domain)).toEqual([
      'asso-velo.example',
      'mairie-exemple.example',
      HELD,
    ]);
    expect(checked.uncheckedDomains).toEqual([
      { domain: 'theatre.example', member: 'Théâtre du Port' },
      { domain: 'atelier.example', member: "L'Atelier" },
    ]);
    // The domain in flight: what its server never answered is undecided because the run stopped, never a finding.
    const held = checked.domains[2]?.checks ?? [];
    const undecided = held.filter((result) => result.status === 'unknown');
    expect(undecided.length).toBeGreaterThan(0);
    expect(undecided.flatMap((result) => result.findings)).toEqual([]);
    expect(new Set(held.flatMap((result) => result.unknown.map((part) => part.cause)))).toEqual(
      new Set(['interrupted']),
    );

    // Recorded as incomplete by the run itself, with the domains it checked, not left running for the next to mark.
    const store = openDatabase(db);
    try {
      expect(store.prepare('SELECT status FROM runs ORDER BY id').pluck().all()).toEqual([
        'complete',
        'complete',
        'incomplete',
      ]);
      expect(store.prepare('SELECT count(*) FROM run_domains WHERE run_id = 3').pluck().get()).toBe(3);
      // And the domains it never started, in the members file's order; the complete nights left none.
      expect(store.prepare('SELECT unchecked_domains FROM runs ORDER BY id').pluck().all()).toEqual([0, 0, 2]);
      expect(
        store
          .prepare(
            `SELECT d.name FROM run_unchecked_domains u JOIN domain_names d ON d.id = u.domain_id
             WHERE u.run_id = 3 ORDER BY u.position`,
          )
          .pluck()
          .all(),
      ).toEqual(['theatre.example', 'atelier.example']);
    } finally {
      store.close();
    }

    // changes compares the last two complete nights and says the stopped one was skipped: the domains it did not
    // check are not read as fixed or gone.
    const changes = await facteur(['changes', '--db', db, '--json']);
    expect(changes.code).toBe(0);
    expect(JSON.parse(changes.stdout)).toMatchObject({
      previousRun: { id: 1 },
      currentRun: { id: 2 },
      ignoredRun: {
        id: 3,
        status: 'incomplete',
        uncheckedDomains: [
          { domain: 'theatre.example', member: 'Théâtre du Port' },
          { domain: 'atelier.example', member: "L'Atelier" },
        ],
      },
      removedDomains: [],
      summary: { new: 0, resolved: 0 },
    });
    expect(changes.stderr).toMatch(
      /^facteur: Warning: run 3 started at .* is incomplete and was ignored\nfacteur: It was stopped before checking 2 domains: theatre\.example \(Théâtre du Port\), atelier\.example \(L'Atelier\)\n$/,
    );
    const changesFr = await facteur(['changes', '--db', db, '--lang', 'fr']);
    expect(changesFr.stderr).toContain(
      "facteur : Il a été arrêté avant de vérifier 2 domaines : theatre.example (Théâtre du Port), atelier.example (L'Atelier)\n",
    );

    // report, which describes the last complete night, says the same of the stopped one.
    const report = await facteur(['report', '--db', db, '--all', '--out', join(dir, 'sigint-report'), '--json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({
      run: { id: 2 },
      ignoredRun: { id: 3, uncheckedDomains: [{ domain: 'theatre.example' }, { domain: 'atelier.example' }] },
    });
    expect(report.stderr).toContain(
      "facteur: It was stopped before checking 2 domains: theatre.example (Théâtre du Port), atelier.example (L'Atelier)\n",
    );

    // The next night compares with the last complete one.
    dns.release();
    expect((await check(['--json', '--db', db])).code).toBe(1);
    const next = await facteur(['changes', '--db', db, '--json']);
    expect(JSON.parse(next.stdout)).toMatchObject({
      previousRun: { id: 2 },
      currentRun: { id: 4 },
      ignoredRun: null,
      removedDomains: [],
      summary: { new: 0, resolved: 0 },
    });
  });

  it('on SIGTERM (systemctl stop), says so in French, names the domains not checked in the text report, and exits 130', async () => {
    const stopped = await check(['--lang', 'fr'], stopWhenHeld('SIGTERM'));
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toBe(
      'facteur : SIGTERM reçu, arrêt en cours : 2 domaines vérifiés sur 5, 1 en cours (délai de 5 s pour finir), 2 non commencés ; un second Ctrl-C ou SIGTERM arrête tout de suite\n',
    );
    expect(stopped.stdout).toContain(
      [
        'INTERROMPU : le passage a été arrêté avant de vérifier 2 domaines',
        '  theatre.example (Théâtre du Port)',
        "  atelier.example (L'Atelier)",
        '3 domaines : ',
      ].join('\n'),
    );
    expect(stopped.stdout).toContain('le passage a été arrêté (Ctrl-C ou SIGTERM) avant que la réponse arrive');
  });

  it('stops at once on a second signal, leaving the night to the dead-run rule', async () => {
    const db = join(dir, 'twice.sqlite');
    const held = dns.hold();
    const killed = await check(['--json', '--db', db], (child) => {
      void held.then(async () => {
        const noticed = stderrSays(child, 'stopping');
        child.kill('SIGINT');
        await noticed;
        child.kill('SIGTERM');
      });
    });
    expect(killed.stderr).toContain('facteur: SIGINT received, stopping: 2 of 5 domains checked');
    expect(killed).toMatchObject({ code: null, signal: 'SIGTERM', stdout: '' });
    const changes = await facteur(['changes', '--db', db, '--json']);
    // Killed before it could record anything more: which domains it never checked is not known, and not made up.
    expect(JSON.parse(changes.stdout)).toMatchObject({
      currentRun: null,
      ignoredRun: { id: 1, status: 'incomplete', uncheckedDomains: null },
    });
    expect(changes.stderr).not.toContain('stopped before checking');
  });
});
