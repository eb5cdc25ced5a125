import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findConfigFile, loadCommandConfig, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { InputError } from '../../src/errors.js';

const FILE = '/etc/facteur/facteur.config.json';
const dir = mkdtempSync(join(tmpdir(), 'facteur-config-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function problemOf(value: unknown): string {
  try {
    parseConfig(value, FILE);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.code).toBe('ECONFIG');
    expect(error.location.file).toBe(FILE);
    return error.message;
  }
  throw new Error('parseConfig() accepted the config');
}

describe('parseConfig()', () => {
  it('reads every section, resolves paths against the config directory and normalises names', () => {
    const config = parseConfig(
      {
        members: 'members.csv',
        db: '/var/lib/facteur/facteur.sqlite',
        lang: 'fr',
        dns: { resolvers: ['127.0.0.1:5353', '[2001:db8::53]:53'], timeout: 1500, retries: 0 },
        check: {
          concurrency: 8,
          dkimSelectors: ['Mail', 's2024.ed'],
          sendingIps: ['192.0.2.25', '2001:DB8::25'],
          dnsbl: ['zen.spamhaus.org'],
          rhsbl: [],
          probes: false,
          failOn: 'warning',
          ignore: ['dnssec.unsigned'],
        },
        docs: {
          baseUrl: 'https://wiki.hebergeur.example/facteur/',
          perId: { 'dmarc.policy_none': 'https://wiki.hebergeur.example/dmarc' },
        },
        expectations: {
          mxHosts: ['MX1.Hebergeur.Example.', 'mx2.hebergeur.example'],
          spfInclude: '_SPF.hebergeur.example.',
          dmarcReportsTo: 'DMARC@hebergeur.example',
        },
      },
      FILE,
    );
    expect(config).toEqual({
      file: FILE,
      members: '/etc/facteur/members.csv',
      db: '/var/lib/facteur/facteur.sqlite',
      lang: 'fr',
      dns: { resolvers: ['127.0.0.1:5353', '[2001:db8::53]:53'], timeout: 1500, retries: 0 },
      check: {
        concurrency: 8,
        dkimSelectors: ['mail', 's2024.ed'],
        sendingIps: ['192.0.2.25', '2001:db8::25'],
        dnsbl: ['zen.spamhaus.org'],
        rhsbl: [],
        probes: false,
        failOn: 'warning',
        ignore: ['dnssec.unsigned'],
      },
      docs: {
        baseUrl: 'https://wiki.hebergeur.example/facteur/',
        perId: { 'dmarc.policy_none': 'https://wiki.hebergeur.example/dmarc' },
      },
      expectations: {
        mxHosts: ['mx1.hebergeur.example', 'mx2.hebergeur.example'],
        spfInclude: '_spf.hebergeur.example',
        dmarcReportsTo: 'mailto:dmarc@hebergeur.example',
      },
    });
  });

  it('accepts an empty config', () => {
    expect(parseConfig({}, FILE)).toEqual({ file: FILE });
  });

  it.each([
    ['a config that is not an object', [], '"$" must be an object, not an array'],
    [
      'an unknown section, with the nearest',
      { expectation: {} },
      '"expectation" is not a known section (did you mean "expectations"?)',
    ],
    [
      'an unknown section, far from any',
      { smtp: {} },
      '"smtp" is not a known section (known: members, db, lang, dns, check, docs, expectations, dormant, bounces)',
    ],
    [
      'an unknown key, with the nearest',
      { check: { dkimSelector: ['mail'] } },
      '"check.dkimSelector" is not a known setting (did you mean "dkimSelectors"?)',
    ],
    [
      'an unknown key in a nested section',
      { expectations: { mxHost: ['mx.example.net'] } },
      '"expectations.mxHost" is not a known setting (did you mean "mxHosts"?)',
    ],
    ['a section of the wrong type', { dns: ['127.0.0.1'] }, '"dns" must be an object, not an array'],
    ['a path that is a number', { members: 12 }, '"members" must be a non-empty string, not a number (12)'],
    ['an empty path', { db: ' ' }, '"db" must be a non-empty string, not a string (" ")'],
    ['a language', { lang: 'de' }, '"lang" must be one of "en", "fr", not a string ("de")'],
    [
      'a timeout as a string',
      { dns: { timeout: '3s' } },
      '"dns.timeout" must be an integer from 1 to 60000, not a string ("3s")',
    ],
    [
      'a negative retry count',
      { dns: { retries: -1 } },
      '"dns.retries" must be an integer from 0 to 10, not a number (-1)',
    ],
    [
      'a resolver with a bad port',
      { dns: { resolvers: ['127.0.0.1:99999'] } },
      '"dns.resolvers[0]" must be "host" or "host:port"',
    ],
    [
      'resolvers as one string',
      { dns: { resolvers: '127.0.0.1' } },
      '"dns.resolvers" must be an array, not a string ("127.0.0.1")',
    ],
    [
      'a fractional concurrency',
      { check: { concurrency: 2.5 } },
      '"check.concurrency" must be an integer from 1 to 1000, not a number (2.5)',
    ],
    [
      'a bad DKIM selector',
      { check: { dkimSelectors: ['mail', 'bad_selector'] } },
      '"check.dkimSelectors[1]" must be dot-separated DNS labels (RFC 6376 3.1), not "bad_selector"',
    ],
    [
      'a relay that is a name',
      { check: { sendingIps: ['relay.example.org'] } },
      '"check.sendingIps[0]" must be an IPv4 or IPv6 address, not "relay.example.org"',
    ],
    [
      'a blocklist zone that is not a name',
      { check: { dnsbl: ['zen spamhaus'] } },
      '"check.dnsbl[0]" must be a domain name, not "zen spamhaus"',
    ],
    ['probes as a string', { check: { probes: 'no' } }, '"check.probes" must be true or false, not a string ("no")'],
    [
      'info as a threshold',
      { check: { failOn: 'info' } },
      '"check.failOn" must be one of "error", "warning", not a string ("info")',
    ],
    [
      'a misspelt finding id to ignore',
      { check: { ignore: ['dnssec.unsinged'] } },
      '"check.ignore[0]" is not a finding id (did you mean "dnssec.unsigned"?)',
    ],
    [
      'a docs URL that is not http',
      { docs: { baseUrl: 'ftp://wiki.example/' } },
      '"docs.baseUrl" must be an http or https URL, not "ftp://wiki.example/"',
    ],
    [
      'a docs base that would glue the id on',
      { docs: { baseUrl: 'https://wiki.example/facteur' } },
      '"docs.baseUrl" must end with "/"',
    ],
    [
      'a misspelt finding id',
      { docs: { perId: { 'dmarc.policy_nnoe': 'https://wiki.example/p' } } },
      '"docs.perId["dmarc.policy_nnoe"]" is not a finding id (did you mean "dmarc.policy_none"?)',
    ],
    [
      'a page that is not a URL',
      { docs: { perId: { 'dmarc.policy_none': 'wiki page' } } },
      '"docs.perId["dmarc.policy_none"]" must be an http or https URL, not "wiki page"',
    ],
    ['no MX host', { expectations: { mxHosts: [] } }, '"expectations.mxHosts" must list at least one value'],
    [
      'an MX host that is an address',
      { expectations: { mxHosts: ['mx1.example.net', '192.0.2.10 '] } },
      '"expectations.mxHosts[1]" must be a domain name, not "192.0.2.10"',
    ],
    [
      'an SPF include with a space',
      { expectations: { spfInclude: '_spf example.net' } },
      '"expectations.spfInclude" must be a DNS name, not "_spf example.net"',
    ],
    [
      'a report address without @',
      { expectations: { dmarcReportsTo: 'mailto:dmarc' } },
      '"expectations.dmarcReportsTo" must be an address like "mailto:dmarc@example.org", not "mailto:dmarc"',
    ],
  ])('rejects %s, naming the file and the JSON path', (_name, value, expected) => {
    const message = problemOf(value);
    expect(message).toMatch(/^Cannot use config "\/etc\/facteur\/facteur\.config\.json": /);
    expect(message).toContain(expected);
  });

  it('reports every problem at once', () => {
    const message = problemOf({ lang: 'de', dns: { timeout: 0 }, check: { probes: 1 } });
    expect(message.match(/"lang"|"dns\.timeout"|"check\.probes"/g)).toEqual([
      '"lang"',
      '"dns.timeout"',
      '"check.probes"',
    ]);
  });
});

