import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import { undecidedParts } from '../../src/checks/undecided.js';
import { computeChanges, parseSince, renderChangesText } from '../../src/cli/commands/changes.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import {
  beginRun,
  currentOwner,
  finishRun,
  getRun,
  latestCompleteRunBefore,
  latestCompleteRuns,
  loadRunFindings,
  recordDomainResults,
  runUncheckedDomains,
} from '../../src/store/history.js';

/** A pid that belonged to a process that has exited (a child we waited for). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const clubOrg: DomainResult = {
  domain: 'club.org',
  member: 'Club',
  checks: [
    { check: 'spf-record', status: 'pass', findings: [], unknown: [] },
    {
      check: 'dkim-key',
      status: 'fail',
      findings: [
        {
          id: 'dkim.key_weak',
          check: 'dkim-key',
          severity: 'warning',
          domain: 'club.org',
          subject: 'sel1',
          evidence: { bits: 1024 },
          message: 'DKIM key "sel1" is 1024 bits',
          docs: 'https://wiki.example/dkim.key_weak',
          suggestedRecord: 'sel1._domainkey.club.org. TXT "v=DKIM1; p=…"',
        },
      ],
      unknown: [{ subject: 'sel2', reason: 'timeout: no answer' }],
    },
    {
      check: 'dmarc-policy',
      status: 'pass',
      findings: [
        {
          id: 'dmarc.inherited',
          check: 'dmarc-policy',
          severity: 'info',
          domain: 'club.org',
          subject: '',
          evidence: { from: 'org' },
          message: 'DMARC policy inherited',
          docs: 'https://wiki.example/dmarc.inherited',
        },
      ],
      unknown: [],
    },
  ],
};

const asso: DomainResult = {
  domain: 'asso.fr',
  member: null,
  checks: [
    { check: 'spf-record', status: 'unknown', findings: [], unknown: [{ reason: 'servfail: SERVFAIL' }] },
    { check: 'dkim-key', status: 'pass', findings: [], unknown: [] },
    { check: 'dmarc-policy', status: 'pass', findings: [], unknown: [] },
  ],
};

/** Orders checks by name, as loadRunFindings() returns them. */
function normalised(result: DomainResult): DomainResult {
  return { ...result, checks: [...result.checks].sort((a, b) => a.check.localeCompare(b.check)) };
}

