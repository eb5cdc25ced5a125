import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BounceMailbox } from '../../src/bounces/bounce-mailbox.js';
import { fetchBounces } from '../../src/bounces/fetch-bounces.js';
import type { ImapConfig } from '../../src/bounces/fetch-config.js';
import { openImapSource } from '../../src/bounces/imap-source.js';
import { renderFetchText } from '../../src/cli/commands/bounces-fetch.js';
import { parseBounce } from '../../src/parse/bounce/parse-bounce.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { readBounceCorpus, startDovecot, type DovecotServer } from './helpers/dovecot.js';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

let dovecot: DovecotServer;
let dir: string;
const corpus = readBounceCorpus();

beforeAll(async () => {
  dovecot = await startDovecot({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'facteur-fetch-imap-'));
});

afterAll(async () => {
  await dovecot.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** What the parser makes of a set of messages: the counts a fetch of them must record, exactly. */
function expected(messages: readonly { raw: Buffer }[]): { messages: number; events: number; odd: number } {
  let events = 0;
  let odd = 0;
  for (const { raw } of messages) {
    const report = parseBounce(raw);
    const n = report.kind === 'other' ? 0 : report.recipients.length;
    events += n;
    if (n === 0) odd++;
  }
  return { messages: messages.length, events, odd };
}

function imapConfig(folder: string, port = dovecot.port): ImapConfig {
  return {
    host: dovecot.host,
    port,
    security: 'none',
    user: dovecot.user,
    password: dovecot.password,
    folder,
    doneFolder: `${folder}-done`,
    oddFolder: `${folder}-odd`,
    tlsRejectUnauthorized: true,
  };
}

async function appendAll(folder: string, messages: readonly { raw: Buffer }[]): Promise<void> {
  const client = await dovecot.connect();
  try {
    await client.mailboxCreate(folder).catch(() => undefined);
    for (const { raw } of messages) await client.append(folder, raw);
  } finally {
    await client.logout();
  }
}

async function folderCounts(folder: string): Promise<{ inbox: number; done: number; odd: number }> {
  const client = await dovecot.connect();
  try {
    const count = async (path: string): Promise<number> => {
      try {
        return (await client.status(path, { messages: true })).messages ?? 0;
      } catch {
        return 0;
      }
    };
    return { inbox: await count(folder), done: await count(`${folder}-done`), odd: await count(`${folder}-odd`) };
  } finally {
    await client.logout();
  }
}

function storeCounts(db: Db): { messages: number; events: number; odd: number } {
  const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  return {
    messages: n('SELECT count(*) AS n FROM bounce_messages'),
    events: n('SELECT count(*) AS n FROM bounce_events'),
    odd: n(
      `SELECT count(*) AS n FROM bounce_messages m
       WHERE NOT EXISTS (SELECT 1 FROM bounce_events e WHERE e.message_id = m.id)`,
    ),
  };
}

/** Runs the built `facteur bounces fetch --json` on the test account, with `imap` over the account's settings. */
function runFetch(name: string, imap: object, env: NodeJS.ProcessEnv = {}) {
  const configFile = join(dir, `${name}.json`);
  const account = { host: dovecot.host, user: dovecot.user, passwordEnv: 'FACTEUR_TEST_IMAP_PASSWORD' };
  writeFileSync(configFile, JSON.stringify({ bounces: { imap: { ...account, ...imap } } }));
  const args = [CLI, 'bounces', 'fetch', '--config', configFile, '--db', join(dir, `${name}.sqlite`), '--json'];
  return spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, FACTEUR_TEST_IMAP_PASSWORD: dovecot.password, ...env },
  });
}

