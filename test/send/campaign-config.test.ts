import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  CAMPAIGN_CONFIG,
  loadCampaignConfig,
  parseCampaignConfig,
  readSmtpPassword,
} from '../../src/send/campaign-config.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

function minimal(): Record<string, unknown> {
  return {
    smtp: { host: 'smtp.example.org' },
    from: 'Ville <info@Consult.Example.org>',
    subject: 'Consultation {{firstname}}',
    text: 'body.txt',
    recipients: 'people.csv',
    returnPathDomain: 'consult.example.org',
  };
}

function errorOf(action: () => unknown): InputError {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseCampaignConfig()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-campaign-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the defaults and resolves paths from the config directory', () => {
    const config = parseCampaignConfig(minimal(), join(dir, 'c.json'), {});
    expect(config.smtp).toEqual({
      host: 'smtp.example.org',
      port: 587,
      security: 'starttls',
      user: null,
      password: null,
      pool: 4,
      ratePerSecond: 20,
      perDomainRatePerMinute: 120,
      helo: null,
      tlsRejectUnauthorized: true,
      sendingIps: [],
    });
    expect(config.from).toEqual({ name: 'Ville', address: 'info@consult.example.org', domain: 'consult.example.org' });
    expect(config.textTemplate).toBe(join(dir, 'body.txt'));
    expect(config.htmlTemplate).toBeNull();
    expect(config.recipients).toBe(join(dir, 'people.csv'));
    expect(config.messageIdDomain).toBe('consult.example.org');
    expect(config.maxQueueLifetimeMs).toBe(5 * 86_400_000);
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['30s', 30_000],
    ['2w', 14 * 86_400_000],
    ['0s', 0],
  ])('reads maxQueueLifetime "%s" as Postfix durations read', (value, ms) => {
    const config = parseCampaignConfig({ ...minimal(), maxQueueLifetime: value }, join(dir, 'c.json'), {});
    expect(config.maxQueueLifetimeMs).toBe(ms);
  });

  it('reads smtp.sendingIps and names a value that is not an IP address', () => {
    const config = parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', sendingIps: ['192.0.2.25', '2001:db8::25'] } },
      join(dir, 'c.json'),
      {},
    );
    expect(config.smtp.sendingIps).toEqual(['192.0.2.25', '2001:db8::25']);
    const error = errorOf(() =>
      parseCampaignConfig(
        { ...minimal(), smtp: { host: 'smtp.example.org', sendingIps: ['mail.example.org'] } },
        join(dir, 'c.json'),
        {},
      ),
    );
    expect(error.message).toContain('"smtp.sendingIps[0]" must be an IPv4 or IPv6 address, not "mail.example.org"');
  });

  it('defaults the port to 465 for implicit TLS (RFC 8314)', () => {
    const config = parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', security: 'tls' } },
      join(dir, 'c.json'),
      {},
    );
    expect(config.smtp.port).toBe(465);
  });

  it('keeps where the password is without reading it, so an unset variable or a missing file is no error yet', () => {
    const fromEnv = parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', user: 'mailer', passwordEnv: 'FACTEUR_PW' } },
      join(dir, 'c.json'),
      {},
    );
    expect(fromEnv.smtp.password).toEqual({ env: 'FACTEUR_PW' });
    const fromFile = parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', user: 'mailer', passwordFile: 'pw' } },
      join(dir, 'c.json'),
      {},
    );
    expect(fromFile.smtp.password).toEqual({ file: join(dir, 'pw') });
  });

  it('reads a 0600 DKIM key and refuses a world-readable one', () => {
    writeFileSync(join(dir, 'dkim.pem'), PEM, { mode: 0o600 });
    const config = parseCampaignConfig(
      { ...minimal(), dkim: { domain: 'consult.example.org', selector: 'S2026', privateKeyFile: 'dkim.pem' } },
      join(dir, 'c.json'),
      {},
    );
    expect(config.dkim).toEqual({
      domain: 'consult.example.org',
      selector: 's2026',
      privateKeyFile: join(dir, 'dkim.pem'),
      privateKey: PEM,
    });
    chmodSync(join(dir, 'dkim.pem'), 0o640);
    expect(() =>
      parseCampaignConfig(
        { ...minimal(), dkim: { domain: 'consult.example.org', selector: 's', privateKeyFile: 'dkim.pem' } },
        join(dir, 'c.json'),
        {},
      ),
    ).toThrow(/"dkim\.privateKeyFile" names .* with mode 640/);
  });

  it('keeps TLS verification on unless explicitly turned off, with a warning', () => {
    const config = parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', tlsRejectUnauthorized: false } },
      join(dir, 'c.json'),
      {},
    );
    expect(config.smtp.tlsRejectUnauthorized).toBe(false);
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]?.en).toMatch(/TLS certificate verification is off for "smtp\.example\.org"/);
    expect(config.warnings[0]?.fr).toMatch(/vérification du certificat TLS est désactivée pour « smtp\.example\.org »/);
  });

  it('warns that port 465 wants "tls" from the first byte, which starttls would wait out', () => {
    const parse = (smtp: Record<string, unknown>) =>
      parseCampaignConfig({ ...minimal(), smtp: { host: 'smtp.example.org', ...smtp } }, join(dir, 'c.json'), {});
    expect(parse({ port: 465, security: 'tls' }).warnings).toEqual([]);
    expect(parse({ security: 'tls' }).smtp.port).toBe(465);
    const [warning] = parse({ port: 465 }).warnings;
    expect(warning?.en).toBe(
      '"smtp.port" is 465, where servers expect TLS from the first byte (RFC 8314), but "smtp.security" is "starttls": use "tls", or port 587 for "starttls"',
    );
  });

  it('accepts an https one-click unsubscribe URL and a mailto address', () => {
    const config = parseCampaignConfig(
      { ...minimal(), listUnsubscribe: { url: 'https://consult.example.org/u', mailto: 'unsub@example.org' } },
      join(dir, 'c.json'),
      {},
    );
    expect(config.listUnsubscribe).toEqual({ url: 'https://consult.example.org/u', mailto: 'unsub@example.org' });
  });

  it.each([
    ['a missing host', { smtp: {} }, /"smtp\.host" is required/],
    ['a bad port', { smtp: { host: 'h.example', port: 70000 } }, /"smtp\.port" must be an integer from 1 to 65535/],
    ['a bad security', { smtp: { host: 'h.example', security: 'ssl' } }, /"smtp\.security" must be one of/],
    ['a zero pool', { smtp: { host: 'h.example', pool: 0 } }, /"smtp\.pool" must be an integer from 1 to 50/],
    [
      'a verification flag that is not a boolean',
      { smtp: { host: 'h.example', tlsRejectUnauthorized: 'no' } },
      /"smtp\.tlsRejectUnauthorized" must be true or false/,
    ],
    [
      'both password sources',
      { smtp: { host: 'h.example', user: 'u', passwordEnv: 'A', passwordFile: 'f' } },
      /"smtp\.passwordEnv" and "smtp\.passwordFile" cannot both be set/,
    ],
    ['a user without a password', { smtp: { host: 'h.example', user: 'u' } }, /"smtp\.user" is set but neither/],
    [
      'a password in clear over the network',
      { smtp: { host: 'smtp.example.org', security: 'none', user: 'u', passwordEnv: 'PW' } },
      /"smtp\.security" is "none": the password would cross the network in clear/,
    ],
    [
      'a misspelt key',
      { retunPathDomain: 'x.example' },
      /"retunPathDomain" is not a known setting \(did you mean "returnPathDomain"\?\)/,
    ],
    [
      'a misspelt smtp key',
      { smtp: { host: 'h.example', prot: 25 } },
      /"smtp\.prot" is not a known setting \(known: host, port, security, user, passwordEnv, passwordFile, pool,/,
    ],
    [
      'a single sending IP outside a list',
      { smtp: { host: 'h.example', sendingIps: '192.0.2.25' } },
      /"smtp\.sendingIps" must be an array, not a string \("192\.0\.2\.25"\)/,
    ],
    ['a bad from', { from: 'not an address' }, /"from" must be an address like/],
    [
      'a from with a line break',
      { from: 'a@example.org\r\nBcc: x@evil.example' },
      /"from" must not contain line breaks/,
    ],
    ['a subject with a line break', { subject: 'Hi\nBcc: x@evil.example' }, /"subject" must not contain line breaks/],
    ['no template', { text: undefined }, /"text" or "html" is required/],
    ['a bad return-path domain', { returnPathDomain: 'not a domain' }, /"returnPathDomain" must be a domain name/],
    [
      'an IP address as HELO name (RFC 5321 4.1.1.1 wants a domain there)',
      { smtp: { host: 'h.example', helo: '192.0.2.25' } },
      /"smtp\.helo" must be a domain name, not "192\.0\.2\.25"/,
    ],
    [
      'an http unsubscribe URL',
      { listUnsubscribe: { url: 'http://example.org/u' } },
      /"listUnsubscribe\.url" must be an https URL \(RFC 8058 3\.1\)/,
    ],
    ['an empty unsubscribe', { listUnsubscribe: {} }, /"listUnsubscribe" needs "url", "mailto" or both/],
    [
      'a queue lifetime without a unit',
      { maxQueueLifetime: '5' },
      /"maxQueueLifetime" must be a duration like "5d", "12h", "90m", "30s" or "1w", not "5"/,
    ],
    ['a queue lifetime as a number', { maxQueueLifetime: 5 }, /"maxQueueLifetime" must be a duration like .*, not 5/],
    [
      'a bad DKIM selector',
      { dkim: { domain: 'example.org', selector: 'bad_selector', privateKeyFile: 'none.pem' } },
      /"dkim\.selector" must be dot-separated DNS labels/,
    ],
    [
      'a missing DKIM key file',
      { dkim: { domain: 'example.org', selector: 's', privateKeyFile: 'none.pem' } },
      /"dkim\.privateKeyFile" names a file that cannot be read, ".*none\.pem": no such file or directory \(ENOENT\)/,
    ],
  ])('rejects %s, naming the key', (_name, override, pattern) => {
    expect(() => parseCampaignConfig({ ...minimal(), ...override }, join(dir, 'c.json'), { PW: 'x' })).toThrow(pattern);
  });

  it('reports every problem at once', () => {
    const error = errorOf(() =>
      parseCampaignConfig({ ...minimal(), from: undefined, subject: undefined }, join(dir, 'c.json'), {}),
    );
    expect(error.message).toBe(
      `Cannot use campaign config "${join(dir, 'c.json')}": "from" is required; "subject" is required`,
    );
  });

  it('names the nearest known key of a misspelt one, in English and French', () => {
    const error = errorOf(() =>
      parseCampaignConfig(
        { ...minimal(), dkim: { domain: 'consult.example.org', selecter: 's', privateKeyFile: 'k.pem' } },
        join(dir, 'c.json'),
        {},
      ),
    );
    expect(error.text.en).toContain('"dkim.selecter" is not a known setting (did you mean "selector"?)');
    expect(error.text.fr).toContain('« dkim.selecter » n’est pas un réglage connu (vouliez-vous dire « selector » ?)');
    expect(error.text.en).toContain('"dkim.selector" is required');
    expect(error.text.fr).toContain('« dkim.selector » est obligatoire');
  });

  it('allows no encryption to a loopback relay', () => {
    const config = parseCampaignConfig(
      { ...minimal(), smtp: { host: '127.0.0.1', security: 'none', user: 'u', passwordEnv: 'PW' } },
      join(dir, 'c.json'),
      { PW: 'x' },
    );
    expect(config.smtp.port).toBe(25);
  });
});

