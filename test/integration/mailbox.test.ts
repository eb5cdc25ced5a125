import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLastLogins } from '../../src/mailbox/read-last-logins.js';
import { NEWEST_SAVED_COMMAND, readMailboxStatus } from '../../src/mailbox/read-mailbox-status.js';
import { startLastLoginDovecot, type LastLoginDovecot } from './helpers/dovecot-lastlogin.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'eve'].map((name) => ({
  user: `${name}@example.test`,
  password: `${name}-secret`,
}));
/** Logins older than this run, as a hoster's dict holds them for people who left. */
const SEEDED = [
  { user: 'carol@example.test', lastLogin: new Date('2024-01-05T09:30:00Z') },
  { user: 'dave@example.test', lastLogin: new Date('2022-06-01T00:00:00Z') },
];

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

async function withImap(server: LastLoginDovecot, user: string, work: (client: ImapFlow) => Promise<void>) {
  const password = USERS.find((u) => u.user === user)?.password ?? '';
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.logout();
  }
}

function message(subject: string): string {
  return `From: someone@example.org\r\nTo: x@example.test\r\nSubject: ${subject}\r\n\r\nHello\r\n`;
}

describe("Dovecot's last_login dict and INBOX saved dates, read for real", () => {
  let server: LastLoginDovecot;
  let work: string;
  const stopped: LastLoginDovecot[] = [];
  let loginsFrom: number;
  let loginsTo: number;
  let aliceSavedFrom: number;
  let aliceSavedTo: number;
  let bobSavedFrom: number;
  let bobSavedTo: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'facteur-mailbox-'));
    server = await startLastLoginDovecot(USERS, SEEDED);
    stopped.push(server);
    loginsFrom = seconds(new Date());
    aliceSavedFrom = loginsFrom;
    // Internal dates years back: Maildir keeps them as the file's mtime, the saved date stays the day of the APPEND.
    await withImap(server, 'alice@example.test', async (client) => {
      await client.append('INBOX', message('old'), [], new Date('2024-01-01T10:00:00Z'));
      await client.append('INBOX', message('newer'), ['\\Seen'], new Date('2025-03-15T10:00:00Z'));
    });
    aliceSavedTo = seconds(new Date());
    // Saved dates have one-second precision: wait past a second boundary so Bob's is strictly later than Alice's.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    bobSavedFrom = seconds(new Date());
    await withImap(server, 'bob@example.test', async (client) => {
      await client.append('INBOX', message('hello'), [], new Date('2023-07-14T12:00:00Z'));
    });
    bobSavedTo = seconds(new Date());
    await withImap(server, 'eve@example.test', () => Promise.resolve());
    loginsTo = seconds(new Date());
  });
  afterAll(async () => {
    for (const each of stopped) await each.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('readLastLogins() reads the logins IMAP made and the seeded ones from `doveadm dict iter`', async () => {
    const output = join(work, 'dict-iter.txt');
    await writeFile(
      output,
      await server.doveadm(['-f', 'tab', 'dict', 'iter', '-R', server.dictUri, 'shared/last-login/']),
    );
    const logins = new Map<string, Date>();
    for await (const entry of readLastLogins({ doveadmDictIter: output })) logins.set(entry.user, entry.lastLogin);

    expect([...logins.keys()].sort()).toEqual([
      'alice@example.test',
      'bob@example.test',
      'carol@example.test',
      'dave@example.test',
      'eve@example.test',
    ]);
    expect(logins.get('carol@example.test')).toEqual(SEEDED[0]?.lastLogin);
    expect(logins.get('dave@example.test')).toEqual(SEEDED[1]?.lastLogin);
    for (const user of ['alice@example.test', 'bob@example.test', 'eve@example.test']) {
      const at = seconds(logins.get(user) ?? new Date(0));
      expect(at).toBeGreaterThanOrEqual(loginsFrom);
      expect(at).toBeLessThanOrEqual(loginsTo);
    }
  });

  // Alice, first in the user list, has two messages and Bob one: the case where `*` under -A loses Bob.
  it('readMailboxStatus() reads the newest saved date per INBOX, none for an empty one', async () => {
    const output = join(work, 'fetch.txt');
    const [, ...args] = NEWEST_SAVED_COMMAND;
    await writeFile(output, await server.doveadm(args));
    const saved = new Map<string, Date>();
    for await (const entry of readMailboxStatus(output)) saved.set(entry.user, entry.newestSavedAt);

    expect([...saved.keys()].sort()).toEqual(['alice@example.test', 'bob@example.test']);
    const alice = seconds(saved.get('alice@example.test') ?? new Date(0));
    const bob = seconds(saved.get('bob@example.test') ?? new Date(0));
    expect(alice).toBeGreaterThanOrEqual(aliceSavedFrom);
    expect(alice).toBeLessThanOrEqual(aliceSavedTo);
    expect(bob).toBeGreaterThanOrEqual(bobSavedFrom);
    expect(bob).toBeLessThanOrEqual(bobSavedTo);
    expect(bob).toBeGreaterThan(alice);
  });

  it('the saved date is not the internal date an APPEND gave', async () => {
    const received = await server.doveadm([
      '-f',
      'tab',
      'fetch',
      '-u',
      'alice@example.test',
      'date.received.unixtime date.saved.unixtime',
      'mailbox',
      'INBOX',
      '*',
    ]);
    const [, row = ''] = received.trim().split('\n');
    const [receivedAt = '', savedAt = ''] = row.split('\t');
    expect(Number(receivedAt)).toBe(seconds(new Date('2025-03-15T10:00:00Z')));
    expect(Number(savedAt)).toBeGreaterThanOrEqual(aliceSavedFrom);
  });
});
