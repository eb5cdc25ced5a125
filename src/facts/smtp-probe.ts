import { connect as netConnect, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { GatherContext } from '../checks/types.js';
import { socketErrorReason } from '../connection-failure.js';
import type { Fact } from '../dns/types.js';
import { fillText, type Text } from '../i18n.js';
import { printableLine, type Trace } from '../trace.js';
import { captureFact, ipLiteral, mxExchanges, resolveAddresses } from './mx.js';

/** The step of an SMTP probe that an outcome is about. */
export type SmtpProbeStep = 'connect' | 'banner' | 'ehlo' | 'starttls' | 'handshake';

/** What the certificate of a server said, kept as evidence. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  altNames: string;
  validFrom: string;
  validTo: string;
}

/** The outcome of probing one MX address on port 25. */
export type SmtpProbeOutcome =
  /** The TCP connection was actively refused: nothing listens on the SMTP port. */
  | { status: 'refused'; detail: string }
  /**
   * The probe could not decide: timeout, network error, a 4xx reply or a server refusing our session. Its detail is
   * the undecided part's reason, read in every language; the other outcomes' details are evidence, in English.
   */
  | { status: 'unknown'; step: SmtpProbeStep; detail: Text }
  /** The server answered EHLO without offering STARTTLS (RFC 3207 4). */
  | { status: 'starttls_missing'; extensions: string[]; detail: string }
  /** STARTTLS was offered but the TLS handshake did not complete. */
  | { status: 'handshake_failed'; detail: string }
  /** The handshake completed; the certificate verdicts are kept apart so each problem is its own finding. */
  | {
      status: 'tls';
      protocol: string;
      certificate: CertificateSummary;
      /** OpenSSL's verdict on the chain against the trusted CAs (`CERT_HAS_EXPIRED`…), null when trusted. */
      chainError: string | null;
      /** Why the certificate does not name the MX host (RFC 6125 via tls.checkServerIdentity), null when it does. */
      nameError: string | null;
    };

/** Bounds of each probe step and of the whole probe, overridable by tests only. */
export interface SmtpProbeTimeouts {
  connect: number;
  reply: number;
  handshake: number;
  quit: number;
  /** From the TCP connection to the verdict, every step together. */
  total: number;
}

/** Test-only knobs of a probe; the CLI never sets them. */
export interface SmtpProbeOptions {
  /** The SMTP port; 25 outside tests (RFC 5321 4.5.4.2: MX delivery happens on port 25). */
  port?: number;
  /** Trusted CAs replacing Node's default store, for a test server's self-signed certificate. */
  ca?: string | Buffer;
  timeouts?: Partial<SmtpProbeTimeouts>;
  signal?: AbortSignal;
  /** Hears each command and reply, the TLS handshake with the certificate's facts, and the verdict (`--verbose`). */
  trace?: Trace;
}

/**
 * Each step's bound. A refused or silent TCP handshake is known within 10 s on any working network. Replies get
 * 30 s: RFC 5321 4.5.3.2 allows servers minutes, but postscreen's greet wait (6 s) and common tarpits stay well
 * under 30 s, and a nightly run over thousands of domains cannot wait minutes per address. The TLS handshake is a
 * few round trips: 15 s leaves room for a slow server computing an RSA signature under load. The 221 to QUIT comes
 * after the verdict: 2 s is a courtesy to a server answering at once, where the reply bound would cost 30 s per
 * address to a server that never says goodbye. A tarpit answering each step just under its bound would still hold
 * an address for nearly 2 minutes, so the whole probe gets 60 s: a greeting delayed up to the reply bound, then
 * every other step at the pace of a server that means to take mail, fits; a tarpit costs half what it did.
 */
export const SMTP_PROBE_TIMEOUTS: SmtpProbeTimeouts = {
  connect: 10_000,
  reply: 30_000,
  handshake: 15_000,
  quit: 2_000,
  total: 60_000,
};
/** A reply longer than this is not an SMTP server talking (RFC 5321 4.5.3.1.5 caps a reply line at 512 octets). */
const MAX_REPLY_BYTES = 64 * 1024;
/** TLS versions older than 1.2 are deprecated by RFC 8996. */
const OUTDATED_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/** True when a negotiated protocol is older than TLS 1.2 (RFC 8996). */
export function isOutdatedProtocol(protocol: string): boolean {
  return OUTDATED_PROTOCOLS.has(protocol);
}

/** One SMTP reply: its code and its text lines (RFC 5321 4.2). */
interface SmtpReply {
  code: number;
  lines: string[];
}

/** Why a probe gave up, as the undecided part says it; the server's words and Node's codes stay as they came. */
const PROBE_TEXTS = {
  stopped: { en: 'run stopped', fr: 'passage arrêté' },
  wholeProbe: {
    en: 'whole probe not done within {ms} ms',
    fr: 'le test entier n’a pas abouti en {ms} ms',
  },
  noReply: { en: 'no reply within {ms} ms', fr: 'pas de réponse en {ms} ms' },
  notSmtp: { en: 'not an SMTP reply: "{line}"', fr: 'pas une réponse SMTP : « {line} »' },
  tooLong: { en: 'reply longer than {max} bytes', fr: 'réponse de plus de {max} octets' },
  closedByServer: { en: 'connection closed by the server', fr: 'connexion fermée par le serveur' },
  noTcpAnswer: { en: 'no TCP answer within {ms} ms', fr: 'pas de réponse TCP en {ms} ms' },
  closedBeforeConnect: {
    en: 'connection closed before it was established',
    fr: 'connexion fermée avant d’être établie',
  },
  noHandshake: { en: 'no TLS handshake within {ms} ms', fr: 'pas de négociation TLS en {ms} ms' },
  closedInHandshake: {
    en: 'connection closed before the TLS handshake completed',
    fr: 'connexion fermée avant la fin de la négociation TLS',
  },
  answered: { en: 'server answered {reply}', fr: 'le serveur a répondu {reply}' },
} satisfies Record<string, Text>;

class ProbeFailure extends Error {
  readonly step: SmtpProbeStep;
  readonly reason: Text;
  constructor(step: SmtpProbeStep, reason: Text) {
    super(reason.en);
    this.step = step;
    this.reason = reason;
  }
}

/** Reads SMTP replies from a stream, keeping bytes that arrive between two reads. */
class ReplyReader {
  #text = '';
  #failure: Text | null = null;
  #wake: (() => void) | null = null;
  readonly #stream: Socket | TLSSocket;
  readonly #trace: Trace | undefined;
  readonly #onData = (chunk: Buffer): void => {
    // latin1 keeps every byte one character, so a hostile server cannot make the decoder throw.
    this.#text += chunk.toString('latin1');
    if (this.#text.length > MAX_REPLY_BYTES) this.#fail(fillText(PROBE_TEXTS.tooLong, { max: MAX_REPLY_BYTES }));
    this.#wake?.();
  };
  readonly #onError = (error: Error): void => {
    this.#fail(socketErrorReason(error));
  };
  readonly #onClose = (): void => {
    this.#fail(PROBE_TEXTS.closedByServer);
  };

  constructor(stream: Socket | TLSSocket, trace: Trace | undefined) {
    this.#stream = stream;
    this.#trace = trace;
    stream.on('data', this.#onData);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
  }

  #fail(reason: Text): void {
    this.#failure ??= reason;
    this.#wake?.();
  }

  /** Stops reading, so the socket can be handed to TLS (RFC 3207 4: nothing is read after the 220 to STARTTLS). */
  detach(): void {
    this.#stream.off('data', this.#onData);
    this.#stream.off('error', this.#onError);
    this.#stream.off('close', this.#onClose);
    // The TLS socket wrapping this one reports its failures; an unheard 'error' here would crash the process.
    this.#stream.on('error', ignore);
    this.#stream.pause();
  }

  async next(step: SmtpProbeStep, timeoutMs: number): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.#take(step);
      if (reply !== null) return reply;
      if (this.#failure !== null) throw new ProbeFailure(step, this.#failure);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProbeFailure(step, fillText(PROBE_TEXTS.noReply, { ms: timeoutMs }));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  #take(step: SmtpProbeStep): SmtpReply | null {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = this.#text.indexOf('\n', offset);
      if (end < 0) return null;
      const line = this.#text.slice(offset, end).replace(/\r$/, '');
      offset = end + 1;
      // RFC 5321 4.2: "250-text" continues a reply, "250 text" (or a bare "250") ends it.
      const match = /^(\d{3})([ -]|$)(.*)$/.exec(line);
      if (match === null) throw new ProbeFailure(step, fillText(PROBE_TEXTS.notSmtp, { line: line.slice(0, 80) }));
      lines.push(match[3] ?? '');
      if (match[2] !== '-') {
        // Told once the reply is whole: an incomplete one is read again from its start when more bytes come.
        if (this.#trace !== undefined)
          for (const raw of this.#text.slice(0, offset).split(/\r?\n/).slice(0, -1)) this.#trace(`S: ${raw}`);
        this.#text = this.#text.slice(offset);
        return { code: Number(match[1]), lines };
      }
    }
  }
}

