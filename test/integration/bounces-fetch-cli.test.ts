import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import dns from 'node:dns/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBounceCorpus } from './helpers/dovecot.js';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');
const corpus = readBounceCorpus().filter((m) => m.file.startsWith('bsd/'));

/** Root reads every file whatever its mode: a run meant to meet an unreadable file runs as nobody then. */
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function run(
  args: string[],
  options: { asNobody?: boolean } = {},
): { status: number | null; stdout: string; stderr: string } {
  const user = options.asNobody === true && isRoot ? { uid: NOBODY, gid: NOBODY } : {};
  const result = spawnSync(process.execPath, [CLI, 'bounces', 'fetch', ...args], { encoding: 'utf8', ...user });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('facteur bounces fetch (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-fetch-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('bounces fetch --maildir --json prints one JSON document and exits 0; a rerun records nothing', () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    corpus.slice(0, 20).forEach((m, i) => {
      writeFileSync(join(maildir, 'new', `1700000${100 + i}.M${i}P9.host`), m.raw);
    });
    const db = join(dir, 'cli.sqlite');
    const first = run(['--maildir', maildir, '--db', db, '--json']);
    expect(first.status).toBe(0);
    const json = JSON.parse(first.stdout) as {
      schemaVersion: number;
      complete: boolean;
      sources: { recorded: number }[];
      summary: { messages: number; eventsByReason: Record<string, number> };
    };
    expect(json).toMatchObject({ schemaVersion: 1, complete: true, sources: [{ recorded: 20 }] });
    expect(json.summary.messages).toBe(20);
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
    expect(first.stderr).toBe('');

    const again = run(['--maildir', maildir, '--db', db, '--lang', 'fr']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 enregistré,');
    expect(again.stdout).toContain('Cette exécution : 0 message, 0 événement destinataire');
  });

  it('bounces fetch --maildir records the files it can read, names the one it cannot and exits 2; a directory in new/ is no mail', () => {
    const base = join(dir, 'locked');
    const maildir = join(base, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    corpus.slice(0, 5).forEach((m, i) => {
      writeFileSync(join(maildir, 'new', `1700000${200 + i}.M${i}P9.host`), m.raw);
    });
    const locked = join(maildir, 'new', '1700000202.M2P9.host');
    chmodSync(locked, 0o000);
    mkdirSync(join(maildir, 'new', 'saved-by-hand'));
    // nobody must get through the test directory to the Maildir.
    chmodSync(dir, 0o755);
    if (isRoot)
      for (const path of [base, maildir, ...['new', 'cur', 'tmp'].map((s) => join(maildir, s))]) {
        chownSync(path, NOBODY, NOBODY);
        for (const name of readdirSync(path)) chownSync(join(path, name), NOBODY, NOBODY);
      }
    const db = join(base, 'locked.sqlite');
    const first = run(['--maildir', maildir, '--db', db, '--json', '--lang', 'fr'], { asNobody: true });
    expect(first.status).toBe(2);
    const json = JSON.parse(first.stdout) as {
      sources: { recorded: number; unreadable: { file: string; reason: { en: string } }[]; error: string | null }[];
    };
    expect(json.sources[0]).toMatchObject({ recorded: 4, error: null });
    expect(json.sources[0]?.unreadable).toEqual([
      { file: locked, reason: { en: 'permission denied (EACCES)', fr: 'permission refusée (EACCES)' } },
    ]);
    expect(first.stderr).toBe(
      `facteur : Impossible de lire « ${locked} » : permission refusée (EACCES) ; il reste où il est, sans être enregistré : donnez à facteur le droit de le lire, puis relancez\n`,
    );
    expect(readdirSync(join(maildir, 'new')).sort()).toEqual(['1700000202.M2P9.host', 'saved-by-hand']);

    chmodSync(locked, 0o600);
    const rerun = run(['--maildir', maildir, '--db', db, '--json'], { asNobody: true });
    expect(rerun.status).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ sources: [{ recorded: 1, unreadable: [] }] });
    expect(readdirSync(join(maildir, 'new'))).toEqual(['saved-by-hand']);
  });

  it('bounces fetch --sympa-dir records the spool files it can read and names the one it cannot, exit 2', () => {
    const base = join(dir, 'sympa');
    const spool = join(base, 'bounce');
    mkdirSync(spool, { recursive: true });
    corpus.slice(0, 3).forEach((m, i) => {
      writeFileSync(
        join(spool, `team@lists.example.org.170000000${i}.42${i}`),
        Buffer.concat([Buffer.from('X-Sympa-To: team@lists.example.org\n'), m.raw]),
      );
    });
    const locked = join(spool, 'team@lists.example.org.1700000001.421');
    chmodSync(locked, 0o000);
    chmodSync(dir, 0o755);
    if (isRoot)
      for (const path of [base, spool, ...readdirSync(spool).map((name) => join(spool, name))])
        chownSync(path, NOBODY, NOBODY);
    const result = run(['--sympa-dir', spool, '--db', join(base, 'spool.sqlite'), '--json'], { asNobody: true });
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      sources: [
        { recorded: 2, unreadable: [{ file: locked, reason: { en: 'permission denied (EACCES)' } }], error: null },
      ],
    });
    expect(result.stderr).toContain(`Cannot read "${locked}": permission denied (EACCES)`);
  });

  it('bounces fetch --maildir on a Maildir facteur may read but not write exits 2 before recording anything', () => {
    const base = join(dir, 'read-only');
    const maildir = join(base, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(join(maildir, 'new', '1700000300.M1P9.host'), corpus[0]!.raw);
    chmodSync(dir, 0o755);
    // Read and traverse for all, write for no one but root (who runs the test as nobody).
    chmodSync(maildir, 0o555);
    if (isRoot) chownSync(base, NOBODY, NOBODY);
    const result = run(['--maildir', maildir, '--db', join(base, 'ro.sqlite'), '--json'], { asNobody: true });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `facteur: Cannot use Maildir "${maildir}": cannot create "${join(maildir, '.facteur-done')}/cur": permission denied (EACCES); facteur moves each recorded message into .facteur-done or .facteur-odd, so it must be able to write in the Maildir\n`,
    );
    expect(readdirSync(join(maildir, 'new'))).toEqual(['1700000300.M1P9.host']);
    chmodSync(maildir, 0o755);
  });

  it('bounces fetch --maildir says recorded messages it could not move, and why, and exits 2; the rerun counts none twice', () => {
    const base = join(dir, 'stuck');
    const maildir = join(base, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    corpus.slice(0, 3).forEach((m, i) => {
      writeFileSync(join(maildir, 'new', `1700000${400 + i}.M${i}P9.host`), m.raw);
    });
    chmodSync(dir, 0o755);
    if (isRoot)
      for (const path of [base, maildir, ...['new', 'cur', 'tmp'].map((s) => join(maildir, s))])
        chownSync(path, NOBODY, NOBODY);
    // new/ readable but not writable: a file can be read and recorded, not renamed out of it.
    chmodSync(join(maildir, 'new'), 0o555);
    const db = join(base, 'stuck.sqlite');
    const first = run(['--maildir', maildir, '--db', db, '--lang', 'fr'], { asNobody: true });
    expect(first.status).toBe(2);
    expect(first.stdout).toContain(
      `maildir:${maildir} : 3 messages enregistrés n’ont pas pu être rangés : impossible de déplacer « ${join(maildir, 'new', '1700000400.M0P9.host')} » : permission refusée (EACCES) ; ils restent où ils sont`,
    );
    chmodSync(join(maildir, 'new'), 0o755);
    const rerun = run(['--maildir', maildir, '--db', db, '--json'], { asNobody: true });
    expect(rerun.status).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      sources: [{ recorded: 0, alreadyRecorded: 3, settled: { moved: 3, failed: 0 } }],
    });
  });

  it('bounces fetch with no source exits 2 and leaves stdout empty', () => {
    const result = run(['--db', join(dir, 'none.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no source');
  });

  it('bounces fetch --config with a bad section exits 2 naming the JSON path', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ bounces: { imap: { host: 'h', user: 'u', passwordEnv: 'X', prot: 1 } } }));
    const result = run(['--config', config, '--db', join(dir, 'bad.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('"bounces.imap.prot" is not a known setting');
  });

  it('bounces fetch with an IMAP host that does not exist exits 2 naming the setting, not 3 as if it were down', async () => {
    const config = join(dir, 'nxdomain.json');
    // RFC 2606 §2: ".invalid" never resolves.
    const imap = { host: 'imap.facteur.invalid', user: 'u', passwordEnv: 'FACTEUR_TEST_NO_PASSWORD' };
    writeFileSync(config, JSON.stringify({ bounces: { imap } }));
    const result = spawnSync(
      process.execPath,
      [CLI, 'bounces', 'fetch', '--config', config, '--db', join(dir, 'nxdomain.sqlite'), '--lang', 'fr'],
      { encoding: 'utf8', env: { ...process.env, FACTEUR_TEST_NO_PASSWORD: 'x' } },
    );
    // Without a DNS server to say NXDOMAIN (a machine offline: EAI_AGAIN), the name may yet exist: exit 3 is right then.
    const lookup = await dns.lookup(imap.host).catch((error: unknown) => (error as { code?: string }).code);
    const isNxdomain = lookup === 'ENOTFOUND';
    expect(result.status).toBe(isNxdomain ? 2 : 3);
    expect(
      result.stderr.includes(
        'Impossible de joindre le serveur IMAP « imap.facteur.invalid » : cet hôte n’existe pas ; vérifiez « bounces.imap.host »',
      ),
    ).toBe(isNxdomain);
  });

  it('bounces fetch against an unreachable IMAP server exits 3 and never shows the password', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        resolve((server.address() as net.AddressInfo).port);
      });
    });
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    const secret = join(dir, 'pw');
    writeFileSync(secret, 'hunter2-do-not-print\n');
    chmodSync(secret, 0o600);
    const config = join(dir, 'down.json');
    writeFileSync(
      config,
      JSON.stringify({
        bounces: { imap: { host: '127.0.0.1', port, security: 'none', user: 'u', passwordFile: 'pw' } },
      }),
    );
    const result = run(['--config', config, '--db', join(dir, 'down.sqlite'), '--json']);
    expect(result.status).toBe(3);
    const json = JSON.parse(result.stdout) as { complete: boolean; sources: { error: string | null }[] };
    expect(json.complete).toBe(false);
    expect(json.sources[0]?.error).toMatch(/ECONNREFUSED/);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });
});
