import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { authenticate } from 'mailauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkResolver, type NetworkResolver } from '../../src/dns/network-resolver.js';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import { decodeVerp } from '../../src/parse/verp.js';
import { loadCampaignConfig } from '../../src/send/campaign-config.js';
import { campaignStatus } from '../../src/send/campaign-status.js';
import { sendCampaign, type RetryWait, type SendOptions } from '../../src/send/send-campaign.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { findCampaign, messagesInState } from '../../src/store/send-queue.js';
import {
  startCampaignZones,
  dkimKeyPair,
  FROM_DOMAIN,
  mailauthResolver,
  people,
  writeCampaign,
  type CampaignFixture,
} from './helpers/smtp-campaign.js';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from './helpers/smtp-server.js';

/** Short backoff so retries happen within a test; the schedule itself is the same code. */
const FAST_RETRY = { baseMs: 20, maxAttemptsPerRun: 5 };

function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r\n\r\n/)[0] ?? '';
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const line = unfolded.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** Decodes RFC 2047 Q-encoded words, as a mail client shows the subject. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (_, text: string) =>
      decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '%$1')),
    );
}

function recipientsOf(messages: readonly ReceivedMessage[]): string[] {
  return messages.flatMap((message) => message.rcptTo).sort();
}

/**
 * A raw SMTP server that answers everything up to DATA, reads the message to its final ".", then closes the
 * connection without a reply: the RFC 1047 case, byte-exact, which smtp-server cannot stage.
 */
async function startSilentServer(): Promise<{ port: number; messages: string[]; stop(): Promise<void> }> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let isData = false;
    socket.write('220 silent.example ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (isData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push(buffer.slice(0, end));
          socket.destroy();
          return;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol).toUpperCase();
        buffer = buffer.slice(eol + 2);
        if (line.startsWith('EHLO')) socket.write('250-silent.example\r\n250 8BITMIME\r\n');
        else if (line === 'DATA') {
          isData = true;
          socket.write('354 go ahead\r\n');
        } else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Points a campaign config at another port. */
function writeConfigPort(configFile: string, port: number): string {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { smtp: Record<string, unknown> };
  writeFileSync(configFile, JSON.stringify({ ...config, smtp: { ...config.smtp, port } }));
  return configFile;
}