/** Where a probe stands: the step under way, the sockets it opened (each as soon as it exists), the TLS socket once up. */
interface ProbeSession {
  step: SmtpProbeStep;
  /** The probe's trace, each line already naming the MX host, its address and port; undefined without --verbose. */
  trace: Trace | undefined;
  sockets: (Socket | TLSSocket)[];
  secure?: TLSSocket;
}

function connectTcp(address: string, port: number, timeoutMs: number, session: ProbeSession): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    session.sockets.push(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProbeFailure('connect', fillText(PROBE_TEXTS.noTcpAnswer, { ms: timeoutMs })));
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    // A probe ending while connecting destroys the socket, which then closes without an error.
    const onClose = (): void => {
      clearTimeout(timer);
      reject(new ProbeFailure('connect', PROBE_TEXTS.closedBeforeConnect));
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(socket);
    });
  });
}

function startTls(
  socket: Socket,
  host: string,
  options: SmtpProbeOptions,
  timeoutMs: number,
  session: ProbeSession,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({
      socket,
      // RFC 6066 3: SNI carries a host name, never an address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      // Accept old protocols and weak ciphers so that an outdated server is reported as such, not as a failure.
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      // Verdicts are read after the handshake: the chain from `authorizationError`, the name by checkServerIdentity.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    session.sockets.push(secure);
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new ProbeFailure('handshake', fillText(PROBE_TEXTS.noHandshake, { ms: timeoutMs })));
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(new HandshakeError(error.message));
    };
    // A server hanging up mid-handshake is an 'error' first; a close alone is the probe ending and destroying it.
    const onClose = (): void => {
      clearTimeout(timer);
      reject(new ProbeFailure('handshake', PROBE_TEXTS.closedInHandshake));
    };
    secure.once('error', onError);
    secure.once('close', onClose);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.off('error', onError);
      secure.off('close', onClose);
      resolve(secure);
    });
  });
}

