import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mtaStsPolicy from '../../checks/mta-sts-policy.js';
import smtpStarttls from '../../checks/smtp-starttls.js';
import { fetchMtaStsPolicy, gatherMtaStsPolicy } from '../../src/facts/mta-sts-policy.js';
import { gatherSmtpProbe, probeSmtp } from '../../src/facts/smtp-probe.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';
import type { Text } from '../../src/i18n.js';
import { makeCertificate } from './helpers/certificate.js';

/** A trace that keeps its lines, English and French apart, as --verbose would write them in each language. */
function recordingTrace(): { trace: (line: string | Text) => void; en: string[]; fr: string[] } {
  const en: string[] = [];
  const fr: string[] = [];
  return {
    trace: (line) => {
      en.push(typeof line === 'string' ? line : line.en);
      fr.push(typeof line === 'string' ? line : line.fr);
    },
    en,
    fr,
  };
}

const MX_HOST = 'mx.probe.example';
/** The names the test certificate is made out for: the MX and the MTA-STS policy host. */
const CERTIFICATE_NAMES = [`DNS:${MX_HOST}`, 'DNS:mta-sts.probe.example'];

async function listen(server: Server | SMTPServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  const raw = server instanceof SMTPServer ? (server as unknown as { server: Server }).server : server;
  await once(raw, 'listening');
  return (raw.address() as AddressInfo).port;
}

async function close(server: { close(callback: () => void): void }): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

