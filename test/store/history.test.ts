import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
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
    expect(getRun(db, run)).toMatchObject({
      status: 'complete',
      options: { dnsbl: ['zen.example'] },
      findings: { error: 0, warning: 1, info: 1 },
    });
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