class HandshakeError extends Error {}

function ignore(): void {
  // Deliberately empty: see ReplyReader.detach().
}

function summarize(certificate: PeerCertificate): CertificateSummary {
  const name = (entity: Record<string, string | string[] | undefined> | undefined): string =>
    Object.entries(entity ?? {})
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : (value ?? '')}`)
      .join(', ');
  return {
    subject: name(certificate.subject as unknown as Record<string, string | undefined>),
    issuer: name(certificate.issuer as unknown as Record<string, string | undefined>),
    altNames: certificate.subjectaltname ?? '',
    validFrom: certificate.valid_from,
    validTo: certificate.valid_to,
  };
}

function send(stream: Socket | TLSSocket, command: string, trace: Trace | undefined): void {
  trace?.(`C: ${command}`);
  stream.write(`${command}\r\n`);
}

/**
 * Probes one MX address: banner, EHLO, STARTTLS, TLS handshake with SNI = the MX host, then QUIT. Certificate
 * chain and name are judged apart so each fault is its own finding. Never throws for what the server does.
 */
export async function probeSmtp(
  host: string,
  address: string,
  options: SmtpProbeOptions = {},
): Promise<SmtpProbeOutcome> {
  const trace = probeTrace(options.trace, host, address, options.port ?? 25);
  const started = trace === undefined ? 0 : performance.now();
  const outcome = await probeOnce(host, address, options, trace);
  trace?.(verdictLine(outcome, performance.now() - started));
  return outcome;
}

async function probeOnce(
  host: string,
  address: string,
  options: SmtpProbeOptions,
  trace: Trace | undefined,
): Promise<SmtpProbeOutcome> {
  if (options.signal?.aborted === true) return { status: 'unknown', step: 'connect', detail: PROBE_TEXTS.stopped };
  const timeouts = { ...SMTP_PROBE_TIMEOUTS, ...options.timeouts };
  const session: ProbeSession = { step: 'connect', trace, sockets: [] };
  const abort = (): void => {
    for (const socket of session.sockets) socket.destroy();
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Each step's bound starts afresh at the next step, so a server answering every step just in time would hold the
  // address for all of them together: the whole probe has its own bound, named with the step it cut short.
  const deadline = new Promise<SmtpProbeOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({
        status: 'unknown',
        step: session.step,
        detail: fillText(PROBE_TEXTS.wholeProbe, { ms: timeouts.total }),
      });
    }, timeouts.total);
  });
  try {
    const outcome = await Promise.race([converse(host, address, options, timeouts, session), deadline]);
    clearTimeout(timer);
    // RFC 5321 4.1.1.10: leave politely; the verdict is already known, so a missing 221 changes nothing.
    if (outcome.status === 'tls' && session.secure !== undefined) {
      const secureReader = new ReplyReader(session.secure, trace);
      send(session.secure, 'QUIT', trace);
      await secureReader.next('handshake', timeouts.quit).catch(() => null);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
    // After the deadline this also ends the steps still under way: their sockets close and their outcome is dropped.
    abort();
  }
}

/** The steps of a probe up to its verdict, keeping `session.step` on the step under way. */
async function converse(
  host: string,
  address: string,
  options: SmtpProbeOptions,
  timeouts: SmtpProbeTimeouts,
  session: ProbeSession,
): Promise<SmtpProbeOutcome> {
  try {
    let socket: Socket;
    try {
      socket = await connectTcp(address, options.port ?? 25, timeouts.connect, session);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED')
        return { status: 'refused', detail: (error as Error).message };
      throw error instanceof ProbeFailure ? error : new ProbeFailure('connect', socketErrorReason(error));
    }
    const { trace } = session;
    const plain = new ReplyReader(socket, trace);
    const reply = (step: SmtpProbeStep): Promise<SmtpReply> => {
      session.step = step;
      return plain.next(step, timeouts.reply);
    };
    const banner = await reply('banner');
    // RFC 5321 3.1: a 554 greeting (or any non-220) refuses the session, often for the prober's own address.
    if (banner.code !== 220) return unknown('banner', banner);
    send(socket, `EHLO ${ehloName()}`, trace);
    const ehlo = await reply('ehlo');
    // RFC 5321 3.2: a server without ESMTP answers EHLO 500 or 502. Any other refusal (4xx, 501 for our name,
    // 550 or 554 for our address) is about the prober, not a verdict on the server's STARTTLS.
    if (ehlo.code !== 250 && ehlo.code !== 500 && ehlo.code !== 502) return unknown('ehlo', ehlo);
    const extensions = ehlo.code === 250 ? ehlo.lines.slice(1).map((line) => line.trim().toUpperCase()) : [];
    if (!extensions.some((extension) => extension === 'STARTTLS' || extension.startsWith('STARTTLS ')))
      return { status: 'starttls_missing', extensions, detail: `EHLO answered ${ehlo.code} ${ehlo.lines[0] ?? ''}` };
    send(socket, 'STARTTLS', trace);
    const ready = await reply('starttls');
    // RFC 3207 4: 454 is "TLS not available due to temporary reason": not a verdict on the server.
    if (ready.code >= 400 && ready.code < 500) return unknown('starttls', ready);
    if (ready.code !== 220) return { status: 'handshake_failed', detail: `STARTTLS answered ${describe(ready)}` };
    plain.detach();
    session.step = 'handshake';
    let secure: TLSSocket;
    try {
      secure = await startTls(socket, host, options, timeouts.handshake, session);
    } catch (error) {
      if (error instanceof HandshakeError) return { status: 'handshake_failed', detail: error.message };
      throw error;
    }
    session.secure = secure;
    const certificate = secure.getPeerCertificate();
    const authorizationError = secure.authorized ? null : (secure.authorizationError as unknown as Error | string);
    const nameError = isIP(host) === 0 ? (checkServerIdentity(host, certificate)?.message ?? null) : null;
    const outcome = {
      status: 'tls',
      protocol: secure.getProtocol() ?? 'unknown',
      certificate: summarize(certificate),
      chainError: authorizationError === null ? null : String(authorizationError),
      nameError,
    } as const;
    trace?.(handshakeLine(outcome, secure.getCipher().name));
    return outcome;
  } catch (error) {
    if (error instanceof ProbeFailure) return { status: 'unknown', step: error.step, detail: error.reason };
    throw error;
  }
}

function unknown(step: SmtpProbeStep, reply: SmtpReply): SmtpProbeOutcome {
  return { status: 'unknown', step, detail: fillText(PROBE_TEXTS.answered, { reply: describe(reply) }) };
}

function describe(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' ').slice(0, 200)}`.trim();
}

