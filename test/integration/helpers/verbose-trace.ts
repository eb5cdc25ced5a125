import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';

/** A password no protocol line, no base64 of it and no SASL blob holding it may show. */
export const SECRET = 'Zq9-verbose-Secret-7x';

/** The password as it would leak: plain, in base64 alone (AUTH LOGIN) and inside SASL PLAIN blobs. */
function leakedForms(user: string, password: string): string[] {
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return [password, base64(password), base64(`\0${user}\0${password}`), base64(`${user}\0${user}\0${password}`)];
}

/** Asserts that `text` holds none of the forms in which `password` would leak. */
export function expectNoSecret(text: string, user: string, password: string): void {
  for (const form of leakedForms(user, password)) expect(text).not.toContain(form);
}

/** Lines of the --verbose trace of one protocol (English prefix: the CLI runs under LANG=C). */
export function traced(stderr: string, protocol: 'dns' | 'smtp' | 'imap'): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(`facteur: ${protocol} `));
}

/** An SMTP server on loopback that takes `user` with SECRET by `methods`, and swallows each message. */
export interface LoginSmtpServer {
  port: number;
  /** The AUTH mechanism of each login, in order. */
  methods: string[];
  close(): Promise<void>;
}

/** Starts a LoginSmtpServer: AUTH without TLS, as facteur allows for a server on this machine. */
export async function startLoginSmtpServer(user: string, methods: string[]): Promise<LoginSmtpServer> {
  const logins: string[] = [];
  const server = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    authMethods: methods,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(auth.method);
      if (auth.username === user && auth.password === SECRET) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    methods: logins,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(resolve);
      }),
  };
}
