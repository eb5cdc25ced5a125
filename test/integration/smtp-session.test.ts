import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpLogin } from '../../src/send/campaign-config.js';
import { SmtpSession } from '../../src/send/smtp-session.js';
import { makeCertificate } from './helpers/certificate.js';

const MESSAGE = Buffer.from(
  'From: a@consult.example.org\r\nTo: b@example.net\r\nSubject: x\r\n\r\nBonjour\r\n.\r\nfin\r\n',
);

interface Received {
  connection: string;
  user: string | undefined;
  secure: boolean;
  rcptTo: string;
  raw: string;
}

describe('SmtpSession against smtp-server', () => {
  let dir: string;
  let certificate: { key: string; cert: string };
  let server: SMTPServer | undefined;
  let received: Received[];
  let refuse: Set<string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-session-'));
    certificate = makeCertificate(dir, '127.0.0.1', ['IP:127.0.0.1']);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      if (server === undefined) resolve();
      else server.close(resolve);
    });
    server = undefined;
  });

  async function start(options: SMTPServerOptions = {}): Promise<number> {
    received = [];
    refuse = new Set();
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (refuse.has(address.address))
          callback(Object.assign(new Error('5.1.1 User unknown'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            connection: session.id,
            user: session.user as string | undefined,
            secure: session.secure,
            rcptTo: session.envelope.rcptTo[0]?.address ?? '',
            raw: Buffer.concat(chunks).toString(),
          });
          callback(null, 'Ok: queued');
        });
      },
      ...options,
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  }

  function config(port: number, changes: Partial<SmtpLogin> = {}): SmtpLogin {
    return {
      host: '127.0.0.1',
      port,
      security: 'none',
      user: null,
      password: null,
      pool: 1,
      ratePerSecond: 10,
      perDomainRatePerMinute: 10,
      helo: 'mail.consult.example.org',
      tlsRejectUnauthorized: true,
      sendingIps: [],
      ...changes,
    };
  }

  it('sends several messages over one connection, dot-stuffed, and reports the server reply', async () => {
    const session = new SmtpSession(config(await start()));
    for (const to of ['a@example.net', 'b@example.net', 'c@example.net']) {
      const result = await session.send({ from: 'bounces+x@consult.example.org', to }, MESSAGE);
      expect(result).toEqual({ ok: true, reply: expect.stringMatching(/^250 .*Ok: queued/) as string });
    }
    await session.close();
    expect(received.map((message) => message.rcptTo)).toEqual(['a@example.net', 'b@example.net', 'c@example.net']);
    expect(new Set(received.map((message) => message.connection)).size).toBe(1);
    expect(received[0]?.raw).toContain('Bonjour\r\n.\r\nfin\r\n');
  });

  it('resets the transaction after a refused recipient and sends the next message on the same connection', async () => {
    const session = new SmtpSession(config(await start()));
    refuse.add('gone@example.net');
    const refused = await session.send({ from: 'bounces+x@consult.example.org', to: 'gone@example.net' }, MESSAGE);
    expect(refused).toMatchObject({ ok: false, isAfterData: false, error: { responseCode: 550, command: 'RCPT TO' } });
    const next = await session.send({ from: 'bounces+y@consult.example.org', to: 'here@example.net' }, MESSAGE);
    expect(next.ok).toBe(true);
    await session.close();
    expect(received.map((message) => message.rcptTo)).toEqual(['here@example.net']);
  });

  it('renews its connection after 1,000 messages, and the closing one does not fail the next message', async () => {
    const session = new SmtpSession(config(await start()));
    const results = [];
    for (let i = 0; i < 1003; i++)
      results.push(await session.send({ from: 'x@consult.example.org', to: `p${i}@example.net` }, MESSAGE));
    await session.close();
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(received).toHaveLength(1003);
    expect(new Set(received.map((message) => message.connection)).size).toBe(2);
  });

  it('reconnects after the server closed an idle connection', async () => {
    const session = new SmtpSession(config(await start()));
    expect((await session.send({ from: 'x@consult.example.org', to: 'a@example.net' }, MESSAGE)).ok).toBe(true);
    const internals = server as unknown as { connections: Set<{ _socket: { destroy(): void } }> };
    for (const connection of internals.connections) connection._socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await session.send({ from: 'x@consult.example.org', to: 'b@example.net' }, MESSAGE)).ok).toBe(true);
    await session.close();
    expect(new Set(received.map((message) => message.connection)).size).toBe(2);
  });

  it('upgrades with STARTTLS and logs in, refusing an unverified certificate unless told otherwise', async () => {
    const port = await start({
      ...certificate,
      disabledCommands: [],
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'campagnes' && auth.password === 's3cret') callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
    });
    const credentials = { security: 'starttls' as const, user: 'campagnes', password: 's3cret' };
    const verifying = new SmtpSession(config(port, credentials));
    const refused = await verifying.send({ from: 'x@consult.example.org', to: 'a@example.net' }, MESSAGE);
    expect(refused).toMatchObject({ ok: false, isAfterData: false });
    expect(received).toEqual([]);

    const trusting = new SmtpSession(config(port, { ...credentials, tlsRejectUnauthorized: false }));
    expect((await trusting.send({ from: 'x@consult.example.org', to: 'a@example.net' }, MESSAGE)).ok).toBe(true);
    await trusting.close();
    expect(received).toMatchObject([{ user: 'campagnes', secure: true, rcptTo: 'a@example.net' }]);

    const wrong = new SmtpSession(config(port, { ...credentials, password: 'nope', tlsRejectUnauthorized: false }));
    const denied = await wrong.send({ from: 'x@consult.example.org', to: 'b@example.net' }, MESSAGE);
    expect(denied).toMatchObject({ ok: false, error: { code: 'EAUTH' } });
  });

  it('reports a server that does not listen as a connection failure', async () => {
    const port = await start();
    await new Promise<void>((resolve) => server?.close(resolve));
    server = undefined;
    const result = await new SmtpSession(config(port)).send(
      { from: 'x@consult.example.org', to: 'a@example.net' },
      MESSAGE,
    );
    expect(result).toMatchObject({ ok: false, isAfterData: false, error: { code: 'ECONNECTION', command: 'CONN' } });
  });

  it('gives up a session a silent server holds before its greeting once interrupted, having sent nothing', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const session = new SmtpSession(config((silent.address() as AddressInfo).port), { signal: controller.signal });
      const sending = session.send({ from: 'x@consult.example.org', to: 'a@example.net' }, MESSAGE);
      while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const closed = new Promise((resolve) => sockets[0]?.once('close', resolve));
      controller.abort();
      const result = await sending;
      expect(result).toMatchObject({ ok: false, isAfterData: false, error: { code: 'ECONNECTION', command: 'CONN' } });
      expect(result.ok ? '' : result.error.message).toContain('interrupted before the session was open');
      await closed;
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
