import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, env: { ...process.env, LANG: 'C', FACTEUR_CONFIG: '', ...options.env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const facteur = (args: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<Run> =>
  run(process.execPath, [BIN, ...args], options);

interface JsonReport {
  schemaVersion: number;
  domains: {
    domain: string;
    checks: { check: string; status: string; findings: { id: string; docs: string; message: string }[] }[];
  }[];
}

function findings(report: JsonReport, domain: string): { id: string; docs: string; message: string }[] {
  const result = report.domains.find((entry) => entry.domain === domain);
  return result === undefined ? [] : result.checks.flatMap((check) => check.findings);
}

describe('facteur check with a config file (CLI against a real DNS server)', () => {
  let examples: ZoneServer;
  let dir: string;
  let config: string;

  /** A config like examples/facteur.config.json, in its own directory, with the members file beside it. */
  function writeConfig(directory: string, overrides: Record<string, unknown> = {}): string {
    mkdirSync(directory, { recursive: true });
    copyFileSync(join(ROOT, 'examples/members.csv'), join(directory, 'members.csv'));
    const file = join(directory, 'facteur.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        members: 'members.csv',
        db: 'nightly.sqlite',
        lang: 'fr',
        dns: { resolvers: [examples.address], timeout: 2000, retries: 1 },
        check: { sendingIps: ['192.0.2.25'], dnsbl: ['dnsbl.example'], rhsbl: [], probes: false },
        docs: { baseUrl: 'https://wiki.hebergeur.example/facteur/' },
        expectations: {
          mxHosts: ['mx1.hebergeur.example', 'mx2.hebergeur.example'],
          spfInclude: '_spf.hebergeur.example',
          dmarcReportsTo: 'mailto:dmarc@hebergeur.example',
        },
        ...overrides,
      }),
    );
    return file;
  }

  beforeAll(async () => {
    examples = await startZoneServer({ directory: join(ROOT, 'examples/zones') });
    dir = mkdtempSync(join(tmpdir(), 'facteur-config-cli-'));
    config = writeConfig(join(dir, 'hoster'));
  });

  afterAll(async () => {
    await examples.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the nightly check from --config: its members, resolvers, wiki links, expectations and database', async () => {
    const result = await facteur(['check', '--config', config, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.domains.map((entry) => entry.domain)).toEqual([
      'asso-velo.example',
      'mairie-exemple.example',
      'club-photo.example',
      'theatre.example',
      'atelier.example',
    ]);
    expect(findings(report, 'asso-velo.example')).toEqual([]);
    const club = findings(report, 'club-photo.example');
    expect(club.map((finding) => finding.id)).toEqual(
      expect.arrayContaining(['mx.not_hoster', 'dmarc.reports_not_to_hoster', 'dnsbl.listed']),
    );
    expect(club.find((finding) => finding.id === 'mx.not_hoster')).toMatchObject({
      docs: 'https://wiki.hebergeur.example/facteur/mx.not_hoster',
      message:
        'Le MX « mail.club-photo.example » n’est pas un de ceux de l’hébergeur (mx1.hebergeur.example, mx2.hebergeur.example)',
    });
    // The workshop's MX is an alias of the hoster's: mx-records reports the alias, mx-hoster accepts the server.
    expect(findings(report, 'atelier.example').map((finding) => finding.id)).not.toContain('mx.not_hoster');
    expect(existsSync(join(dir, 'hoster/nightly.sqlite'))).toBe(true);
  });

  it('lets facteur changes read the database the config names', async () => {
    const second = await facteur(['check', '--config', config, '--json']);
    expect(second.code).toBe(1);
    const changes = await facteur(['changes', '--config', config, '--json']);
    expect(changes.code).toBe(0);
    const report = JSON.parse(changes.stdout) as { previousRun: { id: number } | null; currentRun: { id: number } };
    expect(report.previousRun?.id).toBe(1);
    expect(report.currentRun.id).toBe(2);
  });

  it('lets facteur ack and report use the database and language the config names', async () => {
    const ack = await facteur([
      'ack',
      'club-photo.example',
      'mx.not_hoster',
      '--until',
      '2099-12-31',
      '--note',
      'own MX, agreed',
      '--config',
      config,
    ]);
    expect(ack.code).toBe(0);
    // A misspelt id would acknowledge nothing: refused, with the id meant.
    const typo = await facteur([
      'ack',
      'club-photo.example',
      'mx.not_hostr',
      '--until',
      '2099-12-31',
      '--note',
      'x',
      '--config',
      config,
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      '« mx.not_hostr » : cet identifiant de constat n’existe pas ; vouliez-vous dire « mx.not_hoster » ?',
    );
    const listed = await facteur(['ack', '--list', '--json', '--config', config]);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      acks: [{ domain: 'club-photo.example', findingId: 'mx.not_hoster' }],
    });
    const report = await facteur(['report', '--member', 'Club Photo', '--config', config]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('club-photo.example');
    expect(report.stdout).toContain('own MX, agreed');
    expect(report.stdout).toContain('Bilan de santé du courrier : Club Photo');
  });

  it('lets the command line win over the config, and records a one-off check nowhere', async () => {
    const result = await facteur(['check', '--config', config, '--json', '--lang', 'en', 'club-photo.example']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.domains.map((entry) => entry.domain)).toEqual(['club-photo.example']);
    expect(findings(report, 'club-photo.example').find((finding) => finding.id === 'mx.not_hoster')?.message).toBe(
      'MX "mail.club-photo.example" is not one of the hoster’s (mx1.hebergeur.example, mx2.hebergeur.example)',
    );
    const other = join(dir, 'one-off');
    const oneOff = writeConfig(other);
    await facteur(['check', '--config', oneOff, '--json', 'asso-velo.example']);
    await facteur(['check', '--config', oneOff, '--json', '--no-db']);
    expect(existsSync(join(other, 'nightly.sqlite'))).toBe(false);
  });

  it('runs no expectation check without expectations, and links the RFC without a wiki', async () => {
    const bare = writeConfig(join(dir, 'bare'), { expectations: {}, docs: {} });
    const result = await facteur(['check', '--config', bare, '--json', 'club-photo.example']);
    const report = JSON.parse(result.stdout) as JsonReport;
    const checks = report.domains[0]?.checks.map((check) => check.check) ?? [];
    expect(checks).toContain('mx-records');
    expect(checks).not.toContain('mx-hoster');
    expect(checks).not.toContain('spf-hoster');
    expect(checks).not.toContain('dmarc-hoster');
    for (const finding of findings(report, 'club-photo.example'))
      expect(finding.docs).toMatch(/^https:\/\/www\.rfc-editor\.org\//);
  });

  it('finds the config through FACTEUR_CONFIG, then ./facteur.config.json', async () => {
    const fromEnv = await facteur(['check', '--json', 'asso-velo.example'], { env: { FACTEUR_CONFIG: config } });
    expect(fromEnv.code).toBe(0);
    expect((JSON.parse(fromEnv.stdout) as JsonReport).domains[0]?.checks.map((check) => check.check)).toContain(
      'mx-hoster',
    );
    const fromCwd = await facteur(['check', '--json', 'club-photo.example'], { cwd: join(dir, 'hoster') });
    expect(fromCwd.code).toBe(1);
    expect(findings(JSON.parse(fromCwd.stdout) as JsonReport, 'club-photo.example')[0]?.docs).toMatch(
      /^https:\/\/wiki\.hebergeur\.example\/facteur\//,
    );
  });

  it('exits 2 on an invalid config, naming the file and every JSON path, with a clean stdout', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ check: { dkimSelector: ['mail'] }, dns: { timeout: '3s' } }));
    const result = await facteur(['check', '--config', bad, '--json', 'example.org']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Cannot use config "${bad}"`);
    expect(result.stderr).toContain('"check.dkimSelector" is not a known setting (did you mean "dkimSelectors"?)');
    expect(result.stderr).toContain('"dns.timeout" must be an integer from 1 to 60000, not a string ("3s")');
  });

  it('exits 2 when --config names no file', async () => {
    const result = await facteur(['check', '--config', join(dir, 'absent.json'), 'example.org']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('absent.json" (from --config): no such file');
  });

  it('draws no progress when stderr is not a terminal', async () => {
    const result = await facteur(['check', '--config', config, '--no-db']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('club-photo.example');
  });

  it('draws progress on a terminal, and none with --quiet', async () => {
    // script(1) gives the command a pseudo-terminal, as an admin running facteur by hand has.
    const command = (extra: string): string =>
      `${process.execPath} ${BIN} check --config ${config} --no-db --json ${extra} >/dev/null`;
    const shown = await run('script', ['-qec', command(''), '/dev/null']);
    expect(shown.stdout).toMatch(/check 5\/5 \(100%\) {2}[\d.]+\/s {2}done in \d+s/);
    const quiet = await run('script', ['-qec', command('--quiet'), '/dev/null']);
    expect(quiet.stdout).not.toContain('check 5/5');
  });
});
