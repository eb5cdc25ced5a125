import { rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import { facteur } from './helpers/facteur.js';
import { dkimKeyPair, people, writeCampaign, startCampaignZones } from './helpers/smtp-campaign.js';
import { expectNoSecret, SECRET, startLoginSmtpServer, traced, type LoginSmtpServer } from './helpers/verbose-trace.js';

const SMTP_USER = 'campagnes';

describe('facteur send --verbose (built CLI against a real DNS and SMTP server)', () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
  });

  afterAll(async () => {
    await zones.stop();
  });

  let server: LoginSmtpServer;

  beforeAll(async () => {
    server = await startLoginSmtpServer(SMTP_USER, ['PLAIN', 'LOGIN']);
  });

  afterAll(async () => {
    await server.close();
  });

  function campaign(): { dir: string; configFile: string } {
    return writeCampaign({
      port: server.port,
      rows: people(3),
      privateKey: keys.privateKey,
      smtp: { user: SMTP_USER, passwordEnv: 'FACTEUR_TEST_SMTP_PASSWORD', pool: 1 },
    });
  }

  const env = { FACTEUR_TEST_SMTP_PASSWORD: SECRET };

  it('send run --verbose logs the DNS preflight and each SMTP command and reply, never the password nor the message', async () => {
    const fixture = campaign();
    try {
      const run = await facteur(
        ['send', 'run', fixture.configFile, '--resolver', zones.address, '--json', '--verbose'],
        undefined,
        { env },
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, run: { sent: 3 } });
      expect(server.methods).toEqual(['PLAIN']);
      expect(traced(run.stderr, 'dns')).toContainEqual(
        expect.stringMatching(/^facteur: dns consult\.example\.org TXT @\S+ udp -> NOERROR answers=\d+ \d+ms$/),
      );
      const smtp = traced(run.stderr, 'smtp');
      expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp S: 220 /));
      expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp C: EHLO /));
      expect(smtp).toContain('facteur: smtp C: AUTH PLAIN <redacted>');
      expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp S: 235 /));
      expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp C: MAIL FROM:<bounce/));
      expect(smtp).toContain('facteur: smtp C: RCPT TO:<person1@example.net>');
      expect(smtp).toContain('facteur: smtp C: DATA');
      expectNoSecret(run.stderr + run.stdout, SMTP_USER, SECRET);
      // The message (its subject and body, with the recipient's first name) stays out.
      expect(run.stderr).not.toContain('Prénom1');
      expect(run.stderr).not.toContain('plan vélo');
      expect(run.stderr).not.toContain('DKIM-Signature');
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  });

  it('send run --test-to --verbose over AUTH LOGIN redacts the user and password lines', async () => {
    const loginOnly = await startLoginSmtpServer(SMTP_USER, ['LOGIN']);
    const fixture = writeCampaign({
      port: loginOnly.port,
      rows: people(2),
      privateKey: keys.privateKey,
      smtp: { user: SMTP_USER, passwordEnv: 'FACTEUR_TEST_SMTP_PASSWORD', pool: 1 },
    });
    try {
      const run = await facteur(
        [
          'send',
          'run',
          fixture.configFile,
          '--resolver',
          zones.address,
          '--test-to',
          'me@example.net',
          '--json',
          '--verbose',
        ],
        undefined,
        { env },
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, mode: 'test' });
      const smtp = traced(run.stderr, 'smtp');
      const auth = smtp.findIndex((line) => line === 'facteur: smtp C: AUTH LOGIN');
      expect(auth).toBeGreaterThan(-1);
      // The 334 challenges, then the user and the password lines, both redacted, then 235.
      expect(smtp.slice(auth + 1, auth + 5)).toEqual([
        expect.stringMatching(/^facteur: smtp S: 334 /),
        'facteur: smtp C: <redacted>',
        expect.stringMatching(/^facteur: smtp S: 334 /),
        'facteur: smtp C: <redacted>',
      ]);
      expect(smtp[auth + 5]).toMatch(/^facteur: smtp S: 235 /);
      expect(smtp).toContain('facteur: smtp C: RCPT TO:<me@example.net>');
      expectNoSecret(run.stderr + run.stdout, SMTP_USER, SECRET);
      expect(run.stderr).not.toContain(Buffer.from(SMTP_USER).toString('base64'));
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
      await loginOnly.close();
    }
  });

  it('send run --verbose traces a connection refused before any greeting, which nodemailer never logs', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const fixture = writeCampaign({
      port,
      rows: people(5),
      privateKey: keys.privateKey,
      smtp: { user: SMTP_USER, passwordEnv: 'FACTEUR_TEST_SMTP_PASSWORD', pool: 1 },
    });
    try {
      const run = await facteur(
        ['send', 'run', fixture.configFile, '--resolver', zones.address, '--json', '--verbose'],
        undefined,
        { env },
      );
      // Five connections refused in a row: the server is unreachable, the run stops.
      expect(run.code).toBe(3);
      expect(traced(run.stderr, 'smtp')).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^facteur: smtp connect 127\\.0\\.0\\.1:${port} -> failed \\d+ms: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
          ),
        ),
      );
      const french = await facteur(
        ['send', 'run', fixture.configFile, '--resolver', zones.address, '--json', '--verbose', '--lang', 'fr'],
        undefined,
        { env },
      );
      expect(french.stderr.split('\n')).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^facteur : smtp connect 127\\.0\\.0\\.1:${port} -> failed \\d+ms : le serveur a refusé la connexion \\(ECONNREFUSED\\)$`,
          ),
        ),
      );
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  });

  it('send run without --verbose writes no SMTP nor DNS line', async () => {
    const fixture = campaign();
    try {
      const run = await facteur(['send', 'run', fixture.configFile, '--resolver', zones.address, '--json'], undefined, {
        env,
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, run: { sent: 3 } });
      expect(run.stderr).not.toContain('facteur: smtp');
      expect(run.stderr).not.toContain('facteur: dns');
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  });
});
