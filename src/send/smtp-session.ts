import { connect as netConnect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { socketErrorReason } from '../connection-failure.js';
import type { Trace } from '../trace.js';
import type { SmtpLogin } from './campaign-config.js';
import { smtpTraceLogger } from './smtp-trace-logger.js';

/** The SMTP timeouts: nodemailer's socket default (10 min) would hold a run on a server that stopped answering. */
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 } as const;

/**
 * Messages per connection before it is renewed. Postfix's smtpd has no per-connection limit; Exim's default
 * (smtp_accept_max_per_connection) is 1000. Reconnecting more often would cost a TLS handshake for nothing.
 */
const MAX_MESSAGES_PER_CONNECTION = 1000;

/** How long closing waits for the server's answer to QUIT before dropping the connection. */
const QUIT_TIMEOUT_MS = 5_000;

/** Why a session still being opened was given up: no message had been handed to the server. */
const INTERRUPTED = 'interrupted before the session was open; nothing was sent';

/** What one SMTP transaction came to. */
export type SmtpResult =
  | { ok: true; reply: string }
  | {
      ok: false;
      error: SMTPConnection.SMTPError;
      /**
       * The connection was lost or timed out after the whole message and its final "." had been handed to it, before
       * the server's reply: the server may have accepted the message (RFC 1047).
       */
      isAfterData: boolean;
    };

/** An error as nodemailer's SMTPConnection reports it: a stable code and the command it happened on. */
function smtpError(message: string, code: string, command: string): SMTPConnection.SMTPError {
  return Object.assign(new Error(message), { code, command });
}

/**
 * Opens the TCP connection with Nagle's algorithm off: nodemailer writes the final "." of DATA as its own small
 * segment, which Nagle holds until the server's delayed ACK (40 ms on Linux), capping one connection at about 25
 * messages a second. TLS, implicit or STARTTLS, is still nodemailer's, over this socket.
 */
