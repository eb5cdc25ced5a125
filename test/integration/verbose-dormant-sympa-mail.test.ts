import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import { facteur } from './helpers/facteur.js';
import { dkimKeyPair, FROM_DOMAIN, startCampaignZones } from './helpers/smtp-campaign.js';
import { recordHardBounces, writeSendConfig } from './helpers/sympa-mail.js';
import { expectNoSecret, SECRET, startLoginSmtpServer, traced, type LoginSmtpServer } from './helpers/verbose-trace.js';

const LIST = 'info@lists.example.org';
const DORMANT = ['carol@example.com', 'dave@example.org'];
const SMTP_USER = 'listes';

describe('facteur dormant apply --sympa-mail --verbose (built CLI, real DNS and SMTP servers)', () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;
  let server: LoginSmtpServer;
  let port: number;
  let fixture: ReturnType<typeof writeSendConfig>;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
    server = await startLoginSmtpServer(SMTP_USER, ['PLAIN']);
    port = server.port;
  });

  afterAll(async () => {
    await server.close();
    await zones.stop();
  });

  afterEach(() => {
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  function apply(extra: string[]): ReturnType<typeof facteur> {
    fixture = writeSendConfig({
      port,
      privateKey: keys.privateKey,
      extra: {
        smtp: {
          host: '127.0.0.1',
          port,
          security: 'none',
          user: SMTP_USER,
          passwordEnv: 'FACTEUR_TEST_SMTP_PASSWORD',
        },
      },
    });
    recordHardBounces(fixture.dbFile, LIST, DORMANT);
    const args = ['dormant', 'apply', '--sympa-mail', LIST, '--send-config', fixture.configFile];
    return facteur(
      [...args, '--db', fixture.dbFile, '--resolver', zones.address, '--yes', '--json', ...extra],
      undefined,
      { env: { FACTEUR_TEST_SMTP_PASSWORD: SECRET } },
    );
  }

  it('dormant apply --sympa-mail --verbose logs the DNS preflight and the SMTP session, not the password nor the commands mailed', async () => {
    const run = await apply(['--verbose']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, isDryRun: false });
    // The preflight asks for the published DKIM key and the owner's MX.
    expect(traced(run.stderr, 'dns')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^facteur: dns mail2026\._domainkey\.consult\.example\.org TXT @\S+ udp -> NOERROR answers=1 \d+ms$/,
        ),
        expect.stringMatching(/^facteur: dns consult\.example\.org MX @\S+ udp -> NOERROR answers=1 \d+ms$/),
      ]),
    );
    const smtp = traced(run.stderr, 'smtp');
    expect(smtp).toContain('facteur: smtp C: AUTH PLAIN <redacted>');
    expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp S: 235 /));
    expect(smtp).toContain(`facteur: smtp C: MAIL FROM:<owner@${FROM_DOMAIN}>`);
    expect(smtp).toContain('facteur: smtp C: RCPT TO:<sympa@lists.example.org>');
    expect(smtp).toContainEqual(expect.stringMatching(/^facteur: smtp S: 250 /));
    expectNoSecret(run.stderr + run.stdout, SMTP_USER, SECRET);
    // The mail's body, the members' addresses in QUIET DEL lines, stays out of the trace.
    expect(run.stderr).not.toContain('QUIET DEL');
    for (const address of DORMANT) expect(run.stderr).not.toContain(address);
  });

  it('dormant apply --sympa-mail without --verbose writes no DNS nor SMTP line', async () => {
    const run = await apply([]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, isDryRun: false });
    expect(run.stderr).not.toContain('facteur: smtp');
    expect(run.stderr).not.toContain('facteur: dns');
  });
});