/**
 * The probe's `--verbose` lines, each after `smtp <MX host> @<address>:<port>`: probes of many domains run at once,
 * so every line says which connection it belongs to. Undefined without --verbose, so that no line is built.
 */
function probeTrace(trace: Trace | undefined, host: string, address: string, port: number): Trace | undefined {
  if (trace === undefined) return undefined;
  const head = `smtp ${host} @${isIP(address) === 6 ? `[${address}]` : address}:${port} `;
  // The MX hosts are the members' or anyone's: what they say is written escaped.
  return (line) => {
    trace(
      printableLine(typeof line === 'string' ? `${head}${line}` : { en: `${head}${line.en}`, fr: `${head}${line.fr}` }),
    );
  };
}

/** The handshake's line: protocol, cipher and the certificate's facts, each verdict as the probe judged it. */
function handshakeLine(outcome: Extract<SmtpProbeOutcome, { status: 'tls' }>, cipher: string): string {
  const { certificate } = outcome;
  return [
    `TLS ${outcome.protocol} ${cipher}`,
    `subject "${certificate.subject}"`,
    `issuer "${certificate.issuer}"`,
    `altNames "${certificate.altNames}"`,
    `valid "${certificate.validFrom}" to "${certificate.validTo}"`,
    `chain ${outcome.chainError ?? 'trusted'}`,
    `name ${outcome.nameError === null ? 'matches' : `"${outcome.nameError}"`}`,
  ].join(', ');
}

