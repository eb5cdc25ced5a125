import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../dist/src/cli/main.js');

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
].join('\r');

describe('facteur bounces parse', () => {
  it('reports unreadable files on stderr, keeps stdout JSON lines for the others and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-cli-'));
    const good = join(dir, 'cr-only.eml');
    writeFileSync(good, BOUNCE);
    const junk = join(dir, 'junk.eml');
    writeFileSync(junk, Buffer.from([0, 255, 1, 254, 10, 13, 10]));
    const missing = join(dir, 'missing.eml');
    const folder = join(dir, 'a-directory');
    mkdirSync(folder);
    const failure = await run(process.execPath, [
      BIN,
      'bounces',
      'parse',
      missing,
      good,
      folder,
      junk,
      '--jsonl',
    ]).catch((error: unknown) => error as { code: number; stdout: string; stderr: string });
    expect(failure).toMatchObject({ code: 2 });
    const { stdout, stderr } = failure as { stdout: string; stderr: string };
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; kind: string; recipients: { address: string }[] });
    expect(lines.map((l) => [l.file, l.kind, l.recipients.map((r) => r.address)])).toEqual([
      [good, 'bounce', ['jane@example.net']],
      [junk, 'other', []],
    ]);
    expect(stderr).toContain(`Cannot read bounce file "${missing}": no such file or directory (ENOENT)`);
    expect(stderr).toContain(
      `Cannot read bounce file "${folder}": it is a directory (EISDIR); give its files ("${folder}/*"), or read a Maildir with "facteur bounces fetch --maildir ${folder}"`,
    );
  });

  it('refuses an mbox of several messages as one bounce, naming it with the command that reads it, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-bounces-cli-'));
    const dsn = BOUNCE.replaceAll('\r', '\n');
    const one = join(dir, 'one.mbox');
    writeFileSync(one, `From MAILER-DAEMON Mon Nov 23 14:00:00 2026\n${dsn}\nFrom the desk of the postmaster\n`);
    const mbox = join(dir, 'bounces');
    const entry = (i: number) =>
      `From MAILER-DAEMON Mon Nov 23 14:00:0${i} 2026\n${dsn.replace('jane@', `jane${i}@`)}\n`;
    writeFileSync(mbox, [1, 2, 3].map(entry).join(''));
    const failure = await run(process.execPath, [BIN, 'bounces', 'parse', one, mbox, '--jsonl']).catch(
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure).toMatchObject({ code: 2 });
    const { stdout, stderr } = failure as { stdout: string; stderr: string };
    expect(JSON.parse(stdout)).toMatchObject({
      file: one,
      kind: 'bounce',
      recipients: [{ address: 'jane@example.net' }],
    });
    expect(stderr).toBe(
      `facteur: Cannot parse "${mbox}" as one bounce: it is an mbox of 3 messages; read it with "facteur bounces fetch --mbox ${mbox}"\n`,
    );
  });
});