describe('loadConfig()', () => {
  it('reads a file and resolves its relative paths against its own directory', () => {
    const file = join(dir, 'facteur.config.json');
    writeFileSync(file, JSON.stringify({ members: 'members.csv', db: '../var/facteur.sqlite' }));
    expect(loadConfig(file)).toEqual({
      file,
      members: join(dir, 'members.csv'),
      db: join(dir, '../var/facteur.sqlite'),
    });
  });

  it('names the file and the line of a JSON syntax error', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "lang": "fr",\n  "db": "x.sqlite"\n  "members": "m.csv"\n}\n');
    let error: unknown;
    try {
      loadConfig(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(`Cannot parse config "${file}"`);
    expect((error as InputError).location).toEqual({ file, line: 4 });
  });

  it('reads a config an editor saved with a byte order mark, as Windows editors do', () => {
    const file = join(dir, 'notepad.json');
    writeFileSync(file, '\uFEFF{ "lang": "fr" }\n');
    expect(loadConfig(file).lang).toBe('fr');
  });

  it('names a file that cannot be read', () => {
    expect(() => loadConfig(join(dir, 'absent.json'))).toThrow(
      /Cannot read config ".*absent\.json": no such file or directory \(ENOENT\)/,
    );
  });
});

describe('findConfigFile()', () => {
  const local = mkdtempSync(join(dir, 'cwd-'));
  const named = join(dir, 'named.json');
  writeFileSync(named, '{}');

  it('prefers --config, then FACTEUR_CONFIG, then ./facteur.config.json, else none', () => {
    expect(findConfigFile(named, { FACTEUR_CONFIG: '/nowhere.json' }, local)).toBe(named);
    expect(findConfigFile(undefined, { FACTEUR_CONFIG: named }, local)).toBe(named);
    expect(findConfigFile(undefined, {}, local)).toBeNull();
    expect(findConfigFile(undefined, { FACTEUR_CONFIG: '' }, local)).toBeNull();
    writeFileSync(join(local, 'facteur.config.json'), '{}');
    expect(findConfigFile(undefined, {}, local)).toBe(join(local, 'facteur.config.json'));
  });

  it('refuses a named file that does not exist, saying where the name came from', () => {
    expect(() => findConfigFile('/nowhere.json', {}, local)).toThrow(
      'Cannot read config "/nowhere.json" (from --config): no such file',
    );
    expect(() => findConfigFile(undefined, { FACTEUR_CONFIG: '/nowhere.json' }, local)).toThrow(
      'Cannot read config "/nowhere.json" (from FACTEUR_CONFIG): no such file',
    );
  });

  it('loadCommandConfig() gives an empty config when there is no file', () => {
    expect(loadCommandConfig(undefined, {}, mkdtempSync(join(dir, 'empty-')))).toEqual({ file: null });
  });
});
