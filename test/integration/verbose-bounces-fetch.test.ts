import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBounceCorpus, startDovecot, type DovecotServer } from './helpers/dovecot.js';
import { facteur } from './helpers/facteur.js';
import { expectNoSecret, SECRET, traced } from './helpers/verbose-trace.js';

describe('facteur bounces fetch --verbose (built CLI against a real Dovecot)', () => {
  let dovecot: DovecotServer;
  let dir: string;
  const bounce = readBounceCorpus().find((message) => message.file.startsWith('bsd/'));

  beforeAll(async () => {
    dovecot = await startDovecot({ password: SECRET });
    dir = mkdtempSync(join(tmpdir(), 'facteur-verbose-imap-'));
  });

  afterAll(async () => {
    await dovecot.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fetchWith(name: string, extra: string[]): Promise<Awaited<ReturnType<typeof facteur>>> {
    if (bounce === undefined) throw new Error('No bounce in the corpus');
    const client = await dovecot.connect();
    try {
      await client.append('INBOX', bounce.raw);
    } finally {
      await client.logout();
    }
    const configFile = join(dir, `${name}.json`);
    const imap = {
      host: dovecot.host,
      port: dovecot.port,
      security: 'none',
      user: dovecot.user,
      passwordEnv: 'FACTEUR_TEST_IMAP_PASSWORD',
    };
    writeFileSync(configFile, JSON.stringify({ bounces: { imap } }));
    return facteur(
      ['bounces', 'fetch', '--config', configFile, '--db', join(dir, `${name}.sqlite`), '--json', ...extra],
      undefined,
      { env: { FACTEUR_TEST_IMAP_PASSWORD: SECRET } },
    );
  }

  it('bounces fetch --verbose logs each IMAP command and response, the login redacted, no message', async () => {
    const run = await fetchWith('verbose', ['--verbose']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, complete: true, sources: [{ recorded: 1 }] });
    const imap = traced(run.stderr, 'imap');
    expect(imap).toContainEqual(expect.stringMatching(/^facteur: imap S: \* OK /));
    // Dovecot offers AUTH=PLAIN, which imapflow prefers: the SASL response after "+" is redacted.
    const auth = imap.findIndex((line) => /^facteur: imap C: \S+ AUTHENTICATE PLAIN$/.test(line));
    expect(auth).toBeGreaterThan(-1);
    expect(imap.slice(auth + 1, auth + 3)).toEqual(['facteur: imap S: +', 'facteur: imap C: <redacted>']);
    expect(imap[auth + 3]).toMatch(/^facteur: imap S: \S+ OK .*Logged in$/);
    expect(imap).toContainEqual(expect.stringMatching(/^facteur: imap C: \S+ SELECT /));
    expect(imap).toContainEqual(expect.stringMatching(/^facteur: imap C: \S+ UID FETCH /));
    expectNoSecret(run.stderr + run.stdout, dovecot.user, SECRET);
    // The bounce's own text stays out: FETCH responses are not logged.
    const body = bounce?.raw.toString('latin1') ?? '';
    const subject = /^Subject: (.+)$/m.exec(body)?.[1]?.trim() ?? '';
    expect(subject).not.toBe('');
    expect(run.stderr).not.toContain(subject);
  });

  it('bounces fetch without --verbose writes no IMAP line', async () => {
    const run = await fetchWith('quiet', []);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, sources: [{ recorded: 1 }] });
    expect(run.stderr).not.toContain('facteur: imap');
  });
});
