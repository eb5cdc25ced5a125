import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** A message the server accepted: the envelope as the client gave it and the bytes of the message. */
export interface ReceivedMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

/** What the server answers to a message: accept (undefined), a reply code with text, or drop the connection. */
export type SmtpAnswer = { code: number; text: string } | 'drop' | undefined;

/** How the test server behaves; every hook sees the message and how many DATA commands came before it. */
export interface SmtpBehaviour {
  /** Decides the answer at the end of DATA, after the whole message was read. */
  onMessage?: (message: ReceivedMessage, index: number) => SmtpAnswer;
  /** Decides the answer to RCPT TO, before any message is read; sees how many RCPT commands came before. */
  onRecipient?: (address: string, index: number) => SmtpAnswer;
  /** Decides the greeting: undefined greets (220), a reply code with text refuses the session and closes. */
  onConnect?: () => { code: number; text: string } | undefined;
  /** Waits this long before answering the end of DATA (a slow server, to catch a run mid-flight). */
  delayMs?: number;
}

/** A real smtp-server on 127.0.0.1, on an ephemeral port, recording what it accepted. */
export interface TestSmtpServer {
  port: number;
  /** Accepted messages, in order of acceptance. */
  accepted: ReceivedMessage[];
  /** How many times DATA ended, accepted or not. */
  dataCount(): number;
  behaviour: SmtpBehaviour;
  stop(): Promise<void>;
}

/** smtp-server's connection object: the socket is not part of its typings, but a test must be able to drop it. */
interface ServerInternals {
  connections: Set<{ id: string; _socket: { destroy(): void } }>;
}

/**
 * Starts an SMTP server without auth (loopback only) whose answers a test can script; it offers STARTTLS with
 * `certificate` when given, else no TLS.
 */
export async function startSmtpServer(
  behaviour: SmtpBehaviour = {},
  certificate?: { key: string; cert: string },
): Promise<TestSmtpServer> {
  const accepted: ReceivedMessage[] = [];
  let data = 0;
  let recipients = 0;
  const drop = (session: SMTPServerSession): void => {
    const internals = server as unknown as ServerInternals;
    for (const connection of internals.connections) if (connection.id === session.id) connection._socket.destroy();
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: certificate === undefined ? ['STARTTLS', 'AUTH'] : ['AUTH'],
    ...certificate,
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      const refusal = server_.behaviour.onConnect?.();
      if (refusal === undefined) callback();
      else callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
    },
    onRcptTo(address, session, callback) {
      const reply = server_.behaviour.onRecipient?.(address.address, recipients++);
      if (reply === 'drop') {
        drop(session);
        return;
      }
      if (reply !== undefined) {
        callback(Object.assign(new Error(reply.text), { responseCode: reply.code }));
        return;
      }
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message: ReceivedMessage = {
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
        };
        const index = data++;
        const answer = (): void => {
          const reply = server_.behaviour.onMessage?.(message, index);
          if (reply === 'drop') {
            drop(session);
            return;
          }
          if (reply !== undefined) {
            const error = Object.assign(new Error(reply.text), { responseCode: reply.code });
            callback(error);
            return;
          }
          accepted.push(message);
          callback(null, 'Ok: queued');
        };
        const delay = server_.behaviour.delayMs ?? 0;
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      });
    },
  });
  const server_: TestSmtpServer = {
    port: 0,
    accepted,
    dataCount: () => data,
    behaviour,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
  // A client killed mid-transaction resets its connection: that is the scenario under test, not a failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server_.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return server_;
}