function connectSocket(
  host: string,
  port: number,
  signal: AbortSignal | undefined,
  trace: Trace | undefined,
): Promise<Socket> {
  const started = trace === undefined ? 0 : performance.now();
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    const onAbort = (): void => {
      onError(new Error(INTERRUPTED));
    };
    const onError = (error: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // nodemailer is handed the socket once connected: a connection refused, reset or timed out before it is
      // nodemailer's never reaches its log.
      if (trace !== undefined) {
        const head = `smtp connect ${host}:${port} -> failed ${Math.round(performance.now() - started)}ms`;
        const reason = socketErrorReason(error);
        trace({ en: `${head}: ${reason.en}`, fr: `${head} : ${reason.fr}` });
      }
      reject(smtpError(`Cannot connect to "${host}:${port}": ${error.message}`, 'ECONNECTION', 'CONN'));
    };
    socket.once('error', onError);
    socket.setTimeout(SMTP_TIMEOUTS.connectionTimeout, () => {
      onError(new Error('connection timeout'));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

/**
 * One SMTP session with the organisation's server, on nodemailer's SMTPConnection: opened on first use (STARTTLS or
 * implicit TLS and AUTH as configured), kept for the next message, renewed after a lost connection or
 * MAX_MESSAGES_PER_CONNECTION. One transaction at a time; a campaign runs several sessions side by side.
 */
export class SmtpSession {
  readonly #config: SmtpLogin;
  #connection: SMTPConnection | null = null;
  /**
   * The connection being opened or in use: only its failures concern the waiting handshake or transaction. One
   * closed after its 1,000th message ends while the next connection opens, and must not fail it.
   */
  #current: SMTPConnection | null = null;
  /** Told when the current connection fails while a handshake or a transaction waits on it. */
  #onFailure: ((error: SMTPConnection.SMTPError) => void) | null = null;
  #messages = 0;
  readonly #signal: AbortSignal | undefined;
  readonly #trace: Trace | undefined;

  /**
   * `signal` gives up a session still being opened (connection, greeting, STARTTLS, login), which a silent server
   * could hold for the whole greeting timeout: no message has reached the server yet. A transaction under way
   * always ends, so that its outcome is known. `trace` (`--verbose`) hears each command and reply, credentials
   * redacted, never the message.
   */
  constructor(config: SmtpLogin, options: { signal?: AbortSignal; trace?: Trace } = {}) {
    this.#config = config;
    this.#signal = options.signal;
    this.#trace = options.trace;
  }

  /** Sends one message; never throws for what the server or the network did, which the result tells. */
  async send(envelope: { from: string; to: string }, message: Buffer): Promise<SmtpResult> {
    let connection: SMTPConnection;
    try {
      connection = this.#connection ?? (await this.#open());
    } catch (error) {
      return { ok: false, error: error as SMTPConnection.SMTPError, isAfterData: false };
    }
    return new Promise((resolve) => {
      let isDone = false;
      const finish = (result: SmtpResult): void => {
        if (isDone) return;
        isDone = true;
        this.#onFailure = null;
        resolve(result);
      };
      // The body ends once SMTPConnection has read it after the server's 354, appending the final "." as it writes.
      let isHandedOver = false;
      const body = new PassThrough();
      body.once('end', () => {
        isHandedOver = true;
      });
      this.#onFailure = (error) => {
        finish({ ok: false, error, isAfterData: isHandedOver });
      };
      connection.send({ from: envelope.from, to: [envelope.to], size: message.length }, body, (error, info) => {
        this.#messages++;
        if (error === null) {
          finish({ ok: true, reply: info.response });
          if (this.#messages >= MAX_MESSAGES_PER_CONNECTION) void this.close();
          return;
        }
        // A refused MAIL, RCPT or DATA leaves the transaction open on the server: RSET before the next one.
        const refused: SmtpResult = { ok: false, error, isAfterData: false };
        this.#onFailure = () => {
          finish(refused);
        };
        // nodemailer calls back with null on success, where its typings say undefined.
        connection.reset((resetError) => {
          if (resetError instanceof Error) this.#discard(connection);
          finish(refused);
        });
      });
      body.end(message);
    });
  }

  /** Ends the session politely (QUIT), dropping it if the server does not answer in time. */
  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    if (this.#current === connection) this.#current = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        connection.close();
        resolve();
      }, QUIT_TIMEOUT_MS);
      connection.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      connection.quit();
    });
  }

  /** Connects, says EHLO, upgrades to TLS and logs in as configured. */
  async #open(): Promise<SMTPConnection> {
    const config = this.#config;
    const signal = this.#signal;
    if (signal?.aborted === true) throw smtpError(INTERRUPTED, 'ECONNECTION', 'CONN');
    const socket = await connectSocket(config.host, config.port, signal, this.#trace);
    const connection = new SMTPConnection({
      host: config.host,
      port: config.port,
      connection: socket,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
      // transactionLog logs commands and replies; nodemailer's `debug` would add the message itself.
      ...(this.#trace === undefined
        ? { logger: false }
        : { logger: smtpTraceLogger(this.#trace, [config.password]), transactionLog: true }),
      ...SMTP_TIMEOUTS,
      ...(config.helo === null ? {} : { name: config.helo }),
    });
    // Without a listener, an 'error' event (the server closing an idle connection) would throw.
    // The waiting transaction hears of the failure first: closing emits 'end', which would tell it less.
    connection.on('error', (error: SMTPConnection.SMTPError) => {
      if (this.#current === connection) this.#onFailure?.(error);
      this.#discard(connection);
    });
    connection.once('end', () => {
      if (this.#current === connection)
        this.#onFailure?.(smtpError('Connection closed unexpectedly', 'ECONNECTION', 'CONN'));
      this.#discard(connection);
    });
    this.#current = connection;
    const onAbort = (): void => {
      this.#onFailure?.(smtpError(INTERRUPTED, 'ECONNECTION', 'CONN'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        this.#onFailure = reject;
        connection.connect(() => {
          resolve();
        });
      });
      // Configured credentials are always used: a server that does not offer AUTH refuses it, and the run stops
      // saying so, rather than sending unauthenticated as nodemailer's pool silently would.
      if (config.user !== null)
        await new Promise<void>((resolve, reject) => {
          this.#onFailure = reject;
          connection.login({ user: config.user ?? '', pass: config.password ?? '' }, (error) => {
            if (error instanceof Error) reject(error);
            else resolve();
          });
        });
    } catch (error) {
      this.#discard(connection);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#onFailure = null;
    }
    this.#connection = connection;
    this.#messages = 0;
    return connection;
  }

  #discard(connection: SMTPConnection): void {
    if (this.#connection === connection) this.#connection = null;
    if (this.#current === connection) this.#current = null;
    connection.close();
  }
}
