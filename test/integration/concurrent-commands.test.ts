import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { observeDomain } from '../../src/dormant/domain-verdict.js';
import { openDatabase } from '../../src/store/database.js';
import { domainState, updateDomainStates } from '../../src/store/dormant.js';
import { beginRun, currentOwner, finishRun, recordDomainResults } from '../../src/store/history.js';
import {
  beginSendRun,
  dueMessages,
  enqueueBatch,
  finishSendRun,
  openCampaign,
  writeQueue,
} from '../../src/store/send-queue.js';
import { facteur } from './helpers/facteur.js';
import { replaceMembers } from '../store/helpers.js';
import { pauseAt, runAcross } from './helpers/pause-at.js';

/** A domain's result on a night: `club.org` with an SPF finding, or without one once fixed. */
function clubOrg(hasFinding: boolean): DomainResult {
  const finding = {
    id: 'spf.soft_fail_all',
    check: 'spf-record',
    severity: 'warning' as const,
    domain: 'club.org',
    subject: '',
    evidence: {},
    message: 'SPF ends with ~all',
    docs: 'https://www.rfc-editor.org/rfc/rfc7208#section-5.1',
  };
  return {
    domain: 'club.org',
    member: 'Club',
    checks: [
      { check: 'spf-record', status: hasFinding ? 'fail' : 'pass', findings: hasFinding ? [finding] : [], unknown: [] },
    ],
  };
}

/** Records a complete night into `path` from this process, as `facteur check` does from its own. */
function recordNight(path: string, date: string, hasFinding: boolean): void {
  const db = openDatabase(path);
  try {
    const runId = beginRun(db, {}, undefined, new Date(date));
    recordDomainResults(db, runId, [clubOrg(hasFinding)], new Date(date));
    finishRun(db, runId, { incomplete: false }, new Date(date));
  } finally {
    db.close();
  }
}

/** The query that finds the latest complete runs: `changes` and `report` ask it for the current run, then the baseline. */
const LATEST_COMPLETE = "FROM runs WHERE status = 'complete' ORDER BY started_at DESC";

describe('a reading command while a night’s check finishes on the same database', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-concurrent-'));
    path = join(dir, 'history.sqlite');
    recordNight(path, '2026-03-01T03:00:00Z', true);
    recordNight(path, '2026-03-02T03:00:00Z', false);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes compares the two runs it found, not the night that finished while it read', async () => {
    const result = await runAcross(['changes', '--db', path, '--json'], { sql: LATEST_COMPLETE, nth: 2 }, () => {
      recordNight(path, '2026-03-03T03:00:00Z', false);
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { previousRun: { id: number }; currentRun: { id: number } };
    expect([report.previousRun.id, report.currentRun.id]).toEqual([1, 2]);
    expect(report).toMatchObject({ summary: { resolved: 1 } });
  });

  it('report describes one run throughout: the one it names, against the one before it', async () => {
    const out = join(dir, 'reports');
    const result = await runAcross(
      ['report', '--all', '--format', 'json', '--out', out, '--db', path],
      { sql: LATEST_COMPLETE, nth: 2 },
      () => {
        recordNight(path, '2026-03-03T03:00:00Z', true);
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      run: { id: number };
      previousRun: { id: number };
      totals: { warning: number };
    };
    expect([summary.previousRun.id, summary.run.id]).toEqual([1, 2]);
    // Run 2 found nothing; run 3, recorded while the report read, found the SPF warning again.
    expect(summary.totals.warning).toBe(0);
  });
});

describe('two reports written into one directory at once (a cron job and an admin)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-concurrent-'));
    path = join(dir, 'history.sqlite');
    recordNight(path, '2026-03-01T03:00:00Z', true);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('each writes every file whole, neither taking the other’s half-written file for its own', async () => {
    const out = join(dir, 'reports');
    const args = ['report', '--all', '--format', 'json', '--out', out, '--db', path];
    // The first has written its summary beside its final name and is about to move it there when the second runs.
    const first = await runAcross(args, { fs: 'renameSync', nth: 1 }, async () => {
      expect(await facteur(args)).toMatchObject({ code: 0, stderr: '' });
    });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['member-club.json', 'summary.json']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ kind: 'summary' });
  });
});

