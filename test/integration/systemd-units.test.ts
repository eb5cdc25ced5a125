import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { facteur } from './helpers/facteur.js';

const ROOT = join(import.meta.dirname, '../..');
const UNITS = join(ROOT, 'examples/systemd');
const BIN = join(ROOT, 'dist/src/cli/main.js');
/** Where the README installs facteur; the units name it, and the tests put the built CLI in its place. */
const INSTALLED = '/usr/local/bin/facteur';

/** A unit file's directives of one name, in order, across its sections. */
function directives(unit: string, name: string): string[] {
  const text = readFileSync(join(UNITS, unit), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));
}

/** What a service runs, as systemd reads its ExecStart: the installed facteur and its arguments, no shell. */
function execStart(unit: string): string[] {
  const [line, ...others] = directives(unit, 'ExecStart');
  expect(others).toEqual([]);
  const [file, ...args] = (line ?? '').split(' ');
  expect(file).toBe(INSTALLED);
  return args;
}

/** The exits a service counts as success: 0 and its SuccessExitStatus. */
function successExits(unit: string): number[] {
  return [0, ...directives(unit, 'SuccessExitStatus').flatMap((line) => line.split(' ').map(Number))];
}

describe('examples/systemd: the units a hoster installs', () => {
  it('are valid for systemd, each command found, no directive unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-units-'));
    try {
      const units = readdirSync(UNITS);
      expect(units.sort()).toEqual([
        'facteur-bounces.service',
        'facteur-bounces.timer',
        'facteur-changes.service',
        'facteur-check.service',
        'facteur-check.timer',
      ]);
      for (const unit of units)
        writeFileSync(join(dir, unit), readFileSync(join(UNITS, unit), 'utf8').replaceAll(INSTALLED, BIN));
      const verified = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile('systemd-analyze', ['verify', ...units.map((unit) => join(dir, unit))], (error, _stdout, stderr) => {
          resolve({ code: error === null ? 0 : Number(error.code), stderr });
        });
      });
      expect(verified).toEqual({ code: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the nightly pair, run as systemd runs it, with a config like the README’s', () => {
    let night1: ZoneServer;
    let night2: ZoneServer;
    let dir: string;

    /** The config the units name through FACTEUR_CONFIG, pointed at one night's DNS server. */
    function configFor(server: ZoneServer): Record<string, string> {
      const [setting, ...others] = directives('facteur-check.service', 'Environment');
      expect(others).toEqual([]);
      expect(setting).toBe('FACTEUR_CONFIG=/etc/facteur/facteur.config.json');
      expect(directives('facteur-changes.service', 'Environment')).toEqual([setting]);
      const file = join(dir, 'facteur.config.json');
      writeFileSync(
        file,
        JSON.stringify({
          members: 'members.csv',
          db: join(dir, 'facteur.sqlite'),
          dns: { resolvers: [server.address], timeout: 2000, retries: 1 },
          check: { sendingIps: ['192.0.2.25'], dnsbl: ['dnsbl.example'], rhsbl: [], probes: false },
        }),
      );
      return { FACTEUR_CONFIG: file };
    }

    /** One night: the check, then, once it counts as a success, the changes it starts (OnSuccess=). */
    async function night(server: ZoneServer): Promise<{ check: number | null; changes: number | null; out: string }> {
      const env = configFor(server);
      const check = await facteur(execStart('facteur-check.service'), undefined, { env });
      if (!successExits('facteur-check.service').includes(check.code ?? -1))
        return { check: check.code, changes: null, out: check.stderr };
      const changes = await facteur(execStart('facteur-changes.service'), undefined, { env });
      return { check: check.code, changes: changes.code, out: changes.stdout };
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'facteur-units-night-'));
      copyFileSync(join(ROOT, 'examples/members.csv'), join(dir, 'members.csv'));
      cpSync(join(ROOT, 'examples/zones'), join(dir, 'zones2'), { recursive: true });
      cpSync(join(ROOT, 'examples/zones-night2'), join(dir, 'zones2'), { recursive: true });
      night1 = await startZoneServer({ directory: join(ROOT, 'examples/zones') });
      night2 = await startZoneServer({ directory: join(dir, 'zones2') });
    });

    afterAll(async () => {
      await night1.stop();
      await night2.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts changes after a night with findings, and fails the changes unit only on a regression', async () => {
      expect(directives('facteur-check.service', 'OnSuccess')).toEqual(['facteur-changes.service']);
      expect(successExits('facteur-changes.service')).toEqual([0]);

      const first = await night(night1);
      expect(first.check).toBe(1);
      const quiet = await night(night1);
      expect(quiet).toMatchObject({ check: 1, changes: 0 });
      // Night 2 of the examples: asso-velo.example lost its DMARC record.
      const worse = await night(night2);
      expect(worse).toMatchObject({ check: 1, changes: 1 });
      expect(worse.out).toContain('asso-velo.example');
      expect(worse.out).toContain('dmarc.missing');
    });
  });
});
