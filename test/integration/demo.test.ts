import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facteur } from './helpers/facteur.js';

interface DemoJson {
  schemaVersion: number;
  db: string;
  report: string;
  files: { member: string | null; path: string }[];
  changes: {
    summary: { new: number; resolved: number };
    domains: { domain: string; new: { id: string }[]; resolved: { id: string }[] }[];
  };
}

describe('facteur demo (two nights on the embedded zones)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-demo-test-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('records two nights, reports the regression and the fix, writes the HTML report and exits 0', async () => {
    const db = join(dir, 'demo.sqlite');
    const out = join(dir, 'report');
    const run = await facteur(['demo', '--json', '--db', db, '--out', out]);
    expect(run.code).toBe(0);
    const demo = JSON.parse(run.stdout) as DemoJson;
    expect(demo.schemaVersion).toBe(1);
    expect(demo.report).toBe(join(out, 'summary.html'));
    const changed = (domain: string) => demo.changes.domains.find((entry) => entry.domain === domain);
    expect(changed('asso-velo.example')?.new.map((f) => f.id)).toEqual(['dmarc.missing']);
    expect(changed('atelier.example')?.resolved.map((f) => f.id)).toEqual(['spf.multiple_records']);
    expect(demo.changes.summary).toMatchObject({ new: 1, resolved: 1 });
    const html = readFileSync(demo.report, 'utf8');
    expect(html).toContain('<svg id="history-plot"');
    expect(html.match(/<tr data-domain=/g)).toHaveLength(5);
    expect(demo.files.filter((file) => file.member !== null)).toHaveLength(5);

    // The database holds the two nights: the report command reads them again.
    const report = await facteur(['report', '--member', 'Vélo Brestois', '--db', db]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('_dmarc.asso-velo.example. TXT');
  });

  it('exits 2 with the path named when the database cannot be created, leaving no server behind', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    const run = await facteur(['demo', '--db', join(file, 'demo.sqlite')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Cannot create the directory of database "${join(file, 'demo.sqlite')}"`);
  });

  it('prints the first audit, what changed and the report path in text', async () => {
    const run = await facteur(['demo', '--lang', 'fr']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NOUVEAU ERREUR dmarc.missing [asso-velo.example]');
    expect(run.stdout).toContain('CORRIGÉ ERREUR spf.multiple_records [atelier.example]');
    const path = /Rapport HTML : (\S+)/.exec(run.stdout)?.[1];
    expect(path).toBeDefined();
    expect(existsSync(path ?? '')).toBe(true);
    rmSync(join(path ?? '', '../..'), { recursive: true, force: true });
  });
});