describe('history store', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-history-'));
    db = openDatabase(join(dir, 'h.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loadRunFindings() gives back what recordDomainResults() stored, statuses and unknown parts included', () => {
    const run = beginRun(db, { dnsbl: ['zen.example'] });
    recordDomainResults(db, run, [clubOrg]);
    recordDomainResults(db, run, [asso]);
    finishRun(db, run, { incomplete: false });
    expect(loadRunFindings(db, run)).toEqual([normalised(asso), normalised(clubOrg)]);
    // Only the two checks with unknown parts need a status row; the others are read from their findings.
    expect(db.prepare('SELECT count(*) FROM check_results').pluck().get()).toBe(2);
    expect(getRun(db, run)).toMatchObject({
      status: 'complete',
      options: { dnsbl: ['zen.example'] },
      findings: { error: 0, warning: 1, info: 1 },
    });
  });

  it('loadRunFindings() gives an undecided reason back in every language, and one an older facteur wrote as written', () => {
    const reasonText = {
      en: 'DNS TXT lookup of "sel2._domainkey.club.org" failed: timeout (no reply from 192.0.2.53:53 within 2000 ms)',
      fr: 'la requête DNS TXT de « sel2._domainkey.club.org » a échoué : délai dépassé (pas de réponse de 192.0.2.53:53 en 2000 ms)',
    };
    const timedOut: DomainResult = {
      domain: 'club.org',
      member: 'Club',
      checks: [
        {
          check: 'dkim-key',
          status: 'unknown',
          findings: [],
          unknown: [{ subject: 'sel2', cause: 'timeout', reason: reasonText.en, reasonText }],
        },
      ],
    };
    const run = beginRun(db, {});
    recordDomainResults(db, run, [timedOut, asso]);
    // asso.fr's row as facteur wrote it before it kept every language: the English reason alone.
    const older = '[{"cause":"servfail","reason":"DNS TXT lookup of \\"asso.fr\\" failed: servfail"}]';
    const rewritten = db
      .prepare(
        `UPDATE check_results SET unknown = ? WHERE run_id = ?
         AND domain_id = (SELECT id FROM domain_names WHERE name = 'asso.fr')`,
      )
      .run(older, run);
    expect(rewritten.changes).toBe(1);
    const loaded = loadRunFindings(db, run);
    const parts = (domain: string) =>
      undecidedParts(loaded.find((result) => result.domain === domain)?.checks ?? [], 'fr');
    expect(parts('club.org')).toEqual([
      { check: 'dkim-key', subject: 'sel2', cause: 'timeout', reason: reasonText.fr },
    ]);
    expect(parts('asso.fr')).toEqual([
      { check: 'spf-record', subject: null, cause: 'servfail', reason: 'DNS TXT lookup of "asso.fr" failed: servfail' },
    ]);
  });

  it('loadRunFindings() keeps a stored status that its findings alone would not give', () => {
    const odd: DomainResult = {
      domain: 'odd.org',
      member: null,
      checks: [{ check: 'dmarc-policy', status: 'fail', findings: [], unknown: [] }],
    };
    const run = beginRun(db, {});
    recordDomainResults(db, run, [odd]);
    expect(loadRunFindings(db, run)).toEqual([odd]);
  });

  it('recordDomainResults() replaces a domain recorded twice in one run (a resumed batch)', () => {
    const run = beginRun(db, {});
    recordDomainResults(db, run, [clubOrg]);
    const fixed: DomainResult = {
      ...clubOrg,
      checks: clubOrg.checks.map((check) => ({ ...check, status: 'pass', findings: [], unknown: [] })),
    };
    recordDomainResults(db, run, [fixed]);
    expect(loadRunFindings(db, run)).toEqual([normalised(fixed)]);
  });

  it('recordDomainResults() stores a finding payload found on many nights once', () => {
    for (let night = 0; night < 3; night++) {
      const run = beginRun(db, {});
      recordDomainResults(db, run, [clubOrg]);
      finishRun(db, run, { incomplete: false });
    }
    expect(db.prepare('SELECT count(*) FROM findings').pluck().get()).toBe(6);
    expect(db.prepare('SELECT count(*) FROM finding_details').pluck().get()).toBe(2);
  });

  it('latestCompleteRuns() ignores running and incomplete runs, newest first', () => {
    const first = beginRun(db, {}, currentOwner(), new Date('2026-11-20T02:00:00Z'));
    finishRun(db, first, { incomplete: false });
    const second = beginRun(db, {}, currentOwner(), new Date('2026-11-21T02:00:00Z'));
    finishRun(db, second, { incomplete: false });
    const broken = beginRun(db, {}, currentOwner(), new Date('2026-11-22T02:00:00Z'));
    finishRun(db, broken, { incomplete: true });
    beginRun(db, {}, currentOwner(), new Date('2026-11-23T02:00:00Z'));
    expect(latestCompleteRuns(db, 5).map((run) => run.id)).toEqual([second, first]);
    expect(latestCompleteRunBefore(db, new Date('2026-11-21T00:00:00Z'))?.id).toBe(first);
    expect(latestCompleteRunBefore(db, new Date('2026-11-20T00:00:00Z'))).toBeUndefined();
  });

  it('finishRun() records the domains a stopped run never started, in order, and runUncheckedDomains() reads them', () => {
    const stopped = beginRun(db, {});
    recordDomainResults(db, stopped, [clubOrg]);
    const unchecked = [
      { domain: 'theatre.example', member: 'Théâtre du Port' },
      { domain: 'atelier.example', member: null },
      { domain: 'club.org', member: 'Club' },
    ];
    finishRun(db, stopped, { incomplete: true, uncheckedDomains: unchecked });
    expect(runUncheckedDomains(db, stopped)).toEqual(unchecked);
    const complete = beginRun(db, {});
    finishRun(db, complete, { incomplete: false, uncheckedDomains: [] });
    expect(runUncheckedDomains(db, complete)).toEqual([]);
  });

  it('runUncheckedDomains() is null when the list is not known: no list given, a run still going, an unknown id', () => {
    const older = beginRun(db, {});
    finishRun(db, older, { incomplete: true });
    expect(runUncheckedDomains(db, older)).toBeNull();
    expect(runUncheckedDomains(db, beginRun(db, {}))).toBeNull();
    expect(runUncheckedDomains(db, 999)).toBeNull();
  });

  it('finishRun() writes nothing of the unchecked domains when the run is not its to finish', () => {
    const run = beginRun(db, {});
    finishRun(db, run, { incomplete: false, uncheckedDomains: [] });
    expect(() => {
      finishRun(db, run, { incomplete: true, uncheckedDomains: [{ domain: 'late.example', member: null }] });
    }).toThrow(/is complete, not running/);
    expect(runUncheckedDomains(db, run)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM run_unchecked_domains').pluck().get()).toBe(0);
  });

  it('beginRun() refuses while a run of a live process is still running (ELOCKED)', () => {
    const run = beginRun(db, {});
    expect(() => beginRun(db, {})).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    expect(() => beginRun(db, {})).toThrow(`run ${run} started at`);
    finishRun(db, run, { incomplete: false });
    expect(beginRun(db, {})).toBeGreaterThan(run);
  });

  it('beginRun() refuses from a second connection, the way a second facteur process would see it', () => {
    beginRun(db, {});
    const other = openDatabase(join(dir, 'h.sqlite'));
    try {
      expect(() => beginRun(other, {})).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    } finally {
      other.close();
    }
  });

  it('beginRun() takes over a run whose process died, marking it incomplete', () => {
    const owner = { pid: deadPid(), hostname: currentOwner().hostname };
    const dead = beginRun(db, {}, owner);
    recordDomainResults(db, dead, [clubOrg]);
    const next = beginRun(db, {});
    expect(getRun(db, dead)?.status).toBe('incomplete');
    expect(getRun(db, next)?.status).toBe('running');
    expect(() => {
      recordDomainResults(db, dead, [asso]);
    }).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    expect(() => {
      finishRun(db, dead, { incomplete: false });
    }).toThrow(/not running/);
  });

  it('beginRun() takes over a run whose pid a process started since has (a reboot cut the run short)', () => {
    const other = spawn('sleep', ['30']);
    try {
      const owner = { pid: other.pid ?? 0, hostname: currentOwner().hostname };
      const cut = beginRun(db, {}, owner, new Date(Date.now() - 3_600_000));
      expect(getRun(db, cut)?.status).toBe('incomplete');
      const next = beginRun(db, {});
      expect(getRun(db, cut)?.status).toBe('incomplete');
      expect(getRun(db, next)?.status).toBe('running');
    } finally {
      other.kill();
    }
  });

  it('getRun() reads a run whose process died as incomplete, before any run takes it over', () => {
    const dead = beginRun(db, {}, { pid: deadPid(), hostname: currentOwner().hostname });
    expect(getRun(db, dead)?.status).toBe('incomplete');
    const alive = beginRun(db, {});
    expect(getRun(db, alive)?.status).toBe('running');
  });

  it('beginRun() waits out a run on another host until it has been silent for half an hour', () => {
    const remote = { pid: 1, hostname: 'other-host.example' };
    const started = new Date('2026-11-23T02:00:00Z');
    const run = beginRun(db, {}, remote, started);
    expect(() => beginRun(db, {}, currentOwner(), new Date('2026-11-23T02:10:00Z'))).toThrow(/other-host\.example/);
    beginRun(db, {}, currentOwner(), new Date('2026-11-23T02:31:00Z'));
    expect(getRun(db, run)?.status).toBe('incomplete');
  });

  it('recordDomainResults() rejects an unknown run id', () => {
    expect(() => {
      recordDomainResults(db, 42, [clubOrg]);
    }).toThrow('Cannot record into run 42: no such run');
  });
});

describe('computeChanges()', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-changes-'));
    path = join(dir, 'h.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Records one complete (or incomplete) night with these domain results. */
  function night(results: DomainResult[], date: string, incomplete = false): number {
    const db = openDatabase(path);
    try {
      const run = beginRun(db, {}, currentOwner(), new Date(date));
      recordDomainResults(db, run, results);
      finishRun(db, run, { incomplete });
      return run;
    } finally {
      db.close();
    }
  }

  const spfMissing: DomainResult = {
    ...asso,
    checks: asso.checks.map((check) =>
      check.check === 'spf-record'
        ? {
            check: 'spf-record',
            status: 'fail',
            unknown: [],
            findings: [
              {
                id: 'spf.missing',
                check: 'spf-record',
                severity: 'error',
                domain: 'asso.fr',
                subject: '',
                evidence: {},
                message: 'No SPF record',
                docs: 'https://wiki.example/spf.missing',
              },
            ],
          }
        : check,
    ),
  };

  it('computeChanges() compares the last two complete runs and ignores an incomplete one after them', () => {
    night(
      [clubOrg, { ...asso, checks: asso.checks.map((c) => ({ ...c, status: 'pass', unknown: [] })) }],
      '2026-11-21T02:00:00Z',
    );
    const second = night([clubOrg, spfMissing], '2026-11-22T02:00:00Z');
    const broken = night([clubOrg, asso], '2026-11-23T02:00:00Z', true);
    const report = computeChanges({ db: path });
    expect(report.currentRun?.id).toBe(second);
    expect(report.ignoredRun).toMatchObject({ id: broken, status: 'incomplete' });
    expect(report.hasRegression).toBe(true);
    expect(report.domains.map((d) => [d.domain, d.new.map((f) => f.id)])).toEqual([['asso.fr', ['spf.missing']]]);
    const text = renderChangesText(report, 'fr');
    expect(text).toContain('NOUVEAU ERREUR spf.missing\u00a0: No SPF record');
    expect(text).toMatch(
      /^Changements entre le passage \d+ \(2026-11-21 02:00 UTC\) et le passage \d+ \(2026-11-22 02:00 UTC\)\n/,
    );
  });

  it('computeChanges() carries a finding over a night its check was unknown, so nothing regressed', () => {
    night([clubOrg, spfMissing], '2026-11-21T02:00:00Z');
    night([clubOrg, asso], '2026-11-22T02:00:00Z');
    const report = computeChanges({ db: path });
    expect(report.hasRegression).toBe(false);
    expect(report.summary).toMatchObject({ new: 0, resolved: 0, carried: 1 });
  });

  it('computeChanges() fills a DNS failure night from the night before: a problem appearing after it is new', () => {
    const clean: DomainResult = { ...asso, checks: asso.checks.map((c) => ({ ...c, status: 'pass', unknown: [] })) };
    night([clean], '2026-11-20T02:00:00Z');
    night([asso], '2026-11-21T02:00:00Z');
    night([spfMissing], '2026-11-22T02:00:00Z');
    expect(computeChanges({ db: path }).summary).toMatchObject({ new: 1, carried: 0 });
  });

  it('computeChanges() compares with a given run or with the state as of a date', () => {
    const first = night([clubOrg, spfMissing], '2026-11-20T02:00:00Z');
    night([clubOrg, spfMissing], '2026-11-21T02:00:00Z');
    night([clubOrg], '2026-11-22T02:00:00Z');
    expect(computeChanges({ db: path, since: { runId: first } }).previousRun?.id).toBe(first);
    expect(computeChanges({ db: path, since: { date: new Date('2026-11-21') } }).previousRun?.id).toBe(first);
    expect(computeChanges({ db: path, since: parseSince(String(first)) }).removedDomains).toEqual([
      { domain: 'asso.fr', member: null },
    ]);
  });

  it('computeChanges() refuses an incomplete baseline, a missing run and a missing file', () => {
    const broken = night([clubOrg], '2026-11-20T02:00:00Z', true);
    night([clubOrg], '2026-11-21T02:00:00Z');
    expect(() => computeChanges({ db: path, since: { runId: broken } })).toThrow(
      `Cannot compare with run ${broken}: it is incomplete, not complete`,
    );
    expect(() => computeChanges({ db: path, since: { runId: 99 } })).toThrow('no such run');
    expect(() => computeChanges({ db: join(dir, 'none.sqlite') })).toThrow(expect.objectContaining({ code: 'EINPUT' }));
  });

  it('computeChanges() refuses to compare the latest run with itself, by its id or a later date', () => {
    night([clubOrg, spfMissing], '2026-11-21T02:00:00Z');
    const latest = night([clubOrg], '2026-11-22T02:00:00Z');
    const itself = `Cannot compare run ${latest} with itself: it is the latest complete run`;
    expect(() => computeChanges({ db: path, since: { runId: latest } })).toThrow(itself);
    expect(() => computeChanges({ db: path, since: { date: new Date('2099-01-01') } })).toThrow(itself);
  });

  it('computeChanges() has nothing to compare after a single run, and says so', () => {
    night([clubOrg], '2026-11-21T02:00:00Z');
    const report = computeChanges({ db: path });
    expect(report).toMatchObject({ schemaVersion: 1, previousRun: null, ignoredRun: null, hasRegression: false });
    expect(renderChangesText(report, 'en')).toMatch(/^Nothing to compare yet: the database holds 1 complete run/);
  });

  it('parseSince() reads run ids and dates and rejects anything else', () => {
    expect(parseSince('12')).toEqual({ runId: 12 });
    expect(parseSince('2026-11-22')).toEqual({ date: new Date('2026-11-22T00:00:00Z') });
    expect(() => parseSince('yesterday')).toThrow('expected a run id or a date');
  });
});