/** A TCP relay to Dovecot that cuts both sockets once it has passed `limit` bytes from the server. */
async function startCuttingProxy(limit: number): Promise<{ port: number; cut: () => boolean; close: () => void }> {
  let passed = 0;
  let didCut = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(dovecot.port, dovecot.host);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.pipe(upstream);
    upstream.on('data', (data: Buffer) => {
      passed += data.length;
      if (passed > limit) {
        didCut = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(data);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  return { port, cut: () => didCut, close: () => server.close() };
}

describe('bounces fetch against Dovecot', () => {
  it('fetchBounces() records each appended corpus bounce once and moves it to the done or odd folder', async () => {
    const messages = corpus.slice(0, 300);
    await appendAll('plain', messages);
    const db = openDatabase(join(dir, 'plain.sqlite'));
    const want = expected(messages);
    const first = await fetchBounces(db, [openImapSource(imapConfig('plain'), { batchSize: 40 })], { keepRaw: true });
    expect(first.complete).toBe(true);
    expect(first.sources[0]).toMatchObject({ seen: 300, recorded: 300, events: want.events, odd: want.odd });
    expect(storeCounts(db)).toEqual(want);
    expect(await folderCounts('plain')).toEqual({ inbox: 0, done: 300 - want.odd, odd: want.odd });
    const raw = db.prepare('SELECT count(*) AS n FROM bounce_messages WHERE raw IS NOT NULL').get() as { n: number };
    expect(raw.n).toBe(300);

    const again = await fetchBounces(db, [openImapSource(imapConfig('plain'))], { keepRaw: true });
    expect(again.sources[0]).toMatchObject({ seen: 0, recorded: 0 });
    expect(storeCounts(db)).toEqual(want);
    db.close();
  });

  it('fetchBounces() after a connection dropped midway records the rest, counting nothing twice', async () => {
    const messages = corpus.slice(100, 400);
    await appendAll('dropped', messages);
    const db = openDatabase(join(dir, 'dropped.sqlite'));
    const want = expected(messages);
    // About 400 KB of the ~1.2 MB the server sends: the cut falls in the middle of the batches.
    const proxy = await startCuttingProxy(400_000);
    const cut = await fetchBounces(db, [openImapSource(imapConfig('dropped', proxy.port), { batchSize: 30 })], {
      keepRaw: false,
    });
    proxy.close();
    expect(proxy.cut()).toBe(true);
    expect(cut.complete).toBe(false);
    expect(cut.sources[0]?.error).not.toBeNull();
    expect(renderFetchText(cut, 'fr')).toMatch(/arrêt prématuré : le serveur a fermé la connexion \(\w+\)/);
    const recordedBefore = storeCounts(db).messages;
    expect(recordedBefore).toBeGreaterThan(0);
    expect(recordedBefore).toBeLessThan(300);

    const rerun = await fetchBounces(db, [openImapSource(imapConfig('dropped'), { batchSize: 30 })], {
      keepRaw: false,
    });
    expect(rerun.complete).toBe(true);
    expect(rerun.sources[0]?.recorded).toBe(300 - recordedBefore);
    expect(storeCounts(db)).toEqual(want);
    expect(await folderCounts('dropped')).toEqual({ inbox: 0, done: 300 - want.odd, odd: want.odd });
    db.close();
  });

  it('fetchBounces() finishes moving what a run recorded before dying, even after a UIDVALIDITY change', async () => {
    const messages = corpus.slice(200, 260);
    await appendAll('reborn', messages);
    const db = openDatabase(join(dir, 'reborn.sqlite'));
    const want = expected(messages);
    // A run that dies right after committing its second batch: recorded, never moved.
    const real = openImapSource(imapConfig('reborn'), { batchSize: 20 });
    let batches = 0;
    const dying: BounceMailbox = {
      ...real,
      name: real.name,
      settle: async (items) => {
        if (++batches === 2) throw new Error('killed between commit and move');
        return real.settle(items);
      },
    };
    const first = await fetchBounces(db, [dying], { keepRaw: false });
    expect(first.sources[0]?.recorded).toBe(40);
    const uidValidityBefore = (db.prepare('SELECT uid_validity AS v FROM bounce_sources').get() as { v: number }).v;

    // The server loses its index: Dovecot rebuilds the folder with a new UIDVALIDITY and new UIDs.
    await dovecot.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const folderDir = join(dovecot.maildir, '.reborn');
    for (const name of readdirSync(folderDir))
      if (name.startsWith('dovecot')) rmSync(join(folderDir, name), { force: true });
    await dovecot.start();

    const rerun = await fetchBounces(db, [openImapSource(imapConfig('reborn'), { batchSize: 20 })], {
      keepRaw: false,
    });
    expect(rerun.sources[0]).toMatchObject({ uidValidityChanged: true, alreadyRecorded: 20, recorded: 20 });
    const uidValidityAfter = (db.prepare('SELECT uid_validity AS v FROM bounce_sources').get() as { v: number }).v;
    expect(uidValidityAfter).not.toBe(uidValidityBefore);
    expect(storeCounts(db)).toEqual(want);
    expect(await folderCounts('reborn')).toEqual({ inbox: 0, done: 60 - want.odd, odd: want.odd });
    db.close();
  });

  it('fetchBounces() flags messages in place when no folder is configured, and does not count them again', async () => {
    const messages = corpus.slice(300, 330);
    await appendAll('flagged', messages);
    const db = openDatabase(join(dir, 'flagged.sqlite'));
    const config = { ...imapConfig('flagged'), doneFolder: null, oddFolder: null };
    const first = await fetchBounces(db, [openImapSource(config)], { keepRaw: false });
    expect(first.sources[0]?.settled).toMatchObject({ flagged: 30, moved: 0 });
    const again = await fetchBounces(db, [openImapSource(config)], { keepRaw: false });
    expect(again.sources[0]).toMatchObject({ recorded: 0, alreadyRecorded: 30 });
    expect(storeCounts(db)).toEqual(expected(messages));
    const client = await dovecot.connect();
    await client.mailboxOpen('flagged');
    expect(await client.search({ keyword: '$FacteurDone' }, { uid: true })).toHaveLength(30 - expected(messages).odd);
    await client.logout();
    db.close();
  });

  it('fetchBounces() records a 10 MB bounce and sets a truncated message aside, with no crash', async () => {
    const dsn = corpus.find((m) => m.file === 'bsd/lhost-postfix-04.eml')!;
    const padding = Buffer.from(`${'x'.repeat(76)}\n`.repeat(140_000));
    const huge = Buffer.concat([dsn.raw, Buffer.from('\n'), padding]);
    expect(huge.length).toBeGreaterThan(10_000_000);
    const truncated = dsn.raw.subarray(0, 300);
    await appendAll('hostile', [{ raw: huge }, { raw: truncated }]);
    const db = openDatabase(join(dir, 'hostile.sqlite'));
    const report = await fetchBounces(db, [openImapSource(imapConfig('hostile'))], { keepRaw: false });
    expect(report.complete).toBe(true);
    const rows = db.prepare('SELECT kind, length(content_hash) AS h FROM bounce_messages ORDER BY id').all();
    expect(rows).toEqual([
      { kind: parseBounce(dsn.raw).kind, h: 64 },
      { kind: 'other', h: 64 },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM bounce_events').get()).toEqual({
      n: parseBounce(dsn.raw).recipients.length,
    });
    expect(await folderCounts('hostile')).toEqual({ inbox: 0, done: 1, odd: 1 });
    db.close();
  });

  it('facteur bounces fetch killed with SIGKILL midway, then rerun, counts every bounce exactly once', async () => {
    // Dovecot stores CRLF as LF, so the dos/ copies of bsd/ messages would become the same bytes (found again by
    // their content hash, rightly): leave them and the CR-only mac/ copies out to keep the count simple.
    const messages = corpus.filter((m) => !m.file.startsWith('dos/') && !m.file.startsWith('mac/'));
    await appendAll('killed', messages);
    const want = expected(messages);
    const dbPath = join(dir, 'killed.sqlite');
    const configFile = join(dir, 'killed.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        bounces: {
          imap: {
            host: dovecot.host,
            port: dovecot.port,
            security: 'none',
            user: dovecot.user,
            passwordEnv: 'FACTEUR_TEST_IMAP_PASSWORD',
            folder: 'killed',
            doneFolder: 'killed-done',
            oddFolder: 'killed-odd',
          },
        },
      }),
    );
    const env = { ...process.env, FACTEUR_TEST_IMAP_PASSWORD: dovecot.password };
    const args = [CLI, 'bounces', 'fetch', '--config', configFile, '--db', dbPath, '--json'];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let childStderr = '';
    child.stderr.on('data', (data: Buffer) => (childStderr += data.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => {
        resolve(signal);
      }),
    );
    // Kill once some messages are recorded: the database is polled from this process, as another reader would.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (child.exitCode !== null) throw new Error(`fetch ended before the kill (${child.exitCode}): ${childStderr}`);
      let recorded = 0;
      try {
        const reader = openDatabase(dbPath, { readonly: true });
        recorded = storeCounts(reader).messages;
        reader.close();
      } catch {
        continue;
      }
      if (recorded >= 150) break;
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const reader = openDatabase(dbPath, { readonly: true });
    const atKill = storeCounts(reader).messages;
    reader.close();
    expect(atKill).toBeLessThan(messages.length);

    const rerun = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    rerun.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    const code = await new Promise<number | null>((resolve) =>
      rerun.on('exit', (c) => {
        resolve(c);
      }),
    );
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { schemaVersion: number; sources: { recorded: number }[] };
    expect(json.schemaVersion).toBe(1);
    expect(json.sources[0]?.recorded).toBe(messages.length - atKill);
    const db = openDatabase(dbPath);
    expect(storeCounts(db)).toEqual(want);
    db.close();
    expect(await folderCounts('killed')).toEqual({ inbox: 0, done: messages.length - want.odd, odd: want.odd });
  });

  it('facteur bounces fetch refuses a self-signed certificate over TLS and STARTTLS, says what to do, exits 2', async () => {
    const messages = corpus.slice(0, 3);
    await appendAll('untrusted', messages);
    const tls = dovecot.tls!;
    const run = (name: string, imap: object, env: NodeJS.ProcessEnv = {}) =>
      runFetch(name, { folder: 'untrusted', ...imap }, env);
    const implicit = run('tls', { port: tls.port });
    expect(implicit.status).toBe(2);
    expect(implicit.stdout).toBe('');
    expect(implicit.stderr).toContain(
      `Cannot open a verified TLS connection to IMAP server "${dovecot.host}:${tls.port}": its certificate is self-signed`,
    );
    expect(implicit.stderr).toContain('NODE_EXTRA_CA_CERTS=');
    expect(implicit.stderr).toContain('"bounces.imap.tlsRejectUnauthorized" to false');

    const starttls = run('starttls', { port: dovecot.port, security: 'starttls' });
    expect(starttls.status).toBe(2);
    expect(starttls.stderr).toContain(
      `Cannot open a verified TLS connection to IMAP server "${dovecot.host}:${dovecot.port}": its certificate is self-signed`,
    );
    expect(await folderCounts('untrusted')).toEqual({ inbox: 3, done: 0, odd: 0 });

    // What the message advises works: the certificate given as a trusted CA, the same fetch goes through.
    const trusted = run('trusted', { port: tls.port }, { NODE_EXTRA_CA_CERTS: tls.certificateFile });
    expect(trusted.status).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ sources: [{ recorded: 3 }] });
  });

  it("facteur bounces fetch names a folder that does not exist with the account's folders, exit 2", async () => {
    await appendAll('Bounces', corpus.slice(0, 1));
    const result = runFetch('typo', { port: dovecot.port, security: 'none', folder: 'Bounce' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^facteur: Cannot open IMAP folder "Bounce" on "${dovecot.host}": it does not exist; the account's folders are .*"Bounces"`,
      ),
    );
    expect(await folderCounts('Bounces')).toEqual({ inbox: 1, done: 0, odd: 0 });
  });

  it('fetchBounces() says which folder the server would not create, and flags its messages in place', async () => {
    const messages = corpus.slice(0, 4);
    await appendAll('refusing', messages);
    const db = openDatabase(join(dir, 'refusing.sqlite'));
    // Dovecot refuses a name beginning with "~" (NO [CANNOT]), as a server refuses a name its rules forbid.
    const config = { ...imapConfig('refusing'), doneFolder: '~done' };
    const report = await fetchBounces(db, [openImapSource(config)], { keepRaw: false });
    const odd = expected(messages).odd;
    expect(report.sources[0]).toMatchObject({
      refusedFolders: [{ folder: '~done', keyword: '$FacteurDone', reason: "Invalid mailbox name: Begins with '~'" }],
      settled: { flagged: 4 - odd, moved: odd },
    });
    expect(renderFetchText(report, 'en')).toContain(
      `the server would not create folder "~done" (Invalid mailbox name: Begins with '~'); its messages were left in place, flagged $FacteurDone`,
    );
    db.close();
  });
});
