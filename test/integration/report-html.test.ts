import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { facteur, type CliResult } from './helpers/facteur.js';

const ROOT = join(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';

interface CheckJson {
  domains: { domain: string }[];
}

interface ChangesJson {
  hasRegression: boolean;
  summary: { new: number; resolved: number; acknowledged: number };
  domains: {
    domain: string;
    new: { id: string }[];
    resolved: { id: string }[];
    acknowledged: { finding: { id: string } }[];
  }[];
}

/**
 * Two nights recorded by the real `facteur check --db` against the embedded zone server (examples/zones, then the
 * same with examples/zones-night2 laid over), then `facteur report --all --format html` opened in Debian's Chromium.
 */
describe('facteur report (HTML in headless Chromium, from two real check runs)', () => {
  let night1: ZoneServer;
  let night2: ZoneServer;
  let dir: string;
  let db: string;
  let out: string;
  let browser: Browser;
  let checkedDomains: string[];

  const check = (server: ZoneServer): Promise<CliResult> =>
    facteur([
      'check',
      '--json',
      '--db',
      db,
      '--members',
      join(ROOT, 'examples/members.csv'),
      '--resolver',
      server.address,
      '--dnsbl',
      'dnsbl.example',
      '--rhsbl',
      '',
      '--sending-ips',
      '192.0.2.25',
      '--no-probes',
    ]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-report-html-'));
    db = join(dir, 'history.sqlite');
    out = join(dir, 'report');
    const overlay = join(dir, 'zones-night2');
    cpSync(join(ROOT, 'examples/zones'), overlay, { recursive: true });
    cpSync(join(ROOT, 'examples/zones-night2'), overlay, { recursive: true });
    night1 = await startZoneServer({ directory: join(ROOT, 'examples/zones') });
    night2 = await startZoneServer({ directory: overlay });
    const first = await check(night1);
    const second = await check(night2);
    // Both nights have errors: check exits 1; anything else means the runs were not recorded as this suite needs.
    for (const run of [first, second]) {
      if (run.code !== 1) throw new Error(`facteur check exited ${run.code}: ${run.stderr}`);
    }
    checkedDomains = (JSON.parse(second.stdout) as CheckJson).domains.map((entry) => entry.domain).sort();
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  afterAll(async () => {
    await browser.close();
    await night1.stop();
    await night2.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes exits 1 on the regression, and 0 once an ack covers it', async () => {
    const before = await facteur(['changes', '--db', db, '--json']);
    expect(before.code).toBe(1);
    const diff = JSON.parse(before.stdout) as ChangesJson;
    expect(diff.domains.find((entry) => entry.domain === 'asso-velo.example')?.new.map((f) => f.id)).toContain(
      'dmarc.missing',
    );
    expect(diff.domains.find((entry) => entry.domain === 'atelier.example')?.resolved.map((f) => f.id)).toContain(
      'spf.multiple_records',
    );

    const ack = await facteur([
      'ack',
      'asso-velo.example',
      'dmarc.missing',
      '--until',
      '2999-12-31',
      '--note',
      'Zone rebuilt by the member, <b>DMARC</b> back next week',
      '--db',
      db,
    ]);
    expect(ack.code).toBe(0);
    const after = await facteur(['changes', '--db', db, '--json']);
    const acked = JSON.parse(after.stdout) as ChangesJson;
    expect(acked.summary.acknowledged).toBe(1);
    // The lost DMARC record was the night's only regression.
    expect(acked.summary.new).toBe(0);
    expect(acked.hasRegression).toBe(false);
    expect(after.code).toBe(0);
    const text = await facteur(['changes', '--db', db]);
    expect(text.stdout).toContain('ACKNOWLEDGED UNTIL 2999-12-31');

    const list = await facteur(['ack', '--list', '--json', '--db', db]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { acks: { domain: string }[] }).acks.map((a) => a.domain)).toEqual([
      'asso-velo.example',
    ]);
  });

  it('ack refuses a past day, a missing note and an id that is no finding id, with exit 2', async () => {
    const past = await facteur([
      'ack',
      'a.example',
      'dmarc.missing',
      '--until',
      '2001-01-01',
      '--note',
      'x',
      '--db',
      db,
    ]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('already past');
    const noNote = await facteur(['ack', 'a.example', 'dmarc.missing', '--until', '2999-01-01', '--db', db]);
    expect(noNote.code).toBe(2);
    const badId = await facteur(['ack', 'a.example', '../etc', '--until', '2999-01-01', '--note', 'x', '--db', db]);
    expect(badId.code).toBe(2);
    const badDate = await facteur(['ack', 'a.example', 'dmarc.missing', '--until', '2999-02-30', '--note', 'x']);
    expect(badDate.code).toBe(2);
  });

  it('renders the summary in Chromium with no request leaving the file, one row per domain and a point per night', async () => {
    const run = await facteur(['report', '--all', '--format', 'html', '--lang', 'fr', '--out', out, '--db', db]);
    expect(run.code).toBe(0);
    const summaryPath = join(out, 'summary.html');
    expect(run.stdout.split('\n')).toContain(summaryPath);

    const context = await browser.newContext();
    const requested: string[] = [];
    const refused: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      requested.push(url);
      if (url.startsWith('file://')) await route.continue();
      else {
        refused.push(url);
        await route.abort();
      }
    });
    const page = await context.newPage();
    const seen: string[] = [];
    page.on('request', (request) => seen.push(request.url()));
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pathToFileURL(summaryPath).href);
    await expect.poll(() => page.title()).toBe('Synthèse de santé du courrier');

    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(10_000);

    const rows = await Promise.all(
      (await page.locator('#checks-table tbody tr').all()).map(
        async (row) => (await row.getAttribute('data-domain')) ?? '',
      ),
    );
    expect(rows.sort()).toEqual(checkedDomains);
    expect(checkedDomains).toHaveLength(5);
    const assoCells = await page.locator('#checks-table tr[data-domain="asso-velo.example"] td').allInnerTexts();
    expect(assoCells).toContain('~ Pris en compte');
    const clubCells = await page.locator('#checks-table tr[data-domain="club-photo.example"] td').allInnerTexts();
    expect(clubCells).toContain('✗ Problème');

    // Two complete nights, three severities.
    expect(await page.locator('#history-plot circle.point').count()).toBe(6);
    expect(await page.locator('#history-plot .legend-item').count()).toBe(3);
    const box = await page.locator('#history-plot').boundingBox();
    expect(box?.width).toBeGreaterThan(100);

    // The note's markup is text, not an element.
    expect(await page.locator('#acks b').count()).toBe(0);
    expect(await page.locator('#acks').textContent()).toContain('<b>DMARC</b> back next week');

    // The page itself is the only request; a resource the CSP blocked would show as a console error instead.
    const href = pathToFileURL(summaryPath).href;
    expect(refused).toEqual([]);
    expect(requested).toEqual([href]);
    expect(seen).toEqual([href]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('writes each member the record to publish, the explanation in French and the docs link', async () => {
    const memberPath = join(out, 'member-theatre-du-port.html');
    expect(existsSync(memberPath)).toBe(true);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(memberPath).href);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('_dmarc.theatre.example. TXT "v=DMARC1; p=reject"');
    expect(text).toContain('Sans DMARC, les destinataires');
    expect(await page.locator('a[href="https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3"]').count()).toBe(1);
    expect(await page.locator('#checks-table tbody tr').count()).toBe(1);
    await page.close();
  });

  it('prints one member as Markdown on stdout and exits 2 on an unknown member', async () => {
    const run = await facteur(['report', '--member', 'club photo', '--format', 'markdown', '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('# Mail health report: Club Photo');
    expect(run.stdout).toContain('`spf.too_many_lookups`');
    const unknown = await facteur(['report', '--member', 'Nobody', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no such member');
    expect(readFileSync(join(out, 'summary.html'), 'utf8')).not.toMatch(/https?:\/\/[^"]*\.(css|js|woff2?)\b/);
  });
});
