import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import dmarcPolicy from '../../../checks/dmarc-policy.js';
import {
  CHECK_DEFAULTS,
  checkExitCode,
  checkSettings,
  readTargets,
  stoppingNotice,
  type CheckCommandOptions,
} from '../../../src/cli/commands/check.js';
import type { CheckReport } from '../../../src/commands/run-check.js';
import type { FacteurConfig } from '../../../src/config/load-config.js';

const NOTHING: CheckCommandOptions = { json: false, quiet: false };

const CONFIG: FacteurConfig = {
  file: '/etc/facteur/facteur.config.json',
  members: '/etc/facteur/members.csv',
  db: '/var/lib/facteur/facteur.sqlite',
  lang: 'fr',
  dns: { resolvers: ['192.0.2.53'], timeout: 1500, retries: 1 },
  check: {
    concurrency: 4,
    dkimSelectors: ['mail'],
    sendingIps: ['192.0.2.25'],
    dnsbl: ['dnsbl.example'],
    probes: false,
  },
  docs: { baseUrl: 'https://wiki.hebergeur.example/facteur/' },
  expectations: { mxHosts: ['mx1.hebergeur.example'] },
};

describe('checkSettings()', () => {
  it('takes the defaults when neither the command line nor a config says', () => {
    const settings = checkSettings([], NOTHING, { file: null }, { LANG: 'fr_FR.UTF-8' });
    expect(settings).toMatchObject({
      members: undefined,
      resolvers: [],
      timeout: CHECK_DEFAULTS.timeout,
      retries: CHECK_DEFAULTS.retries,
      concurrency: CHECK_DEFAULTS.concurrency,
      lang: 'fr',
      failOn: 'error',
      db: undefined,
      expectations: {},
      defaults: { dkimSelectors: [], sendingIps: [], probes: true, dnsbl: [...CHECK_DEFAULTS.dnsbl] },
    });
    expect(settings.docs('dmarc.policy_none', dmarcPolicy)).toBe(dmarcPolicy.rfc);
  });

  it('takes the config for a nightly run: its members, its database, its wiki', () => {
    const settings = checkSettings([], NOTHING, CONFIG, { LANG: 'C' });
    expect(settings).toMatchObject({
      members: '/etc/facteur/members.csv',
      db: '/var/lib/facteur/facteur.sqlite',
      resolvers: ['192.0.2.53'],
      timeout: 1500,
      retries: 1,
      concurrency: 4,
      lang: 'fr',
      expectations: { mxHosts: ['mx1.hebergeur.example'] },
      defaults: { dkimSelectors: ['mail'], sendingIps: ['192.0.2.25'], dnsbl: ['dnsbl.example'], probes: false },
    });
    expect(settings.docs('dmarc.policy_none', dmarcPolicy)).toBe(
      'https://wiki.hebergeur.example/facteur/dmarc.policy_none',
    );
  });

  it('lets the command line win over the config', () => {
    const settings = checkSettings(
      [],
      {
        ...NOTHING,
        members: 'other.csv',
        resolver: ['127.0.0.1:5353'],
        timeout: 500,
        concurrency: 1,
        dnsbl: [],
        probes: true,
        lang: 'en',
        failOn: 'warning',
        db: 'here.sqlite',
      },
      CONFIG,
    );
    expect(settings).toMatchObject({
      members: 'other.csv',
      resolvers: ['127.0.0.1:5353'],
      timeout: 500,
      retries: 1,
      concurrency: 1,
      lang: 'en',
      failOn: 'warning',
      db: 'here.sqlite',
      defaults: { dnsbl: [], probes: true, dkimSelectors: ['mail'] },
    });
  });

  it('records a one-off check of named domains or another members file only with --db', () => {
    const named = checkSettings(['example.org'], NOTHING, CONFIG);
    expect(named.members).toBeUndefined();
    expect(named.db).toBeUndefined();
    expect(checkSettings([], { ...NOTHING, members: 'other.csv' }, CONFIG).db).toBeUndefined();
    expect(checkSettings(['example.org'], { ...NOTHING, db: 'x.sqlite' }, CONFIG).db).toBe('x.sqlite');
  });

  it('ignores the finding ids of --ignore, else of the config, and refuses an unknown one naming the nearest', () => {
    const config = { ...CONFIG, check: { ...CONFIG.check, ignore: ['dnssec.unsigned'] } };
    expect(checkSettings([], NOTHING, config).ignore).toEqual(['dnssec.unsigned']);
    expect(checkSettings([], { ...NOTHING, ignore: ['spf.all_softfail'] }, config).ignore).toEqual([
      'spf.all_softfail',
    ]);
    expect(checkSettings([], NOTHING, CONFIG).ignore).toEqual([]);
    expect(() => checkSettings([], { ...NOTHING, ignore: ['spf.all_sotfail'] }, CONFIG)).toThrow(
      'Cannot ignore "spf.all_sotfail": it is not a finding id (did you mean "spf.all_softfail"?)',
    );
  });

  it('normalises the selectors, IPs and zones of the command line and refuses one that cannot be what it names', () => {
    const settings = checkSettings(
      [],
      {
        ...NOTHING,
        dkimSelectors: ['Mail'],
        sendingIps: ['2001:DB8::25'],
        dnsbl: ['DNSBL.Example.'],
        rhsbl: ['dbl.example'],
      },
      CONFIG,
    );
    expect(settings.defaults).toMatchObject({
      dkimSelectors: ['mail'],
      sendingIps: ['2001:db8::25'],
      dnsbl: ['dnsbl.example'],
      rhsbl: ['dbl.example'],
    });
    expect(() => checkSettings([], { ...NOTHING, sendingIps: ['192.0.2.300'] }, CONFIG)).toThrow(
      'Cannot use sending IP "192.0.2.300" (--sending-ips): it is not an IPv4 or IPv6 address',
    );
    expect(() => checkSettings([], { ...NOTHING, dkimSelectors: ['mail 2024'] }, CONFIG)).toThrow(
      'Cannot use DKIM selector "mail 2024" (--dkim-selectors)',
    );
    expect(() => checkSettings([], { ...NOTHING, rhsbl: ['dbl example'] }, CONFIG)).toThrow(
      'Cannot use blocklist zone "dbl example" (--rhsbl): it is not a domain name',
    );
    // A resolver's address typed where a zone goes: refused as the config refuses it.
    expect(() => checkSettings([], { ...NOTHING, dnsbl: ['127.0.0.1'] }, CONFIG)).toThrow(
      'Cannot use blocklist zone "127.0.0.1" (--dnsbl): it is not a domain name',
    );
  });

  it('records nothing with --no-db', () => {
    expect(checkSettings([], { ...NOTHING, db: false }, CONFIG).db).toBeUndefined();
  });
});