describe('probeSmtp() against a real SMTP server', () => {
  let directory: string;
  let tls: { key: string; cert: string };
  let starttlsServer: SMTPServer;
  let plainServer: SMTPServer;
  let silentServer: Server;
  let ehloRefusingServer: Server;
  let mutedAfterTlsServer: Server;
  let drippingServer: Server;
  const silentSockets: Socket[] = [];
  let starttlsPort: number;
  let plainPort: number;
  let silentPort: number;
  let ehloRefusingPort: number;
  let mutedAfterTlsPort: number;
  let drippingPort: number;
  let closedPort: number;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'facteur-probes-'));
    tls = makeCertificate(directory, MX_HOST, CERTIFICATE_NAMES);
    starttlsServer = new SMTPServer({ ...tls, authOptional: true, logger: false });
    plainServer = new SMTPServer({ authOptional: true, hideSTARTTLS: true, logger: false });
    // A server that accepts the connection and never greets: the probe must give up and say "unknown".
    silentServer = createTcpServer((socket) => {
      silentSockets.push(socket);
    });
    // A server that greets, then refuses the prober's EHLO as blocklisted ones do.
    ehloRefusingServer = createTcpServer((socket) => {
      silentSockets.push(socket);
      socket.write('220 mx.probe.example ESMTP\r\n');
      socket.on('data', () => socket.write('554 5.7.1 Client host rejected: access denied\r\n'));
    });
    // A server that completes STARTTLS, then never answers again, not even QUIT.
    mutedAfterTlsServer = createTcpServer((socket) => {
      silentSockets.push(socket);
      socket.write('220 mx.probe.example ESMTP\r\n');
      socket.once('data', () => {
        socket.write('250-mx.probe.example\r\n250 STARTTLS\r\n');
        socket.once('data', () => {
          socket.write('220 Ready to start TLS\r\n');
          new TLSSocket(socket, { isServer: true, ...tls }).on('error', () => undefined);
        });
      });
    });
    // A tarpit: it greets, then answers EHLO one byte every 40 ms (2 s in all), each byte well within the reply
    // bound, with no STARTTLS at the end.
    drippingServer = createTcpServer((socket) => {
      silentSockets.push(socket);
      socket.write('220 mx.probe.example ESMTP\r\n');
      socket.once('data', () => {
        const reply = Buffer.from('250-mx.probe.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
        let sent = 0;
        const timer = setInterval(() => {
          socket.write(reply.subarray(sent, sent + 1));
          sent += 1;
          if (sent === reply.length) clearInterval(timer);
        }, 40);
        socket.on('close', () => {
          clearInterval(timer);
        });
      });
    });
    starttlsPort = await listen(starttlsServer);
    drippingPort = await listen(drippingServer);
    mutedAfterTlsPort = await listen(mutedAfterTlsServer);
    ehloRefusingPort = await listen(ehloRefusingServer);
    plainPort = await listen(plainServer);
    silentPort = await listen(silentServer);
    const closed = createTcpServer();
    closedPort = await listen(closed);
    await close(closed);
  });

  afterAll(async () => {
    await close(starttlsServer);
    await close(plainServer);
    for (const socket of silentSockets) socket.destroy();
    await close(silentServer);
    await close(ehloRefusingServer);
    await close(mutedAfterTlsServer);
    await close(drippingServer);
    rmSync(directory, { recursive: true, force: true });
  });

  it('probeSmtp() completes STARTTLS and trusts a certificate signed by the given CA', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: starttlsPort, ca: tls.cert });
    expect(outcome).toMatchObject({ status: 'tls', chainError: null, nameError: null });
    expect(outcome.status === 'tls' && outcome.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('probeSmtp() reports a self-signed certificate as untrusted against the default CAs', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: starttlsPort });
    expect(outcome).toMatchObject({ status: 'tls', chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT', nameError: null });
  });

  it('probeSmtp() reports a certificate made out for another name', async () => {
    const outcome = await probeSmtp('mx.other.example', '127.0.0.1', { port: starttlsPort, ca: tls.cert });
    expect(outcome).toMatchObject({ status: 'tls', chainError: null });
    expect(outcome.status === 'tls' && outcome.nameError).toMatch(/mx\.other\.example/);
  });

  it('probeSmtp() reports a server that does not advertise STARTTLS', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: plainPort });
    expect(outcome.status).toBe('starttls_missing');
  });

  it('probeSmtp() reports a closed port as refused', async () => {
    expect(await probeSmtp(MX_HOST, '127.0.0.1', { port: closedPort })).toMatchObject({ status: 'refused' });
  });

  it('probeSmtp() answers unknown, not a failure, when the server never greets', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: silentPort, timeouts: { reply: 300 } });
    expect(outcome).toMatchObject({ status: 'unknown', step: 'banner' });
  });

  it('probeSmtp() answers unknown, not a missing STARTTLS, when the server refuses the EHLO of the prober', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: ehloRefusingPort, timeouts: { reply: 2000 } });
    expect(outcome).toMatchObject({ status: 'unknown', step: 'ehlo' });
  });

  it('probeSmtp() gives its verdict without waiting the reply bound for a 221 to QUIT', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', {
      port: mutedAfterTlsPort,
      ca: tls.cert,
      timeouts: { reply: 600_000, quit: 100 },
    });
    expect(outcome).toMatchObject({ status: 'tls', chainError: null, nameError: null });
  });

  it('probeSmtp() answers unknown at the step reached when the whole probe outlasts its bound', async () => {
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: drippingPort, timeouts: { total: 500 } });
    expect(outcome).toEqual({
      status: 'unknown',
      step: 'ehlo',
      detail: { en: 'whole probe not done within 500 ms', fr: 'le test entier n’a pas abouti en 500 ms' },
    });
  });

  it('probeSmtp() traces each command and reply, the handshake with the certificate, QUIT and the verdict', async () => {
    const { trace, en } = recordingTrace();
    const outcome = await probeSmtp(MX_HOST, '127.0.0.1', { port: starttlsPort, ca: tls.cert, trace });
    expect(outcome.status).toBe('tls');
    const head = `smtp ${MX_HOST} @127.0.0.1:${starttlsPort} `;
    expect(en.every((line) => line.startsWith(head))).toBe(true);
    const said = en.map((line) => line.slice(head.length));
    expect(said[0]).toMatch(/^S: 220 /);
    expect(said[1]).toMatch(/^C: EHLO \S+$/);
    expect(said).toContainEqual(expect.stringMatching(/^S: 250[- ]STARTTLS$/));
    const starttls = said.indexOf('C: STARTTLS');
    expect(said[starttls + 1]).toMatch(/^S: 220 /);
    expect(said[starttls + 2]).toMatch(
      new RegExp(
        `^TLS TLSv1\\.[23] \\S+, subject "CN=${MX_HOST}", issuer "CN=${MX_HOST}", altNames "DNS:${MX_HOST}, DNS:mta-sts\\.probe\\.example", valid ".+" to ".+", chain trusted, name matches$`,
      ),
    );
    expect(said[starttls + 3]).toBe('C: QUIT');
    expect(said[starttls + 4]).toMatch(/^S: 221 /);
    expect(said.at(-1)).toMatch(/^-> tls TLSv1\.[23] \d+ms$/);
  });

  it('probeSmtp() traces the verdicts on an untrusted chain and a certificate made out for another name', async () => {
    const selfSigned = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: starttlsPort, trace: selfSigned.trace });
    expect(selfSigned.en).toContainEqual(expect.stringMatching(/, chain DEPTH_ZERO_SELF_SIGNED_CERT, name matches$/));
    const otherName = recordingTrace();
    await probeSmtp('mx.other.example', '127.0.0.1', { port: starttlsPort, ca: tls.cert, trace: otherName.trace });
    expect(otherName.en).toContainEqual(
      expect.stringMatching(
        /^smtp mx\.other\.example @127\.0\.0\.1:\d+ TLS .*, chain trusted, name ".*mx\.other\.example.*"$/,
      ),
    );
  });

  it('probeSmtp() traces a refused connection, which happens before any greeting', async () => {
    const { trace, en, fr } = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: closedPort, trace });
    expect(en).toEqual([
      expect.stringMatching(
        new RegExp(
          `^smtp ${MX_HOST} @127\\.0\\.0\\.1:${closedPort} -> refused \\d+ms: connect ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}$`,
        ),
      ),
    ]);
    expect(fr[0]).toMatch(/ -> refused \d+ms : connect ECONNREFUSED /);
  });

  it("probeSmtp() traces a server that never greets: the step and the timeout, in the reader's language", async () => {
    const { trace, en, fr } = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: silentPort, timeouts: { reply: 300 }, trace });
    expect(en).toEqual([expect.stringMatching(/ -> unknown \(banner\) \d+ms: no reply within 300 ms$/)]);
    expect(fr).toEqual([expect.stringMatching(/ -> unknown \(banner\) \d+ms : pas de réponse en 300 ms$/)]);
  });

  it('probeSmtp() traces the refusal of its EHLO and the server without STARTTLS', async () => {
    const refusing = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: ehloRefusingPort, timeouts: { reply: 2000 }, trace: refusing.trace });
    expect(refusing.en.map((line) => line.replace(/^\S+ \S+ @\S+ /, ''))).toEqual([
      'S: 220 mx.probe.example ESMTP',
      expect.stringMatching(/^C: EHLO /),
      'S: 554 5.7.1 Client host rejected: access denied',
      expect.stringMatching(
        /^-> unknown \(ehlo\) \d+ms: server answered 554 5\.7\.1 Client host rejected: access denied$/,
      ),
    ]);
    const plain = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: plainPort, trace: plain.trace });
    expect(plain.en.at(-1)).toMatch(/ -> starttls_missing \d+ms: EHLO answered 250 /);
    expect(plain.en).not.toContainEqual(expect.stringMatching(/C: STARTTLS$/));
  });

  it('probeSmtp() traces what a hostile server says with its control characters replaced', async () => {
    const accepted: Socket[] = [];
    const hostile = createTcpServer((socket) => {
      accepted.push(socket);
      socket.write('220 mx.probe.example \u001b[2J\u001b]0;pwned\u0007 ESMTP\r\n');
    });
    const hostilePort = await listen(hostile);
    try {
      const { trace, en } = recordingTrace();
      await probeSmtp(MX_HOST, '127.0.0.1', { port: hostilePort, timeouts: { reply: 300 }, trace });
      expect(en[0]).toMatch(/ S: 220 mx\.probe\.example \uFFFD\[2J\uFFFD\]0;pwned\uFFFD ESMTP$/);
      expect(en.join('')).not.toContain('\u001b');
    } finally {
      for (const socket of accepted) socket.destroy();
      await close(hostile);
    }
  });

  it('probeSmtp() traces the whole probe cut short at the step it reached', async () => {
    const { trace, en } = recordingTrace();
    await probeSmtp(MX_HOST, '127.0.0.1', { port: drippingPort, timeouts: { total: 500 }, trace });
    expect(en.at(-1)).toMatch(/ -> unknown \(ehlo\) \d+ms: whole probe not done within 500 ms$/);
  });

  it("gatherSmtpProbe() traces through the run's trace, each MX address once", async () => {
    const { trace, en } = recordingTrace();
    const zone = ['example.org. MX 10 mx.probe.example.', 'mx.probe.example. A 127.0.0.1'].join('\n');
    await gatherSmtpProbe({ ...gatherContext(zone, { probes: true }), trace }, { port: starttlsPort, ca: tls.cert });
    expect(en.filter((line) => line.includes(' -> '))).toEqual([
      expect.stringMatching(new RegExp(`^smtp mx\\.probe\\.example @127\\.0\\.0\\.1:${starttlsPort} -> tls `)),
    ]);
  });

  it('smtp-starttls leaves an MX undecided, not without STARTTLS, when a tarpit outlasts the whole probe', async () => {
    const zone = ['example.org. MX 10 mx.probe.example.', 'mx.probe.example. A 127.0.0.1'].join('\n');
    const smtpProbe = await gatherSmtpProbe(gatherContext(zone, { probes: true }), {
      port: drippingPort,
      timeouts: { total: 500 },
    });
    const output = smtpStarttls.run(
      { smtpProbe },
      { domain: 'example.org', options: domainOptions({ probes: true }), now: new Date(0) },
    );
    expect(output).toEqual({
      findings: [],
      unknown: [
        {
          subject: 'mx.probe.example',
          cause: 'probe',
          reason: {
            en: '127.0.0.1: ehlo: whole probe not done within 500 ms',
            fr: '127.0.0.1 : EHLO : le test entier n’a pas abouti en 500 ms',
          },
        },
      ],
    });
  });

  it('smtp-starttls reports each MX host from the gathered probes', async () => {
    const zone = [
      'example.org. MX 10 mx.probe.example.',
      'example.org. MX 20 mx.other.example.',
      'mx.probe.example. A 127.0.0.1',
      'mx.other.example. A 127.0.0.1',
    ].join('\n');
    const context = gatherContext(zone, { probes: true });
    const smtpProbe = await gatherSmtpProbe(context, { port: starttlsPort, ca: tls.cert });
    const output = smtpStarttls.run(
      { smtpProbe },
      { domain: 'example.org', options: domainOptions({ probes: true }), now: new Date(0) },
    );
    expect(output.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`)).toEqual([
      'tls.certificate_name_mismatch mx.other.example',
    ]);
    expect(output.unknown).toEqual([]);
  });

  it('smtp-starttls warns of the certificate the real server serves, made out for two days, by its end date', async () => {
    const zone = 'example.org. MX 10 mx.probe.example.\nmx.probe.example. A 127.0.0.1';
    const smtpProbe = await gatherSmtpProbe(gatherContext(zone, { probes: true }), {
      port: starttlsPort,
      ca: tls.cert,
    });
    const now = new Date();
    const output = smtpStarttls.run(
      { smtpProbe },
      { domain: 'example.org', options: domainOptions({ probes: true }), now },
    );
    const served = new X509Certificate(tls.cert).validTo;
    expect(output.findings).toMatchObject([
      {
        id: 'tls.certificate_expiring',
        subject: 'mx.probe.example',
        values: { expiresOn: new Date(served).toISOString().slice(0, 10) },
        evidence: { addresses: [{ address: '127.0.0.1', daysLeft: 1 }] },
      },
    ]);
  });
});

describe('fetchMtaStsPolicy() against a real HTTPS server', () => {
  let directory: string;
  let tls: { key: string; cert: string };
  let server: HttpsServer;
  let port: number;
  let drippingServer: HttpsServer;
  let drippingPort: number;
  let resettingServer: Server;
  let resettingPort: number;
  const bodies: Record<string, { status: number; type: string; body: string; location?: string }> = {};

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'facteur-mta-sts-'));
    tls = makeCertificate(directory, MX_HOST, CERTIFICATE_NAMES);
    server = createHttpsServer(tls, (request, response) => {
      const served = bodies[request.headers.host ?? ''] ?? { status: 404, type: 'text/plain', body: 'not found' };
      response.writeHead(served.status, {
        'content-type': served.type,
        ...(served.location === undefined ? {} : { location: served.location }),
      });
      response.end(served.body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    // A server that answers 200 at once, then sends its body one byte at a time, never finishing.
    drippingServer = createHttpsServer(tls, (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => response.write('#'), 20);
      response.on('close', () => {
        clearInterval(timer);
      });
    });
    drippingServer.listen(0, '127.0.0.1');
    await once(drippingServer, 'listening');
    drippingPort = (drippingServer.address() as AddressInfo).port;
    // A connection reset as soon as it is accepted, as a flapping middlebox does.
    resettingServer = createTcpServer((socket) => socket.resetAndDestroy());
    resettingPort = await listen(resettingServer);
  });

  afterAll(async () => {
    await close(server);
    await close(drippingServer);
    await close(resettingServer);
    rmSync(directory, { recursive: true, force: true });
  });

  const options = () => ({ ca: tls.cert, port, hostOverride: '127.0.0.1' });

  it('fetchMtaStsPolicy() reads a policy over HTTPS verified with the given CA', async () => {
    bodies['mta-sts.probe.example'] = {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'version: STSv1\r\nmode: enforce\r\nmx: mx.probe.example\r\nmax_age: 86400\r\n',
    };
    expect(await fetchMtaStsPolicy('probe.example', options())).toEqual({
      status: 'fetched',
      policy: { mode: 'enforce', maxAge: 86400, mx: ['mx.probe.example'] },
      certificateValidTo: new X509Certificate(tls.cert).validTo,
    });
  });

  it('fetchMtaStsPolicy() finds a policy unreachable without a trusted certificate', async () => {
    const outcome = await fetchMtaStsPolicy('probe.example', { port, hostOverride: '127.0.0.1' });
    expect(outcome.status).toBe('unreachable');
    expect(outcome.status === 'unreachable' && outcome.reason).toMatch(/self-signed/);
  });

  it('fetchMtaStsPolicy() answers unknown when the whole fetch outlasts its bound, even with bytes still coming', async () => {
    const outcome = await fetchMtaStsPolicy('probe.example', { ...options(), port: drippingPort, timeoutMs: 300 });
    expect(outcome).toEqual({
      status: 'unknown',
      reason: { en: 'no complete answer within 300 ms', fr: 'pas de réponse complète en 300 ms' },
    });
  });

  it('fetchMtaStsPolicy() gives the fetch up as unknown when its signal aborts, without waiting out its bound', async () => {
    const stop = new AbortController();
    const fetching = fetchMtaStsPolicy('probe.example', {
      ...options(),
      port: drippingPort,
      timeoutMs: 600_000,
      signal: stop.signal,
    });
    setTimeout(() => {
      stop.abort();
    }, 100);
    expect(await fetching).toEqual({ status: 'unknown', reason: { en: 'run stopped', fr: 'passage arrêté' } });
  });

  it('fetchMtaStsPolicy() answers unknown, not unreachable, when the connection is reset', async () => {
    const outcome = await fetchMtaStsPolicy('probe.example', { ...options(), port: resettingPort });
    expect(outcome).toMatchObject({ status: 'unknown' });
  });

  it('fetchMtaStsPolicy() traces the fetch in one line: request, status, content type, policy', async () => {
    bodies['mta-sts.probe.example'] = {
      status: 200,
      type: 'text/plain',
      body: 'version: STSv1\nmode: enforce\nmx: mx.probe.example\nmx: *.probe.example\nmax_age: 86400\n',
    };
    const { trace, en } = recordingTrace();
    await fetchMtaStsPolicy('probe.example', { ...options(), trace });
    expect(en).toEqual([
      expect.stringMatching(
        new RegExp(
          `^https GET https://mta-sts\\.probe\\.example/\\.well-known/mta-sts\\.txt @127\\.0\\.0\\.1:${port} HTTP 200 "text/plain" -> fetched \\d+ms: mode enforce, max_age 86400, mx mx\\.probe\\.example \\*\\.probe\\.example$`,
        ),
      ),
    ]);
  });

  it('fetchMtaStsPolicy() traces a TLS failure, a redirect, a reset and a timeout with their reasons', async () => {
    const { trace, en, fr } = recordingTrace();
    await fetchMtaStsPolicy('probe.example', { port, hostOverride: '127.0.0.1', trace });
    bodies['mta-sts.probe.example'] = { status: 302, type: 'text/html', body: '', location: 'https://x.example/' };
    await fetchMtaStsPolicy('probe.example', { ...options(), trace });
    await fetchMtaStsPolicy('probe.example', { ...options(), port: resettingPort, trace });
    await fetchMtaStsPolicy('probe.example', { ...options(), port: drippingPort, timeoutMs: 300, trace });
    expect(en).toEqual([
      expect.stringMatching(/@127\.0\.0\.1:\d+ -> unreachable \d+ms: self-signed certificate$/),
      expect.stringMatching(/ HTTP 302 "text\/html" -> unreachable \d+ms: HTTP 302 to "https:\/\/x\.example\/"$/),
      expect.stringMatching(new RegExp(`@127\\.0\\.0\\.1:${resettingPort} -> unknown \\d+ms: .*ECONNRESET`)),
      expect.stringMatching(/ HTTP 200 "text\/plain" -> unknown \d+ms: no complete answer within 300 ms$/),
    ]);
    expect(fr[3]).toMatch(/ -> unknown \d+ms : pas de réponse complète en 300 ms$/);
  });

  it('fetchMtaStsPolicy() does not follow a redirect', async () => {
    bodies['mta-sts.probe.example'] = {
      status: 301,
      type: 'text/html',
      body: '',
      location: 'https://www.probe.example/',
    };
    expect(await fetchMtaStsPolicy('probe.example', options())).toEqual({
      status: 'unreachable',
      reason: 'HTTP 301 to "https://www.probe.example/"',
    });
  });

  it('mta-sts-policy reports an MX the served policy does not list', async () => {
    bodies['mta-sts.probe.example'] = {
      status: 200,
      type: 'text/plain',
      body: 'version: STSv1\nmode: testing\nmx: mx.probe.example\nmax_age: 86400\n',
    };
    const zone = [
      'probe.example. MX 10 mx.probe.example.',
      'probe.example. MX 20 backup.elsewhere.example.',
      '_mta-sts.probe.example. TXT "v=STSv1; id=20260101"',
    ].join('\n');
    const { trace, en } = recordingTrace();
    const fact = await gatherMtaStsPolicy(
      { ...gatherContext(zone, { probes: true }, {}, 'probe.example'), trace },
      options(),
    );
    expect(en).toEqual([expect.stringMatching(/^https GET https:\/\/mta-sts\.probe\.example\/.* -> fetched /)]);
    const output = mtaStsPolicy.run(
      { mtaStsPolicy: fact },
      { domain: 'probe.example', options: domainOptions({ probes: true }), now: new Date(0) },
    );
    expect(output.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`)).toEqual([
      'mta_sts.mx_mismatch backup.elsewhere.example',
    ]);
    // The test certificate is made out for two days: on the day it is served, its end is near.
    const today = mtaStsPolicy.run(
      { mtaStsPolicy: fact },
      { domain: 'probe.example', options: domainOptions({ probes: true }), now: new Date() },
    );
    expect(today.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`)).toEqual([
      'mta_sts.mx_mismatch backup.elsewhere.example',
      'mta_sts.certificate_expiring mta-sts.probe.example',
    ]);
  });
});