describe('send status while the campaign’s run ends', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-concurrent-'));
    path = join(dir, 'queue.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells a run that is sending from one that died, whatever the run commits while status reads', async () => {
    // A run of this process has one message on the wire: its intent committed, its reply not yet.
    const db = openDatabase(path);
    const started = Date.now();
    const campaign = openCampaign(db, 'campaign', started);
    enqueueBatch(
      db,
      campaign.id,
      [{ recipientId: 2, email: 'ana@example.org', fields: {}, messageId: '<1@x>' }],
      started,
    );
    const runId = beginSendRun(db, campaign.id, currentOwner(), started);
    const [message] = dueMessages(db, campaign.id, started, { limit: 1, retryUncertain: false });
    writeQueue(db, [{ kind: 'sending', messageId: message!.id, now: started }]);
    try {
      const result = await runAcross(
        ['send', 'status', join(dir, 'campaign.json'), '--db', path, '--json'],
        { sql: 'FROM send_runs', nth: 1 },
        () => {
          // The server accepts it and the run ends, between status's count of the queue and its read of the run.
          const outcome = { state: 'sent', replyCode: 250, reply: '250 2.0.0 Ok' } as const;
          writeQueue(db, [{ kind: 'outcome', messageId: message!.id, outcome, now: Date.now() }]);
          finishSendRun(db, runId, Date.now());
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const status = JSON.parse(result.stdout) as { activity: string; inFlight: number; resumeCommand: string | null };
      expect(status).toMatchObject({ activity: 'running', inFlight: 1, resumeCommand: null });
    } finally {
      db.close();
    }
  });
});

describe('two dormant runs recording what DNS said of a domain at once (a cron job and an admin)', () => {
  const HOUR = 3_600_000;
  const LIST = 'info@lists.example.org';
  const ZONE = `$ORIGIN dormant.test.
$TTL 300
@        IN SOA ns1 hostmaster ( 1 7200 3600 1209600 300 )
         IN NS  ns1
ns1      IN A   192.0.2.53
mx       IN A   192.0.2.25
`;
  let dir: string;
  let path: string;
  /** One server where `back.dormant.test` does not exist yet, one where it has its MX again. */
  let gone: ZoneServer;
  let back: ZoneServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-concurrent-'));
    for (const [name, zone] of [
      ['gone', ZONE],
      ['back', `${ZONE}back     IN MX  10 mx\n`],
    ] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'dormant.test.zone'), zone);
    }
    gone = await startZoneServer({ directory: join(dir, 'gone') });
    back = await startZoneServer({ directory: join(dir, 'back') });
    path = join(dir, 'store.sqlite');
    const db = openDatabase(path);
    const member = { list: LIST, address: 'ana@back.dormant.test', gecos: null, subscribedAt: null };
    replaceMembers(db, LIST, [{ ...member, sympaBounce: null, sympaScore: null }], Date.now());
    // Yesterday's run found no such domain: one more bad answer a day later would confirm it dead.
    const yesterday = { domain: 'back.dormant.test', status: 'nxdomain', detail: null, failure: null } as const;
    updateDomainStates(db, [yesterday], (observation) => observeDomain(null, observation, Date.now() - 25 * HOUR));
    db.close();
  });
  afterEach(async () => {
    await gone.stop();
    await back.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds each run’s observation on the other’s, so that a domain seen working again is not confirmed dead', async () => {
    const dormant = (server: ZoneServer): string[] => [
      'dormant',
      '--db',
      path,
      '--list',
      LIST,
      '--resolver',
      server.address,
    ];
    // The first run got NXDOMAIN and is about to record it; the second, meanwhile, finds the domain working.
    const first = await runAcross(dormant(gone), { sql: 'INSERT OR REPLACE INTO mail_domains', nth: 1 }, async () => {
      const second = await facteur(dormant(back));
      expect(second).toMatchObject({ code: 0, stderr: '' });
    });
    expect(first.stderr).toBe('');
    // A bad answer after a good one starts a new run of bad answers: nothing to act on yet.
    expect(first.code).toBe(0);
    const db = openDatabase(path, { readonly: true });
    try {
      const state = domainState(db, 'back.dormant.test');
      expect(state?.badObservations).toBe(1);
      expect(state?.lastOkAt).not.toBeNull();
    } finally {
      db.close();
    }
  });
});

describe('a command that must write while a long write holds the database (a big dormant import)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-concurrent-'));
    path = join(dir, 'store.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up after the busy timeout naming the command holding it, exits 3, and records on the rerun', async () => {
    const members = join(import.meta.dirname, '../fixtures/sympa/export-bounce.txt');
    const importing = ['dormant', '--db', path, '--members', members, '--list', 'info@lists.example.org', '--no-dns'];
    const ack = ['ack', 'club.org', 'dmarc.policy_none', '--until', '2099-12-31', '--note', 'agreed', '--db', path];
    // The import of Sympa's bounce export stops inside the transaction that merges it in, holding the write lock as a
    // long one would.
    const pause = pauseAt({ sql: 'count(DISTINCT address) FROM temp.member_import', nth: 1 });
    try {
      const running = facteur(importing, undefined, { nodeArgs: pause.nodeArgs, env: pause.env });
      await pause.reached(running);
      const refused = await facteur(ack);
      expect(refused.code).toBe(3);
      const pid = Number(readFileSync(join(pause.env.FACTEUR_PAUSE_DIR!, 'paused'), 'utf8'));
      expect(refused.stderr).toBe(
        `facteur: Cannot use database "${path}": "facteur dormant" (pid ${pid}) kept it locked for more than 10 s: run again once it is done (SQLITE_BUSY)\n`,
      );
      pause.resume();
      // It ran fully: exit 1, since the members of a bounce export bounce, and some are to act on.
      expect(await running).toMatchObject({ code: 1, stderr: expect.stringContaining('imported') as unknown });
    } finally {
      pause.dispose();
    }
    // Nothing of the refused ack was kept, and the rerun records it.
    const list = async (): Promise<unknown> =>
      (JSON.parse((await facteur(['ack', '--list', '--json', '--db', path])).stdout) as { acks: unknown[] }).acks;
    expect(await list()).toEqual([]);
    expect(await facteur(ack)).toMatchObject({ code: 0, stderr: '' });
    expect(await list()).toMatchObject([{ domain: 'club.org', findingId: 'dmarc.policy_none' }]);
  });
});