describe('readTargets()', () => {
  const defaults = { dkimSelectors: [], sendingIps: [], dnsbl: [], rhsbl: [], probes: false };

  it('reads a members file saved as Excel\'s "CSV" (Windows-1252, semicolons), accents and all, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-members-'));
    try {
      const file = join(dir, 'adherents.csv');
      writeFileSync(file, Buffer.from('domain;member\r\nvelo.example;V\u00e9lo l\u0092Atelier\r\n', 'latin1'));
      const excel = await readTargets([], file, defaults);
      expect(excel.encoding).toEqual({ encoding: 'windows-1252' });
      expect(excel.targets.map(({ domain, member }) => ({ domain, member }))).toEqual([
        { domain: 'velo.example', member: 'Vélo l’Atelier' },
      ]);
      writeFileSync(file, 'domain;member\r\nvelo.example;Vélo l’Atelier\r\n');
      expect((await readTargets([], file, defaults)).encoding).toEqual({ encoding: 'utf-8' });
      expect((await readTargets(['velo.example'], undefined, defaults)).encoding).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a members file that lists no domain is empty, rather than asking for one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-members-'));
    try {
      const file = join(dir, 'members.csv');
      writeFileSync(file, 'domain,member\n');
      await expect(readTargets([], file, defaults)).rejects.toThrow(
        `Cannot check: members file "${file}" lists no domain`,
      );
      await expect(readTargets([], undefined, defaults)).rejects.toThrow(/give domains, --members FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkExitCode()', () => {
  const report = (changes: Partial<CheckReport>, errors = 0): CheckReport => ({
    schemaVersion: 1,
    startedAt: '2026-12-05T02:00:00.000Z',
    finishedAt: '2026-12-05T02:00:01.000Z',
    interrupted: false,
    domains: [],
    uncheckedDomains: [],
    inputErrors: [],
    summary: { domains: 1, findings: { error: errors, warning: 0, info: 0 }, unknownChecks: 0 },
    ...changes,
  });

  it('exits 130 for a stopped run, even with errors found before it stopped (it did not run fully), 2 for a bad row', () => {
    expect(checkExitCode(report({ interrupted: true }, 2), 'error')).toBe(130);
    expect(checkExitCode(report({ interrupted: true }), 'error')).toBe(130);
    expect(checkExitCode(report({}, 2), 'error')).toBe(1);
    // A members row it could not use still comes first: nothing can be right while the file is wrong.
    const inputErrors = [{ file: 'members.csv', line: 3, message: 'bad row' }];
    expect(checkExitCode(report({ interrupted: true, inputErrors }), 'error')).toBe(2);
  });
});

describe('stoppingNotice()', () => {
  it('says which signal stops the run, how many domains are done, in progress and not started, and that a second one stops at once', () => {
    expect(stoppingNotice('SIGTERM', { started: 2, done: 1, total: 3 }, 'en', false)).toBe(
      'facteur: SIGTERM received, stopping: 1 of 3 domains checked, 1 in progress (given 5 s to finish), 1 not started; a second Ctrl-C or SIGTERM stops at once\n',
    );
    expect(stoppingNotice('SIGINT', { started: 1, done: 0, total: 4 }, 'fr', false)).toBe(
      'facteur : SIGINT reçu, arrêt en cours : 0 domaine vérifié sur 4, 1 en cours (délai de 5 s pour finir), 3 non commencés ; un second Ctrl-C ou SIGTERM arrête tout de suite\n',
    );
  });

  it('starts a line of its own below a progress line', () => {
    expect(stoppingNotice('SIGINT', { started: 2, done: 1, total: 2 }, 'en', true)).toMatch(
      /^\nfacteur: SIGINT received/,
    );
  });
});
