import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disablePasswdUsers } from '../../src/dormant/disable-passwd-users.js';
import { dormantEntryHeadJson, dormantEvidenceJson } from '../../src/dormant/dormant-entry-json.js';
import type { DormantEntry } from '../../src/dormant/judge-address.js';
import {
  countEntry,
  createDormantRenderer,
  emptySummary,
  renderUndecidedDomains,
} from '../../src/dormant/render-dormant.js';
import { renderLimeSurveyTokens } from '../../src/dormant/render-limesurvey-tokens.js';

const AT = Date.UTC(2026, 10, 20);
const ENTRY: DormantEntry = {
  address: 'jean@example.org',
  list: 'info@lists.example.org',
  campaign: null,
  gecos: null,
  reasons: ['bouncing'],
  evidence: {
    bounce: {
      score: 3,
      firstAt: AT - 20 * 86_400_000,
      lastAt: AT,
      days: 3,
      hardDays: 3,
      softDays: 0,
      lastReason: 'userunknown',
      lastStatusCode: '5.1.1',
      lastDiagnostic: '550 5.1.1 <jean@example.org>: unknown, "really"',
      lastEventId: 1,
      lastSource: 'bounce',
    },
  },
};

function renderAll(format: 'text' | 'csv' | 'json' | 'sympa', lang: 'en' | 'fr' = 'en'): string {
  const renderer = createDormantRenderer(format, { lang, header: { scope: { kind: 'all' } } });
  const summary = emptySummary();
  countEntry(summary, ENTRY);
  return renderer.start() + renderer.entry(ENTRY) + renderer.end(summary);
}

/** The same member, included in the list from a data source only. */
const INCLUDED: DormantEntry = {
  ...ENTRY,
  inclusion: { dataSource: 'staff.txt', syncedAt: AT - 86_400_000, isSubscribed: false },
};

