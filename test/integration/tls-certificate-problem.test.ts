import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateCause, type CertificateCause } from '../../src/tls-certificate-problem.js';
import { makeCertificate } from './helpers/certificate.js';

/** Runs openssl quietly in `dir`. */
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A private authority and a certificate for 127.0.0.1 it signed, as a town's own CA would make. */
function makeSignedCertificate(dir: string): { ca: string; key: string; cert: string } {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Test CA'].concat([
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ]),
  );
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
  ]);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:mail.example.org\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.pem',
  ]);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return { ca: read('ca.pem'), key: read('leaf.key'), cert: read('leaf.pem') };
}

/** A TLS server on 127.0.0.1 presenting `cert` (a chain when it holds several certificates). */
async function startTlsServer(key: string, cert: string): Promise<Server> {
  const server = createServer({ key, cert }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** What Node says when it refuses the server's certificate. */
async function refusal(server: Server, options: ConnectionOptions = {}): Promise<Error & { code?: string }> {
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options }, () => {
      socket.destroy();
      reject(new Error('The certificate was accepted'));
    });
    socket.on('error', resolve);
  });
}

describe('certificateCause() against the failures Node reports', () => {
  let dir: string;
  const servers: Server[] = [];
  let signed: { ca: string; key: string; cert: string };
  let selfSigned: Server;
  let leafOnly: Server;
  let withChain: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-tls-'));
    const own = makeCertificate(dir, '127.0.0.1', ['IP:127.0.0.1']);
    signed = makeSignedCertificate(dir);
    selfSigned = await startTlsServer(own.key, own.cert);
    leafOnly = await startTlsServer(signed.key, signed.cert);
    withChain = await startTlsServer(signed.key, signed.cert + signed.ca);
    servers.push(selfSigned, leafOnly, withChain);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, () => Promise<Error & { code?: string }>, string, CertificateCause][] = [
    ['a self-signed certificate', () => refusal(selfSigned), 'DEPTH_ZERO_SELF_SIGNED_CERT', 'self_signed'],
    [
      'a certificate whose authority is not sent',
      () => refusal(leafOnly),
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unknown_authority',
    ],
    [
      'a chain up to an untrusted authority',
      () => refusal(withChain),
      'SELF_SIGNED_CERT_IN_CHAIN',
      'untrusted_authority',
    ],
    [
      'a trusted certificate for another name',
      () => refusal(leafOnly, { ca: signed.ca, servername: 'other.example.org' }),
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'name_mismatch',
    ],
  ];

  it.each(cases)('gives the same cause for %s by Node code and by message alone', async (_name, fail, code, cause) => {
    const error = await fail();
    expect(error.code).toBe(code);
    expect(certificateCause(error)).toBe(cause);
    // nodemailer's ESOCKET keeps only the message.
    expect(certificateCause({ code: 'ESOCKET', message: error.message })).toBe(cause);
  });
});
