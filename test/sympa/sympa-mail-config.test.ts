import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSmtpPassword } from '../../src/send/campaign-config.js';
import { loadSympaMailConfig, parseSympaMailConfig, SEND_CONFIG } from '../../src/sympa/sympa-mail-config.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

describe('parseSympaMailConfig()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-sympa-mail-config-'));
    writeFileSync(join(dir, 'dkim.key'), PEM);
    chmodSync(join(dir, 'dkim.key'), 0o600);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const dkim = (domain: string) => ({ domain, selector: 'mail', privateKeyFile: 'dkim.key' });

  it("reads smtp, from, dkim and the Message-ID domain, which defaults to From's", () => {
    const config = parseSympaMailConfig(
      { smtp: { host: 'smtp.example.org' }, from: 'Owner <Owner@Example.org>', dkim: dkim('example.org') },
      join(dir, 'send.json'),
      {},
    );
    expect(config.from).toEqual({ name: 'Owner', address: 'Owner@example.org', domain: 'example.org' });
    expect(config.smtp).toMatchObject({ host: 'smtp.example.org', port: 587, security: 'starttls' });
    expect(config.dkim).toMatchObject({ domain: 'example.org', selector: 'mail', privateKey: PEM });
    expect(config.messageIdDomain).toBe('example.org');
    expect(config.warnings).toEqual([]);
  });

  it("accepts a campaign's own file, whose other keys it does not use", () => {
    const config = parseSympaMailConfig(
      {
        smtp: { host: 'smtp.example.org', pool: 8 },
        from: 'owner@example.org',
        subject: 'Consultation',
        text: 'body.txt',
        recipients: 'people.csv',
        returnPathDomain: 'example.org',
        messageIdDomain: 'mail.example.org',
        dkim: dkim('mail.example.org'),
      },
      join(dir, 'campaign.json'),
      {},
    );
    expect(config.messageIdDomain).toBe('mail.example.org');
  });

  it('accepts a DKIM domain aligned with From under relaxed alignment, and warns without a key', () => {
    expect(() =>
      parseSympaMailConfig(
        { smtp: { host: 'smtp.example.org' }, from: 'owner@lists.example.org', dkim: dkim('example.org') },
        join(dir, 'send.json'),
        {},
      ),
    ).not.toThrow();
    const unsigned = parseSympaMailConfig(
      { smtp: { host: 'smtp.example.org' }, from: 'owner@example.org' },
      'send.json',
      {},
    );
    expect(unsigned.dkim).toBeNull();
    expect(unsigned.warnings[0]?.en).toMatch(/No "dkim" section/);
    expect(unsigned.warnings[0]?.fr).toMatch(
      /^Pas de section « dkim » dans « .*send\.json » : le courriel n’est signé que si le serveur le signe/,
    );
  });

  it('reports every problem at once, each by its key', () => {
    expect(() =>
      parseSympaMailConfig(
        { smtp: { host: 'smtp.example.org', prot: 25 }, form: 'owner@example.org', dkim: dkim('example.net') },
        join(dir, 'send.json'),
        {},
      ),
    ).toThrow(
      /Cannot use send config ".*send\.json": "form" is not a known setting \(known: smtp, from, .*\).*"smtp\.prot" is not a known setting.*"from" is required/,
    );
  });

  it('refuses a DKIM domain not aligned with From', () => {
    expect(() =>
      parseSympaMailConfig(
        { smtp: { host: 'smtp.example.org' }, from: 'owner@example.org', dkim: dkim('example.net') },
        join(dir, 'send.json'),
        {},
      ),
    ).toThrow('"dkim.domain" is "example.net", which is not aligned with the From domain "example.org"');
  });

  it('refuses a From with a line break, and a password file others can read once the password is read', () => {
    writeFileSync(join(dir, 'pw'), 'secret\n');
    chmodSync(join(dir, 'pw'), 0o644);
    const smtp = { host: 'smtp.example.org', user: 'owner', passwordFile: 'pw' };
    expect(() =>
      parseSympaMailConfig({ smtp, from: 'owner@example.org\r\nBcc: x@example.com' }, join(dir, 'send.json'), {}),
    ).toThrow(/"from" must not contain line breaks/);
    const config = parseSympaMailConfig({ smtp, from: 'owner@example.org' }, join(dir, 'send.json'), {});
    expect(() => readSmtpPassword(config.smtp, config.file, SEND_CONFIG, {})).toThrow(
      /^Cannot use send config ".*send\.json": "smtp\.passwordFile" names ".*pw" with mode 644/,
    );
  });
});

describe('loadSympaMailConfig()', () => {
  it('names the file when it is missing', () => {
    expect(() => loadSympaMailConfig('/nonexistent/send.json')).toThrow(
      'Cannot read send config "/nonexistent/send.json": no such file or directory (ENOENT)',
    );
  });
});
