import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBouncesConfig, parseBouncesSection } from '../../src/bounces/fetch-config.js';

const env = { IMAP_PW: 'secret' };
const base = { host: 'mail.example.org', user: 'bounces@example.org', passwordEnv: 'IMAP_PW' };

describe('parseBouncesSection()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('parseBouncesSection() applies the defaults: TLS on 993, INBOX, facteur-done/facteur-odd, no raw kept', () => {
    expect(parseBouncesSection({ imap: base }, 'f.json', env)).toEqual({
      imap: {
        host: 'mail.example.org',
        port: 993,
        security: 'tls',
        user: 'bounces@example.org',
        password: 'secret',
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
    const config = parseBouncesSection(
      { imap: { ...base, security: 'starttls', doneFolder: null, oddFolder: null }, keepRaw: true },
      'f.json',
      env,
    );
    expect(config.imap).toMatchObject({ port: 143, doneFolder: null, oddFolder: null });
    expect(config.keepRaw).toBe(true);
  });

  it.each([
    [{ imap: { ...base, hots: 'x' } }, '"bounces.imap.hots" is not a known setting'],
    [{ imap: { user: 'u', passwordEnv: 'IMAP_PW' } }, '"bounces.imap.host" is required'],
    [{ imap: { ...base, security: 'ssl' } }, '"bounces.imap.security" must be "tls", "starttls" or "none"'],
    [{ imap: { ...base, port: 0 } }, '"bounces.imap.port" must be an integer from 1 to 65535'],
    [{ imap: { ...base, passwordFile: 'pw' } }, 'cannot both be set'],
    [{ imap: { ...base, passwordEnv: 'UNSET_VAR' } }, 'names the variable "UNSET_VAR", which is not set'],
    [{ imap: { host: 'h', user: 'u' } }, '"bounces.imap.passwordEnv" or "bounces.imap.passwordFile" is required'],
    [{ imap: { ...base, security: 'none' } }, 'would cross the network in clear'],
    [{ imap: { ...base, doneFolder: 'INBOX' } }, '"bounces.imap.doneFolder" must differ'],
    [{ imap: base, keepRaw: 'yes' }, '"bounces.keepRaw" must be true or false'],
    [{ imap: base, extra: 1 }, '"bounces.extra" is not a known setting'],
  ])('parseBouncesSection() rejects %j naming the JSON path', (value, message) => {
    expect(() => parseBouncesSection(value, 'f.json', env)).toThrow(message);
  });

  it('parseBouncesSection() allows security none on the loopback only', () => {
    const config = parseBouncesSection({ imap: { ...base, host: '127.0.0.1', security: 'none' } }, 'f.json', env);
    expect(config.imap?.security).toBe('none');
  });

  it('parseBouncesSection() reads a 0600 password file next to the config and refuses a readable one', () => {
    writeFileSync(join(dir, 'pw'), 'filesecret\n');
    chmodSync(join(dir, 'pw'), 0o600);
    const imap = { host: 'h', user: 'u', passwordFile: 'pw' };
    expect(parseBouncesSection({ imap }, join(dir, 'f.json'), {}).imap?.password).toBe('filesecret');
    chmodSync(join(dir, 'pw'), 0o644);
    expect(() => parseBouncesSection({ imap }, join(dir, 'f.json'), {})).toThrow('run chmod 600');
  });

  it('parseBouncesSection() warns when TLS verification is off', () => {
    const config = parseBouncesSection({ imap: { ...base, tlsRejectUnauthorized: false } }, 'f.json', env);
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]?.fr).toContain('vérification');
  });

  it('loadBouncesConfig() reads the "bounces" key and names a broken file', () => {
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ other: {}, bounces: { imap: base } }));
    expect(loadBouncesConfig(join(dir, 'ok.json'), env).imap?.host).toBe('mail.example.org');
    writeFileSync(join(dir, 'bad.json'), '{ "bounces": ');
    expect(() => loadBouncesConfig(join(dir, 'bad.json'), env)).toThrow(/Cannot parse config ".*bad\.json"/);
    expect(loadBouncesConfig(join(dir, 'ok.json'), env).warnings).toEqual([]);
  });
});
