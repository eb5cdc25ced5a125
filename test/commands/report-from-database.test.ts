import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import type { Finding } from '../../src/checks/types.js';
import { computeChanges, renderChangesText } from '../../src/cli/commands/changes.js';
import { resolveMember, writeReports } from '../../src/cli/commands/report.js';
import { saveAck } from '../../src/store/acks.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import {
  beginRun,
  completeRunCounts,
  currentOwner,
  finishRun,
  loadRunFindings,
  recordDomainResults,
  runMembers,
} from '../../src/store/history.js';

function finding(domain: string, id: string, check: string, severity: Finding['severity'] = 'error'): Finding {
  return {
    id,
    check,
    severity,
    domain,
    subject: '',
    evidence: {},
    message: `${id} on ${domain}`,
    docs: `https://wiki.example/${id}`,
  };
}

function result(domain: string, member: string | null, findings: Finding[]): DomainResult {
  return {
    domain,
    member,
    checks: ['dmarc-record', 'spf-all'].map((check) => {
      const own = findings.filter((entry) => entry.check === check);
      return { check, status: own.length > 0 ? 'fail' : 'pass', findings: own, unknown: [] };
    }),
  };
}

function recordNight(db: Db, day: number, results: DomainResult[], incomplete = false): number {
  const startedAt = new Date(Date.UTC(2026, 10, day, 2));
  const run = beginRun(db, {}, currentOwner(), startedAt);
  recordDomainResults(db, run, results, startedAt);
  finishRun(db, run, { incomplete }, startedAt);
  return run;
}

