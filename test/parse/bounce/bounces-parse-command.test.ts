import { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerBouncesParse } from '../../../src/cli/commands/register-bounces.js';
import { encodeVerp } from '../../../src/parse/verp.js';
import { openDatabase } from '../../../src/store/database.js';
import { openCampaign } from '../../../src/store/send-queue.js';

const BOUNCE = [
  'From: MAILER-DAEMON@mx.example.org',
  'Subject: Undelivered Mail Returned to Sender',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
  '',
  '--B',
  'Content-Type: message/delivery-status',
  '',
  'Final-Recipient: rfc822; jane@example.net',
  'Action: failed',
  'Status: 5.1.1',
  '--B--',
  '',
].join('\n');

async function run(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const bounces = new Command('bounces').exitOverride();
  registerBouncesParse(bounces, 'en');
  try {
    await bounces.parseAsync(['parse', ...args], { from: 'user' });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  return { out, err, code };
}

describe('registerBouncesParse()', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('registerBouncesParse() prints one JSON line per file with --jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-'));
    const file = join(dir, 'a.eml');
    writeFileSync(file, BOUNCE);
    const { out, code } = await run([file, file, '--jsonl']);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] ?? '') as {
      file: string;
      kind: string;
      recipients: { address: string; reason: string }[];
    };
    expect(first).toMatchObject({
      file,
      kind: 'bounce',
      recipients: [{ address: 'jane@example.net', reason: 'userunknown' }],
    });
    expect(code).toBeUndefined();
  });

  it('registerBouncesParse() reports an unreadable file on stderr, parses the others and sets exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-'));
    const file = join(dir, 'a.eml');
    writeFileSync(file, BOUNCE);
    const missing = join(dir, 'missing.eml');
    const { out, err, code } = await run([missing, file, '--jsonl']);
    expect(err).toContain(`Cannot read bounce file "${missing}": no such file or directory (ENOENT)`);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('registerBouncesParse() says in French why a file cannot be read, and why another is no mail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-'));
    const empty = join(dir, 'empty.eml');
    writeFileSync(empty, '');
    const { out, err, code } = await run([dir, empty, '--lang', 'fr']);
    expect(err).toBe(
      `facteur : Impossible de lire le fichier de rebond « ${dir} » : c’est un répertoire (EISDIR) ; donnez ses fichiers (« ${dir}/* »), ou lisez un Maildir avec « facteur bounces fetch --maildir ${dir} »\n`,
    );
    expect(out).toBe(`${empty}: other (Pas un message : le fichier est vide)\n`);
    expect(code).toBe(2);
  });

  it("registerBouncesParse() decodes facteur's VERP with the campaign keys of --db", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-'));
    const dbPath = join(dir, 'facteur.sqlite');
    const db = openDatabase(dbPath);
    const campaign = openCampaign(db, 'newsletter', 0);
    db.close();
    const token = encodeVerp({ campaign: campaign.id, recipientId: 77 }, campaign.verpKey);
    const file = join(dir, 'a.eml');
    writeFileSync(file, `Delivered-To: ${token}@bounces.example.org\n${BOUNCE}`);
    const withKeys = await run([file, '--jsonl', '--db', dbPath]);
    const line = JSON.parse(withKeys.out) as { recipients: { verp: unknown }[] };
    expect(line.recipients[0]?.verp).toEqual({ scheme: 'facteur', campaign: campaign.id, recipientId: 77 });
    const withoutKeys = JSON.parse((await run([file, '--jsonl'])).out) as { recipients: { verp: unknown }[] };
    expect(withoutKeys.recipients[0]?.verp).toBeNull();
  });

  it('registerBouncesParse() refuses a --db that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-'));
    const file = join(dir, 'a.eml');
    writeFileSync(file, BOUNCE);
    await expect(run([file, '--db', join(dir, 'none.sqlite')])).rejects.toThrow(/Cannot open database .*none\.sqlite/);
  });
});