describe('sendCampaign() against a real SMTP server', () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;
  let resolver: NetworkResolver;
  let smtp: TestSmtpServer;
  let fixture: CampaignFixture | undefined;
  let db: Db | undefined;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
    resolver = createNetworkResolver({ servers: [zones.address], timeoutMs: 1000, retries: 1 });
  });

  afterAll(async () => {
    await resolver.close();
    await zones.stop();
  });

  afterEach(async () => {
    db?.close();
    db = undefined;
    await smtp.stop();
    if (fixture !== undefined) rmSync(fixture.dir, { recursive: true, force: true });
    fixture = undefined;
  });

  async function setUp(rows: Record<string, string>[], smtpOptions: Record<string, unknown> = {}) {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows, privateKey: keys.privateKey, smtp: smtpOptions });
    db = openDatabase(fixture.dbFile);
    return { config: loadCampaignConfig(fixture.configFile, {}), db };
  }

  function run(base: { config: SendOptions['config']; db: Db }, options: Partial<SendOptions> = {}) {
    return sendCampaign({ ...base, retry: FAST_RETRY, ...options });
  }

  it('sends each recipient once with a VERP envelope sender that decodes back to its row', async () => {
    const setup = await setUp(people(6));
    const report = await run(setup);
    expect(report.run).toMatchObject({ total: 6, sent: 6, failed: 0, deferred: 0 });
    expect(report.counts.sent).toBe(6);
    expect(recipientsOf(smtp.accepted)).toEqual(
      people(6)
        .map((p) => p.email)
        .sort(),
    );
    const campaign = findCampaign(setup.db, 'campaign');
    expect(campaign).toBeDefined();
    for (const message of smtp.accepted) {
      const [local, domain] = message.mailFrom.split('@');
      expect(domain).toBe(FROM_DOMAIN);
      expect(local?.length).toBeLessThanOrEqual(64);
      const identity = decodeVerp(local ?? '', campaign?.verpKey ?? Buffer.alloc(0));
      // Recipient ids are line numbers: person N is on line N + 1 of the CSV.
      const n = Number(/person(\d+)@/.exec(message.rcptTo[0] ?? '')?.[1]);
      expect(identity).toEqual({ campaign: campaign?.id, recipientId: n + 1 });
    }
  });

  it('writes From, Reply-To, the stored Message-ID and List-Unsubscribe headers, and adds nothing to track', async () => {
    const setup = await setUp(people(2));
    await run(setup);
    const stored = setup.db.prepare('SELECT email, message_id FROM messages').all() as {
      email: string;
      message_id: string;
    }[];
    for (const message of smtp.accepted) {
      const raw = message.raw;
      const email = message.rcptTo[0] ?? '';
      const n = /person(\d+)@/.exec(email)?.[1] ?? '';
      expect(headerOf(raw, 'From')).toBe(`Ville de Test <info@${FROM_DOMAIN}>`);
      expect(headerOf(raw, 'Reply-To')).toBe(`Mairie <mairie@${FROM_DOMAIN}>`);
      expect(headerOf(raw, 'To')).toBe(email);
      expect(headerOf(raw, 'Message-ID')).toBe(stored.find((row) => row.email === email)?.message_id);
      expect(headerOf(raw, 'Message-ID')).toMatch(new RegExp(`@${FROM_DOMAIN.replace(/\./g, '\\.')}>$`));
      expect(headerOf(raw, 'List-Unsubscribe')).toBe(
        `<https://consult.example.org/unsubscribe?t=tok${n}>, <mailto:unsubscribe@${FROM_DOMAIN}>`,
      );
      expect(headerOf(raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      // Undo quoted-printable soft line breaks and escapes, so long links read whole.
      const text = raw
        .toString('utf8')
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      // The only links are the template's own, unchanged; no image at all, so no pixel.
      expect(
        [...text.matchAll(/https?:\/\/[^\s"<>]+/g)].map((m) => m[0]).filter((u) => !u.includes('unsubscribe')),
      ).toEqual(expect.arrayContaining(['https://consult.example.org/velo']));
      for (const [url] of text.matchAll(/https?:\/\/[^\s"<>=]+/g))
        expect(url).toMatch(/^https:\/\/consult\.example\.org\//);
      expect(text).not.toMatch(/<img/i);
      expect(headerOf(raw, 'X-Mailer')).toBeUndefined();
    }
  });

  it.each([
    ['text and HTML', {}, {}, 'Consultation vélo, Prénom1'],
    ['text only', { html: undefined }, {}, 'Consultation vélo, Prénom1'],
    ['HTML only', { text: undefined }, {}, 'Consultation vélo, Prénom1'],
    [
      'a non-ASCII subject and names',
      {
        from: `Mairie de Saint-Étienne-du-Rouvray <info@${FROM_DOMAIN}>`,
        replyTo: `Élus « Vélo » <mairie@${FROM_DOMAIN}>`,
        subject: 'Consultation vélo : {{firstname}}, votre avis — 2026',
      },
      { firstname: 'Zoé Δήμητρα Ødegård' },
      'Consultation vélo : Zoé Δήμητρα Ødegård, votre avis — 2026',
    ],
    [
      'long lines',
      { subject: `${'Consultation publique sur le plan vélo '.repeat(6)}{{firstname}}` },
      { body: `${'Une phrase très longue sur le plan vélo, '.repeat(30)}{{firstname}}\n` },
      `${'Consultation publique sur le plan vélo '.repeat(6)}Prénom1`,
    ],
  ])(
    'signs a message with %s so that mailauth verifies it against the key the DNS server publishes',
    async (_, config, extra, subject) => {
      smtp = await startSmtpServer();
      const rows = people(2).map((row) => ({
        ...row,
        ...('firstname' in extra ? { firstname: extra.firstname } : {}),
      }));
      fixture = writeCampaign({ port: smtp.port, rows, privateKey: keys.privateKey, config });
      if ('body' in extra) {
        writeFileSync(join(fixture.dir, 'templates', 'body.txt'), extra.body);
        writeFileSync(join(fixture.dir, 'templates', 'body.html'), `<p>${extra.body.repeat(3)}</p>`);
      }
      db = openDatabase(fixture.dbFile);
      const report = await run({ config: loadCampaignConfig(fixture.configFile, {}), db });
      expect(report.run.sent).toBe(2);
      expect(smtp.accepted).toHaveLength(2);
      for (const message of smtp.accepted) {
        const result = await authenticate(message.raw, {
          ip: '127.0.0.1',
          helo: 'mail.consult.example.org',
          sender: message.mailFrom,
          mta: 'mx.example.net',
          resolver: mailauthResolver(resolver),
        });
        const dkim = result.dkim.results[0];
        expect(dkim?.status.result).toBe('pass');
        expect(dkim?.signingDomain).toBe(FROM_DOMAIN);
        expect(result.spf && result.spf.status.result).toBe('pass');
        expect(result.dmarc && result.dmarc.status.result).toBe('pass');
      }
      const first = smtp.accepted.find((message) => message.rcptTo[0] === 'person1@example.net');
      expect(decodeWords(headerOf(first?.raw ?? Buffer.alloc(0), 'Subject') ?? '')).toBe(subject);
    },
  );

  it('refuses a recipient whose field holds CRLF in the subject: no header injected, the others sent', async () => {
    const rows: Record<string, string>[] = people(3);
    rows[1] = { ...rows[1], email: rows[1]?.email ?? '', firstname: 'Eve\r\nBcc: victim@example.com' };
    const setup = await setUp(rows);
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 2, failed: 1 });
    expect(report.failures[0]).toMatchObject({ email: rows[1].email, state: 'failed' });
    expect(report.failures[0]?.reply).toMatch(/Cannot use the Subject header for line \d+ of ".*recipients\.csv"/);
    expect(recipientsOf(smtp.accepted)).toEqual([rows[0]?.email, rows[2]?.email].sort());
    for (const message of smtp.accepted) expect(message.raw.toString()).not.toMatch(/^Bcc:/im);
  });

  it('keeps a newline in a body field in the body, where it cannot start a header', async () => {
    const rows: Record<string, string>[] = people(1);
    rows[0] = { ...rows[0], email: rows[0]?.email ?? '', token: 'x\nBcc: victim@example.com' };
    const setup = await setUp(rows);
    // The token only feeds the List-Unsubscribe URL, where it is percent-encoded.
    await run(setup);
    const raw = smtp.accepted[0]?.raw ?? Buffer.alloc(0);
    expect(raw.toString()).not.toMatch(/^Bcc:/im);
    expect(headerOf(raw, 'List-Unsubscribe')).toContain('t=x%0ABcc%3A%20victim%40example.com');
  });

  it('retries 421 and 451 replies with backoff and delivers each message once', async () => {
    const setup = await setUp(people(4));
    const refusals = new Map<string, number>();
    smtp.behaviour.onMessage = (message) => {
      const email = message.rcptTo[0] ?? '';
      const seen = refusals.get(email) ?? 0;
      if (seen >= 2) return undefined;
      refusals.set(email, seen + 1);
      return seen === 0
        ? { code: 451, text: '4.7.1 Greylisted, try again later' }
        : { code: 421, text: '4.7.0 Too many messages, slow down' };
    };
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 4, deferred: 0, failed: 0 });
    expect(recipientsOf(smtp.accepted)).toEqual(
      people(4)
        .map((p) => p.email)
        .sort(),
    );
    expect(smtp.dataCount()).toBe(12);
    const attempts = setup.db.prepare('SELECT attempts FROM messages').all() as { attempts: number }[];
    expect(attempts.map((row) => row.attempts)).toEqual([3, 3, 3, 3]);
  });

  it('tells onRetryWait when the run idles until retries: how many messages wait, until when, the 4xx reply', async () => {
    const setup = await setUp(people(3));
    smtp.behaviour.onMessage = () => ({ code: 451, text: '4.7.1 Greylisted, try again later' });
    const waits: RetryWait[] = [];
    const startedAt = Date.now();
    // The backoff (2 s) outlasts the three first attempts, so all three wait together when the run first idles.
    const report = await run(setup, {
      retry: { baseMs: 2000, maxAttemptsPerRun: 2 },
      onRetryWait: (wait) => waits.push(wait),
    });
    expect(report.run).toMatchObject({ sent: 0, deferred: 3 });
    expect(waits[0]).toMatchObject({ messages: 3, replyCode: 451, reply: '451 4.7.1 Greylisted, try again later' });
    expect(waits[0]?.until).toBeGreaterThanOrEqual(startedAt + 2000);
    // Each retry time is told once.
    expect(new Set(waits.map((wait) => wait.until)).size).toBe(waits.length);
  });

  it('leaves a message deferred, with the reply, once its attempts for the run are spent', async () => {
    const setup = await setUp(people(2));
    smtp.behaviour.onMessage = (message) =>
      message.rcptTo[0] === 'person1@example.net' ? { code: 452, text: '4.2.2 Mailbox full' } : undefined;
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 1, deferred: 1 });
    expect(report.counts).toMatchObject({ sent: 1, deferred: 1 });
    const [deferred] = messagesInState(setup.db, 1, 'deferred', 10);
    expect(deferred).toMatchObject({ email: 'person1@example.net', attempts: 5, replyCode: 452 });
    expect(deferred?.reply).toContain('Mailbox full');
  });

  it('records a 5xx reply as failed with the server words, and does not retry it', async () => {
    const setup = await setUp(people(3));
    smtp.behaviour.onMessage = (message) =>
      message.rcptTo[0] === 'person2@example.com' ? { code: 550, text: '5.1.1 User unknown' } : undefined;
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 2, failed: 1 });
    const [failed] = messagesInState(setup.db, 1, 'failed', 10);
    expect(failed).toMatchObject({ email: 'person2@example.com', replyCode: 550, attempts: 1 });
    expect(failed?.reply).toContain('5.1.1 User unknown');
    expect(smtp.dataCount()).toBe(3);
  });

  it('loses and doubles nothing when the server drops connections before the end of DATA', async () => {
    const setup = await setUp(people(20));
    smtp.behaviour.onRecipient = (_address, index) => (index % 4 === 1 ? 'drop' : undefined);
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 20, failed: 0, deferred: 0, uncertain: 0 });
    expect(recipientsOf(smtp.accepted)).toEqual(
      people(20)
        .map((p) => p.email)
        .sort(),
    );
    expect(new Set(recipientsOf(smtp.accepted)).size).toBe(20);
  });

  it('leaves a message uncertain, never retried, when the connection drops after the final "." (RFC 1047)', async () => {
    const setup = await setUp(people(3));
    smtp.behaviour.onMessage = (message) => (message.rcptTo[0] === 'person2@example.com' ? 'drop' : undefined);
    const report = await run(setup);
    expect(report.run).toMatchObject({ total: 3, done: 3, sent: 2, uncertain: 1, deferred: 0, failed: 0 });
    expect(report.counts).toMatchObject({ sent: 2, uncertain: 1, pending: 0, deferred: 0 });
    expect(report.failures).toEqual([
      expect.objectContaining({ email: 'person2@example.com', state: 'uncertain', replyCode: null }),
    ]);
    expect(report.failures[0]?.reply).toMatch(/RFC 1047/);
    // Read once, in full, by the server: not sent a second time.
    expect(smtp.dataCount()).toBe(3);
    const again = await run(setup);
    expect(again.run.total).toBe(0);
    expect(smtp.dataCount()).toBe(3);
    smtp.behaviour.onMessage = undefined;
    const retried = await run(setup, { retryUncertain: true });
    expect(retried.run).toMatchObject({ total: 1, sent: 1 });
    expect(recipientsOf(smtp.accepted)).toEqual(['person1@example.net', 'person2@example.com', 'person3@example.net']);
  });

  it('leaves a message uncertain when a server reads the whole DATA and closes without replying', async () => {
    const setup = await setUp(people(1));
    const silent = await startSilentServer();
    try {
      const config = loadCampaignConfig(writeConfigPort(fixture?.configFile ?? '', silent.port), {});
      const report = await run({ config, db: setup.db });
      expect(report.run).toMatchObject({ total: 1, uncertain: 1, sent: 0, deferred: 0, failed: 0 });
      expect(report.counts.uncertain).toBe(1);
      expect(silent.messages).toHaveLength(1);
      expect(silent.messages[0]).toContain('Message-ID:');
      const [uncertain] = messagesInState(setup.db, 1, 'uncertain', 10);
      expect(uncertain).toMatchObject({ email: 'person1@example.net', attempts: 1, replyCode: null });
      expect(uncertain?.reply).toMatch(/may have accepted it \(RFC 1047\)/);
    } finally {
      await silent.stop();
    }
  });

  it('resumes without sending again what the server accepted', async () => {
    const setup = await setUp(people(5));
    const first = await run(setup, { limit: 2 });
    expect(first.run).toMatchObject({ total: 2, sent: 2 });
    expect(first.counts).toMatchObject({ sent: 2, pending: 3 });
    const second = await run(setup);
    expect(second.run).toMatchObject({ total: 3, sent: 3 });
    const third = await run(setup);
    expect(third.run.total).toBe(0);
    expect(recipientsOf(smtp.accepted)).toEqual(
      people(5)
        .map((p) => p.email)
        .sort(),
    );
  });

  it('spaces messages to one domain by its rate without losing any', async () => {
    const setup = await setUp(people(6, ['example.net']), { perDomainRatePerMinute: 3000 });
    const report = await run(setup);
    expect(report.run).toMatchObject({ sent: 6 });
    expect(recipientsOf(smtp.accepted)).toEqual(
      people(6, ['example.net'])
        .map((p) => p.email)
        .sort(),
    );
  });

  it('renders without sending in a dry run, and sends a test to one address without touching the queue', async () => {
    const setup = await setUp(people(3));
    // The third row is short: it has no firstname for the templates.
    writeFileSync(
      join(fixture?.dir ?? '', 'recipients.csv'),
      'email,firstname,token\nperson1@example.net,Prénom1,t1\nperson2@example.com,Prénom2,t2\nperson3@example.net\n',
    );
    const dry = await run(setup, { dryRun: true });
    expect(dry.run).toMatchObject({ rendered: 2, renderErrors: 1, sent: 0 });
    expect(dry.failures[0]?.reply).toContain('no field "firstname"');
    expect(smtp.dataCount()).toBe(0);
    const test = await run(setup, { testTo: 'me@example.org', limit: 2 });
    expect(test.tests.map((t) => [t.email, t.accepted])).toEqual([
      ['person1@example.net', true],
      ['person2@example.com', true],
    ]);
    expect(recipientsOf(smtp.accepted)).toEqual(['me@example.org', 'me@example.org']);
    expect(decodeWords(headerOf(smtp.accepted[0]?.raw ?? Buffer.alloc(0), 'Subject') ?? '')).toBe(
      'Consultation vélo, Prénom1',
    );
    expect(test.counts).toMatchObject({ pending: 3, sent: 0 });
  });

  it('fails a deferral past the queue lifetime at once, its reply kept as the evidence', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(2), config: { maxQueueLifetime: '0s' } });
    db = openDatabase(fixture.dbFile);
    smtp.behaviour.onMessage = (message) =>
      message.rcptTo[0] === 'person1@example.net'
        ? { code: 451, text: '4.7.1 Greylisted, try again later' }
        : undefined;
    const report = await run({ config: loadCampaignConfig(fixture.configFile, {}), db });
    expect(report.run).toMatchObject({ sent: 1, failed: 1, deferred: 0 });
    expect(report.expired).toBe(1);
    expect(report.failures).toEqual([
      expect.objectContaining({ email: 'person1@example.net', state: 'failed', replyCode: 451, expired: true }),
    ]);
    const [failed] = messagesInState(db, 1, 'failed', 10);
    expect(failed).toMatchObject({ email: 'person1@example.net', attempts: 1, replyCode: 451 });
    expect(failed?.reply).toContain('Greylisted');
    expect(failed?.expiredAt).toEqual(expect.any(Number));
  });

  it('fails at the start of a later run what is still deferred past the queue lifetime, without trying again', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(2), config: { maxQueueLifetime: '1s' } });
    db = openDatabase(fixture.dbFile);
    const base = { config: loadCampaignConfig(fixture.configFile, {}), db };
    smtp.behaviour.onMessage = (message) =>
      message.rcptTo[0] === 'person1@example.net' ? { code: 452, text: '4.2.2 Mailbox full' } : undefined;
    const first = await run(base, { retry: { baseMs: 10, maxAttemptsPerRun: 2 } });
    expect(first.run).toMatchObject({ sent: 1, deferred: 1 });
    expect(first.expired).toBe(0);
    const attempts = smtp.dataCount();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await run(base);
    expect(second.expired).toBe(1);
    expect(second.run.total).toBe(0);
    expect(second.counts).toMatchObject({ sent: 1, failed: 1, deferred: 0 });
    expect(smtp.dataCount()).toBe(attempts);
    const status = campaignStatus(db, 'campaign', Date.now());
    expect(status.expired).toBe(1);
    expect(status.failed).toEqual([
      expect.objectContaining({
        email: 'person1@example.net',
        replyCode: 452,
        expiredAt: expect.any(Number) as number,
      }),
    ]);
    expect(status.failed[0]?.reply).toContain('Mailbox full');
  });

  it('stops and keeps the messages when the server is unreachable', async () => {
    const setup = await setUp(people(8));
    await smtp.stop();
    const report = await run(setup);
    expect(report.stopped?.reason).toBe('unreachable');
    expect(report.run.sent).toBe(0);
    expect(report.counts.pending + report.counts.deferred).toBe(8);
    smtp = await startSmtpServer();
  });

  it('leaves the queue as it was when the server refuses the session: no attempt spent, no lifetime started', async () => {
    const setup = await setUp(people(4));
    smtp.behaviour.onConnect = () => ({ code: 554, text: '5.7.1 No SMTP service here' });
    await expect(run(setup)).rejects.toThrow('The server refused to open a session: 554 5.7.1 No SMTP service here');
    const rows = setup.db.prepare('SELECT state, attempts, first_attempt_at AS firstAttemptAt FROM messages').all();
    expect(rows).toEqual(people(4).map(() => ({ state: 'pending', attempts: 0, firstAttemptAt: null })));
  });
});