describe('reports from a history database', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-report-db-'));
    path = join(dir, 'history.sqlite');
    const db = openDatabase(path);
    recordNight(db, 21, [
      result('a.org', 'Alice', []),
      result('b.org', 'Bob', [finding('b.org', 'spf.all_softfail', 'spf-all', 'warning')]),
    ]);
    recordNight(db, 22, [
      result('a.org', 'Alice', [finding('a.org', 'dmarc.missing', 'dmarc-record')]),
      result('b.org', 'Bob', [finding('b.org', 'spf.all_softfail', 'spf-all', 'warning')]),
      result('c.org', 'Bob', []),
      result('d.org', null, []),
    ]);
    // A killed night: neither the report nor the plot reads it.
    recordNight(db, 23, [result('a.org', 'Alice', [])], true);
    db.close();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loadRunFindings() with a member loads only that member’s domains and findings', () => {
    const db = openDatabase(path, { readonly: true });
    try {
      const bob = loadRunFindings(db, 2, { member: 'Bob' });
      expect(bob.map((domain) => domain.domain)).toEqual(['b.org', 'c.org']);
      expect(bob.flatMap((domain) => domain.checks.flatMap((check) => check.findings.map((f) => f.id)))).toEqual([
        'spf.all_softfail',
      ]);
      expect(loadRunFindings(db, 2, { member: 'Nobody' })).toEqual([]);
      expect(runMembers(db, 2)).toEqual([
        { member: 'Alice', domains: 1 },
        { member: 'Bob', domains: 2 },
      ]);
    } finally {
      db.close();
    }
  });

  it('completeRunCounts() gives the complete runs oldest first with their counts', () => {
    const db = openDatabase(path, { readonly: true });
    try {
      expect(completeRunCounts(db, 10).map((run) => [run.runId, run.findings])).toEqual([
        [1, { error: 0, warning: 1, info: 0 }],
        [2, { error: 1, warning: 1, info: 0 }],
      ]);
      expect(completeRunCounts(db, 1).map((run) => run.runId)).toEqual([2]);
    } finally {
      db.close();
    }
  });

  it('writeReports() --all writes the summary and one safely named file per member', () => {
    const out = join(dir, 'out');
    const outcome = writeReports({ db: path, scope: { all: true }, format: 'markdown', lang: 'en', out });
    expect(outcome.run.id).toBe(2);
    expect(outcome.ignoredRun).toMatchObject({ id: 3, status: 'incomplete' });
    expect(readdirSync(out).sort()).toEqual(['member-alice.md', 'member-bob.md', 'summary.md']);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('4 domains of 2 members: 1 error, 1 warning');
    expect(summary).toContain('**New** Error a\\.org `dmarc.missing`');
    expect(readFileSync(join(out, 'member-bob.md'), 'utf8')).not.toContain('a\\.org');
  });

  it('writeReports() finds a member ignoring case and reports an unknown one with suggestions', () => {
    const outcome = writeReports({ db: path, scope: { member: 'alice' }, format: 'text', lang: 'fr', now: new Date() });
    expect(outcome.content).toContain('Bilan de santé du courrier : Alice');
    expect(outcome.content).toContain('Nouveau Erreur a.org dmarc.missing');
    expect(() => writeReports({ db: path, scope: { member: 'Bo' }, format: 'text', lang: 'en' })).toThrow(
      /no such member; did you mean "Bob"/,
    );
    expect(() => writeReports({ db: path, scope: { all: true }, format: 'text', lang: 'en' })).toThrow(/--out/);
  });

  it('resolveMember() takes a name typed without its accents or capitals, and suggests from a part of one or a misspelling', () => {
    const members = ['Théâtre du Port', 'Vélo Brestois', 'Club Photo'];
    expect(resolveMember(members, 'theatre du port', 'h.sqlite')).toBe('Théâtre du Port');
    expect(resolveMember(members, 'VELO BRESTOIS', 'h.sqlite')).toBe('Vélo Brestois');
    expect(() => resolveMember(members, 'velo', 'h.sqlite')).toThrow(/did you mean "Vélo Brestois"\?/);
    expect(() => resolveMember(members, 'club foto', 'h.sqlite')).toThrow(/did you mean "Club Photo"\?/);
    expect(() => resolveMember(members, 'chorale', 'h.sqlite')).toThrow(/no such member$/);
    // Two members the same but for their accents: neither is chosen for the other.
    expect(() => resolveMember(['Élan', 'Elan'], 'elan', 'h.sqlite')).toThrow(/no such member/);
  });

  it('writeReports() in json gives the report data itself', () => {
    const outcome = writeReports({ db: path, scope: { member: 'Bob' }, format: 'json', lang: 'en' });
    const report = JSON.parse(outcome.content ?? '') as { schemaVersion: number; kind: string; domains: unknown[] };
    expect(report).toMatchObject({ schemaVersion: 1, kind: 'member' });
    expect(report.domains).toHaveLength(2);
  });

  it('an ack turns a regression into an acknowledged change in reports and in changes', () => {
    expect(computeChanges({ db: path }).hasRegression).toBe(true);
    const db = openDatabase(path);
    saveAck(db, {
      domain: 'a.org',
      findingId: 'dmarc.missing',
      until: '2999-12-31',
      note: 'Waiting for the registrar',
      createdAt: new Date().toISOString(),
    });
    db.close();
    const changes = computeChanges({ db: path });
    expect(changes.hasRegression).toBe(false);
    expect(changes.summary.acknowledged).toBe(1);
    const outcome = writeReports({ db: path, scope: { member: 'Alice' }, format: 'text', lang: 'en' });
    expect(outcome.content).toContain('Acknowledged until 2999-12-31: Waiting for the registrar');
    expect(outcome.content).toContain('Acknowledged Error a.org dmarc.missing');
  });

  it('titles a finding in the reader’s language, whatever the language of the run that found it', () => {
    const other = join(dir, 'english-nights.sqlite');
    const db = openDatabase(other);
    recordNight(db, 21, [result('e.org', 'Eve', [])]);
    recordNight(db, 22, [
      result('e.org', 'Eve', [
        {
          ...finding('e.org', 'dmarc.missing', 'dmarc-record'),
          message: 'No DMARC record for "e.org"',
          values: { domain: 'e.org' },
        },
        // As recorded before schema 11: no values, so the message stays as it was written.
        finding('e.org', 'spf.all_softfail', 'spf-all', 'warning'),
      ]),
    ]);
    db.close();
    const french = writeReports({ db: other, scope: { member: 'Eve' }, format: 'text', lang: 'fr' }).content ?? '';
    expect(french).toContain('Aucun enregistrement DMARC pour « e.org »');
    expect(french).not.toContain('No DMARC record');
    expect(french).toContain('spf.all_softfail on e.org');
    const english = writeReports({ db: other, scope: { member: 'Eve' }, format: 'text', lang: 'en' }).content ?? '';
    expect(english).toContain('No DMARC record for "e.org"');
    const changes = computeChanges({ db: other });
    expect(renderChangesText(changes, 'fr')).toContain(
      'dmarc.missing\u00a0: Aucun enregistrement DMARC pour « e.org »',
    );
    expect(renderChangesText(changes, 'en')).toContain('dmarc.missing: No DMARC record for "e.org"');
  });
});
