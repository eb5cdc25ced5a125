import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readImapPassword, type BouncesConfig } from '../../src/bounces/fetch-config.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';

const env = { IMAP_PW: 'secret' };
const base = { host: 'mail.example.org', user: 'bounces@example.org', passwordEnv: 'IMAP_PW' };

/** The bounces section through the project-wide config parser, as every command reads it. */
function bounces(value: unknown, file = '/etc/facteur/f.json'): BouncesConfig {
  const section = parseConfig({ bounces: value }, file).bounces;
  if (section === undefined) throw new Error('no bounces section');
  return section;
}

describe('parseBouncesSection()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('parseBouncesSection() applies the defaults: TLS on 993, INBOX, facteur-done/facteur-odd, no raw kept', () => {
    expect(bounces({ imap: base })).toEqual({
      imap: {
        host: 'mail.example.org',
        port: 993,
        security: 'tls',
        user: 'bounces@example.org',
        passwordEnv: 'IMAP_PW',
        passwordFile: null,
        folder: 'INBOX',
        doneFolder: 'facteur-done',
        oddFolder: 'facteur-odd',
        tlsRejectUnauthorized: true,
      },
      keepRaw: false,
      warnings: [],
    });
  });

  it('parseBouncesSection() takes STARTTLS on 143 and null folders (flag in place)', () => {
    const config = bounces({
      imap: { ...base, security: 'starttls', doneFolder: null, oddFolder: null },
      keepRaw: true,
    });
    expect(config.imap).toMatchObject({ port: 143, doneFolder: null, oddFolder: null });
    expect(config.keepRaw).toBe(true);
  });

  it.each([
    [{ imap: { ...base, hots: 'x' } }, '"bounces.imap.hots" is not a known setting (known: host, port, security,'],
    [{ imap: { ...base, foldr: 'x' } }, '"bounces.imap.foldr" is not a known setting (did you mean "folder"?)'],
    [{ imap: { user: 'u', passwordEnv: 'IMAP_PW' } }, '"bounces.imap.host" is required'],
    [
      { imap: { ...base, security: 'ssl' } },
      '"bounces.imap.security" must be one of "tls", "starttls", "none", not a string ("ssl")',
    ],
    [{ imap: { ...base, port: 0 } }, '"bounces.imap.port" must be an integer from 1 to 65535'],
    [{ imap: { ...base, passwordFile: 'pw' } }, 'cannot both be set'],
    [{ imap: { host: 'h', user: 'u' } }, '"bounces.imap.passwordEnv" or "bounces.imap.passwordFile" is required'],
    [{ imap: { ...base, security: 'none' } }, 'would cross the network in clear'],
    [{ imap: { ...base, doneFolder: 'INBOX' } }, '"bounces.imap.doneFolder" must differ'],
    [{ imap: base, keepRaw: 'yes' }, '"bounces.keepRaw" must be true or false'],
    [{ imap: base, extra: 1 }, '"bounces.extra" is not a known setting (known: imap, keepRaw)'],
    [{ imap: base, keepRaws: true }, '"bounces.keepRaws" is not a known setting (did you mean "keepRaw"?)'],
    ['imap', '"bounces" must be an object, not a string ("imap")'],
  ])('parseBouncesSection() rejects %j naming the file and the JSON path', (value, message) => {
    expect(() => bounces(value)).toThrow(message);
    expect(() => bounces(value)).toThrow('Cannot use config "/etc/facteur/f.json"');
  });

  it('parseBouncesSection() allows security none on the loopback only', () => {
    expect(bounces({ imap: { ...base, host: '127.0.0.1', security: 'none' } }).imap?.security).toBe('none');
  });

  it('parseBouncesSection() warns when TLS verification is off', () => {
    const config = bounces({ imap: { ...base, tlsRejectUnauthorized: false } });
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]?.fr).toContain('vérification');
  });

  it('loadConfig() reads the bounces section beside the other sections', () => {
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ lang: 'fr', bounces: { imap: base } }));
    expect(loadConfig(join(dir, 'ok.json')).bounces?.imap?.host).toBe('mail.example.org');
  });

  it('readImapPassword() reads the variable the config names, and names it when unset', () => {
    const imap = bounces({ imap: base }).imap;
    if (imap === null) throw new Error('no imap');
    expect(readImapPassword(imap, env).password).toBe('secret');
    expect(() => readImapPassword(imap, {})).toThrow('names the variable "IMAP_PW", which is not set');
  });

  it('readImapPassword() reads a 0600 password file next to the config and refuses a readable one', () => {
    writeFileSync(join(dir, 'pw'), 'filesecret\n');
    chmodSync(join(dir, 'pw'), 0o600);
    const imap = bounces({ imap: { host: 'h', user: 'u', passwordFile: 'pw' } }, join(dir, 'f.json')).imap;
    if (imap === null) throw new Error('no imap');
    expect(readImapPassword(imap, {}).password).toBe('filesecret');
    chmodSync(join(dir, 'pw'), 0o644);
    expect(() => readImapPassword(imap, {})).toThrow('run chmod 600');
  });
});