/** The last line of a probe: its verdict, how long it took, and why when it is not a TLS session. */
function verdictLine(outcome: SmtpProbeOutcome, elapsedMs: number): string | Text {
  const ms = `${Math.round(elapsedMs)}ms`;
  switch (outcome.status) {
    case 'tls':
      return `-> tls ${outcome.protocol} ${ms}`;
    case 'unknown':
      return {
        en: `-> unknown (${outcome.step}) ${ms}: ${outcome.detail.en}`,
        fr: `-> unknown (${outcome.step}) ${ms} : ${outcome.detail.fr}`,
      };
    default:
      return {
        en: `-> ${outcome.status} ${ms}: ${outcome.detail}`,
        fr: `-> ${outcome.status} ${ms} : ${outcome.detail}`,
      };
  }
}

/** RFC 5321 4.1.1.1: EHLO names the client; the machine's name is the most honest one a prober has. */
function ehloName(): string {
  const name = hostname();
  return name.includes('.') ? name : `${name}.invalid`;
}

/** One probed address of an MX host. */
export interface SmtpAddressProbe {
  address: string;
  outcome: SmtpProbeOutcome;
}

/** The probes of one MX host; `addresses` fails when its A/AAAA lookup did. */
export interface SmtpHostProbe {
  exchange: string;
  addresses: Fact<SmtpAddressProbe[]>;
}

/** STARTTLS probes of every MX host's addresses (gathered only when probes are on: smtp-starttls is a probe check). */
export interface SmtpProbeFact {
  hosts: SmtpHostProbe[];
}

declare module './fact-map.js' {
  interface FactMap {
    smtpProbe: SmtpProbeFact;
  }
}

/** Probes port 25 of every address of every MX host; a host shared by many domains is probed once per run. */
export async function gatherSmtpProbe(context: GatherContext, options: SmtpProbeOptions = {}): Promise<SmtpProbeFact> {
  const exchanges = await mxExchanges(context.resolver, context.domain);
  // A null MX takes no mail and an IP-literal MX is mx-records' finding: neither is probed.
  const names = [...new Set(exchanges.map((mx) => mx.exchange))].filter(
    (exchange) => exchange !== '' && ipLiteral(exchange) === null,
  );
  const port = options.port ?? 25;
  const hosts = await Promise.all(
    names.map(
      async (exchange): Promise<SmtpHostProbe> => ({
        exchange,
        addresses: await captureFact(
          resolveAddresses(context.resolver, exchange).then(({ addresses }) =>
            Promise.all(
              addresses.map(async (address) => ({
                address,
                outcome: await context.once(`smtp-probe ${exchange} ${address} ${port}`, () =>
                  probeSmtp(exchange, address, {
                    ...options,
                    signal: options.signal ?? context.signal,
                    ...(context.trace === undefined ? {} : { trace: context.trace }),
                  }),
                ),
              })),
            ),
          ),
        ),
      }),
    ),
  );
  return { hosts };
}