describe('createDormantRenderer()', () => {
  it('names the data source to fix for an included member, in every format', () => {
    const render = (format: 'text' | 'csv' | 'json', entry: DormantEntry, lang: 'en' | 'fr' = 'en'): string => {
      const renderer = createDormantRenderer(format, { lang, header: {} });
      return renderer.start() + renderer.entry(entry) + renderer.end(emptySummary());
    };
    expect(render('text', INCLUDED)).toContain(
      'comes only from Sympa data source "staff.txt" (last synchronised 2026-11-19): sympa del excludes it from this list, but the source still holds it; fix the address there',
    );
    expect(
      render('text', { ...INCLUDED, inclusion: { dataSource: null, syncedAt: null, isSubscribed: true } }),
    ).toContain('also comes from Sympa data source (unnamed): sympa del');
    expect(render('text', INCLUDED, 'fr')).toContain('ne vient que de la source de données Sympa "staff.txt"');
    expect(render('text', ENTRY)).not.toContain('data source');
    const [header, row, plain] = [
      ...render('csv', INCLUDED).split('\r\n').slice(0, 2),
      render('csv', ENTRY).split('\r\n')[1],
    ];
    expect(header?.split(',').slice(-2)).toEqual(['inclusion', 'data_source']);
    expect(row?.split(',').slice(-2)).toEqual(['only', 'staff.txt']);
    expect(plain?.split(',').slice(-2)).toEqual(['', '']);
    const json = (entry: DormantEntry) =>
      (JSON.parse(render('json', entry)) as { entries: { inclusion: unknown }[] }).entries[0]?.inclusion;
    expect(json(INCLUDED)).toEqual({
      dataSource: 'staff.txt',
      syncedAt: '2026-11-19T00:00:00.000Z',
      subscribed: false,
    });
    expect(json(ENTRY)).toBeNull();
  });

  it('says what facteur saw and when, in English and French', () => {
    expect(renderAll('text')).toContain('bounced on 3 days (3 hard, 0 soft) from 2026-10-31 to 2026-11-20, score 3');
    expect(renderAll('text', 'fr')).toContain('rebonds sur 3 jours (3 permanents, 0 temporaire) du 2026-10-31');
    expect(renderAll('text')).toContain('\n1 address to act on: 1 bouncing\n');
    expect(renderAll('text', 'fr')).toContain('\n1 adresse à traiter : 1 en erreur\n');
  });

  it('agrees the evidence with a count of one, in English and French', () => {
    const once: DormantEntry = {
      ...ENTRY,
      evidence: {
        bounce: { ...ENTRY.evidence.bounce!, days: 1, hardDays: 1, firstAt: AT },
        sympaBounce: { list: 'info@lists.example.org', firstAt: AT, lastAt: AT, count: 1, status: '5.1.1', score: 80 },
      },
    };
    const text = (lang: 'en' | 'fr'): string =>
      createDormantRenderer('text', { lang, header: { scope: { kind: 'all' } } }).entry(once);
    expect(text('en')).toContain('bounced on 1 day (1 hard, 0 soft)');
    expect(text('en')).toContain('Sympa: 1 bounce from 2026-11-20');
    expect(text('fr')).toContain('rebonds sur 1 jour (1 permanent, 0 temporaire)');
    expect(text('fr')).toContain('Sympa : 1 rebond du 2026-11-20');
  });

  it('agrees the summary with one domain left undecided, in English and French', () => {
    const end = (lang: 'en' | 'fr'): string => {
      const summary = emptySummary();
      summary.undecidedDomains = 1;
      return createDormantRenderer('text', { lang, header: { scope: { kind: 'all' } } }).end(summary);
    };
    expect(end('en')).toContain('1 domain gave no DNS answer this run; it is neither confirmed dead nor cleared');
    expect(end('fr')).toContain('1 domaine n’a pas eu de réponse DNS lors de ce passage ; il n’est ni confirmé mort');
  });

  it("names the domains without a DNS answer with the lookup that failed and why, in the reader's words", () => {
    const unknown = [
      { domain: 'example.com', failure: { type: 'MX' as const, error: 'refused' as const } },
      ...Array.from({ length: 11 }, (_, i) => ({
        domain: `d${i}.example`,
        failure: { type: 'AAAA' as const, error: 'timeout' as const },
      })),
    ];
    const fr = renderUndecidedDomains(unknown, 'fr');
    expect(fr).toMatch(
      /^facteur : pas de réponse DNS pour « example\.com » \(MX : le serveur DNS a refusé de répondre\), « d0\.example » \(AAAA : le résolveur DNS n’a pas répondu à temps\), .*« d8\.example » .*, et 2 de plus ; relancez plus tard\n$/,
    );
    expect(fr).not.toMatch(/"|refused|timeout|'/);
    expect(renderUndecidedDomains(unknown.slice(0, 1), 'en')).toBe(
      'facteur: no DNS answer for "example.com" (MX: the DNS server refused to answer); rerun later\n',
    );
  });

  it('writes CSV fields quoted as RFC 4180 wants', () => {
    const [header, row] = renderAll('csv').split('\r\n');
    expect(header?.split(',')[2]).toBe('address');
    expect(row).toContain('info@lists.example.org,,jean@example.org,bouncing,2026-10-31T00:00:00.000Z');
  });

  it('streams one JSON document with schemaVersion 1', () => {
    const document = JSON.parse(renderAll('json')) as { schemaVersion: number; entries: { reason: string }[] };
    expect(document.schemaVersion).toBe(1);
    expect(document.entries.map((entry) => entry.reason)).toEqual(['bouncing']);
  });

  it('gives sympa del one address per line', () => {
    expect(renderAll('sympa')).toBe('jean@example.org\n');
  });

  it.each(['text', 'csv', 'json'] as const)(
    'renders the entries of one address, which share their evidence, as if each had its own (%s)',
    (format) => {
      const other = { ...ENTRY, list: 'news@lists.example.org' };
      const render = (entries: DormantEntry[]) => {
        const renderer = createDormantRenderer(format, { lang: 'fr', header: {} });
        return renderer.start() + entries.map((entry) => renderer.entry(entry)).join('');
      };
      const shared = render([ENTRY, other, { ...ENTRY, address: 'marie@example.org', evidence: {} }]);
      expect(shared).toBe(
        render([ENTRY, structuredClone(other), { ...ENTRY, address: 'marie@example.org', evidence: {} }]),
      );
      expect(shared.split('news@lists.example.org')).toHaveLength(2);
    },
  );

  it('writes each JSON entry with its evidence last, as one JSON.stringify of it would', () => {
    const line = renderAll('json').split('\n')[1] ?? '';
    expect(line).toBe(
      JSON.stringify({ ...dormantEntryHeadJson(ENTRY), evidence: dormantEvidenceJson(ENTRY.evidence) }),
    );
    expect(JSON.parse(line)).toMatchObject({ address: 'jean@example.org', evidence: { bounce: { score: 3 } } });
  });
});

describe('files written for other tools', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facteur-dormant-out-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renderLimeSurveyTokens() keeps the columns and sets emailstatus for the participants found only', async () => {
    const file = join(dir, 'tokens.csv');
    await writeFile(
      file,
      '\uFEFFtid,firstname,lastname,email,emailstatus,token,"attribute_1 <Quartier>"\n' +
        '1,Jean,Dupont,Jean@example.org,OK,abc,"Centre, nord"\n2,Ana,B,ana@example.org,OK,def,Sud\n',
    );
    const { csv, matched } = await renderLimeSurveyTokens(file, new Map([['jean@example.org', 'bouncing']]));
    expect(matched).toBe(1);
    expect(csv).toBe(
      'tid,firstname,lastname,email,emailstatus,token,attribute_1 <Quartier>\r\n' +
        '1,Jean,Dupont,Jean@example.org,bounced,abc,"Centre, nord"\r\n',
    );
  });

  it('renderLimeSurveyTokens() reads an export a spreadsheet saved in Windows-1252, and writes UTF-8', async () => {
    const file = join(dir, 'tokens-excel.csv');
    await writeFile(
      file,
      Buffer.from('tid;firstname;email;emailstatus\r\n1;Z\u00e9lie;zelie@example.org;OK\r\n', 'latin1'),
    );
    const { csv, encoding } = await renderLimeSurveyTokens(file, new Map([['zelie@example.org', 'bouncing']]));
    expect(encoding).toEqual({ encoding: 'windows-1252' });
    expect(csv).toBe('tid,firstname,email,emailstatus\r\n1,Zélie,zelie@example.org,bounced\r\n');
  });

  it('renderLimeSurveyTokens() keeps the commas inside the cells of an export saved with semicolons', async () => {
    const file = join(dir, 'tokens-semicolons.csv');
    // A spreadsheet in a French locale quotes only the cells that hold a semicolon, never those with a comma.
    await writeFile(
      file,
      Buffer.from(
        'tid;firstname;lastname;email;emailstatus;token;attribute_1\r\n' +
          '1;H\u00e9l\u00e8ne;Dupont, fils;helene@example.org;OK;abc123;Centre, nord\r\n' +
          '2;Luc;Martin;luc@example.org;OK;def456;Sud\r\n',
        'latin1',
      ),
    );
    const { csv, matched } = await renderLimeSurveyTokens(file, new Map([['helene@example.org', 'bouncing']]));
    expect(matched).toBe(1);
    expect(csv).toBe(
      'tid,firstname,lastname,email,emailstatus,token,attribute_1\r\n' +
        '1,Hélène,"Dupont, fils",helene@example.org,bounced,abc123,"Centre, nord"\r\n',
    );
  });

  it('disablePasswdUsers() writes a 0600 copy with nologin=y and refuses to edit in place or overwrite', async () => {
    const input = join(dir, 'users');
    await writeFile(
      input,
      '# hosted\nmarie:{SHA512-CRYPT}x:1000:1000::/home/marie::userdb_quota_rule=*:storage=1G\npaul@example.org:{PLAIN}y\n',
    );
    const output = join(dir, 'users.new');
    const { disabled } = await disablePasswdUsers(input, output, new Set(['marie', 'paul']));
    expect(disabled).toEqual(['marie', 'paul@example.org']);
    expect(await readFile(output, 'utf8')).toBe(
      '# hosted\nmarie:{SHA512-CRYPT}x:1000:1000::/home/marie::userdb_quota_rule=*:storage=1G nologin=y\n' +
        'paul@example.org:{PLAIN}y::::::nologin=y\n',
    );
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    await expect(disablePasswdUsers(input, input, new Set())).rejects.toThrow('never edited in place');
    await expect(disablePasswdUsers(input, output, new Set())).rejects.toThrow('EEXIST');
  });
});