describe('loadCampaignConfig()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-campaign-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a JSON file', () => {
    writeFileSync(join(dir, 'c.json'), JSON.stringify(minimal()));
    expect(loadCampaignConfig(join(dir, 'c.json'), {}).subject).toBe('Consultation {{firstname}}');
  });

  it('names the file when the JSON is broken', () => {
    writeFileSync(join(dir, 'c.json'), '{"smtp": ');
    expect(() => loadCampaignConfig(join(dir, 'c.json'), {})).toThrow(/Cannot parse campaign config ".*c\.json": /);
  });

  it('names the file when it is missing', () => {
    expect(() => loadCampaignConfig(join(dir, 'none.json'), {})).toThrow(
      /Cannot read campaign config ".*none\.json": no such file or directory \(ENOENT\)/,
    );
  });
});

describe('readSmtpPassword()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-password-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function smtpWith(setting: Record<string, string>) {
    return parseCampaignConfig(
      { ...minimal(), smtp: { host: 'smtp.example.org', user: 'mailer', ...setting } },
      join(dir, 'c.json'),
      {},
    ).smtp;
  }

  it('reads the password from the named environment variable', () => {
    const login = readSmtpPassword(smtpWith({ passwordEnv: 'FACTEUR_PW' }), 'c.json', CAMPAIGN_CONFIG, {
      FACTEUR_PW: 's3cret',
    });
    expect(login.password).toBe('s3cret');
  });

  it('reads the password from a 0600 file without its trailing newline', () => {
    writeFileSync(join(dir, 'pw'), 's3cret\n', { mode: 0o600 });
    expect(readSmtpPassword(smtpWith({ passwordFile: 'pw' }), 'c.json', CAMPAIGN_CONFIG, {}).password).toBe('s3cret');
  });

  it('refuses a password file that others can read', () => {
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    chmodSync(join(dir, 'pw'), 0o644);
    const error = errorOf(() => readSmtpPassword(smtpWith({ passwordFile: 'pw' }), 'c.json', CAMPAIGN_CONFIG, {}));
    expect(error.message).toMatch(
      /^Cannot use campaign config "c\.json": "smtp\.passwordFile" names ".*pw" with mode 644; run chmod 600/,
    );
    expect(error.code).toBe('ECONFIG');
  });

  it('rejects an unset or empty password variable, naming the key, in English and French', () => {
    for (const env of [{}, { NOPE: '' }]) {
      const error = errorOf(() => readSmtpPassword(smtpWith({ passwordEnv: 'NOPE' }), 'c.json', CAMPAIGN_CONFIG, env));
      expect(error.text).toEqual({
        en: 'Cannot use campaign config "c.json": "smtp.passwordEnv" names the variable "NOPE", which is not set',
        fr: 'Impossible d’utiliser la configuration de campagne « c.json » : « smtp.passwordEnv » désigne la variable « NOPE », qui n’est pas définie',
      });
    }
  });
});
