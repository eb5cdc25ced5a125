import { createSocket } from 'node:dgram';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { authenticate } from 'mailauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkResolver, type NetworkResolver } from '../../src/dns/network-resolver.js';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import type { SympaMailResult } from '../../src/sympa/send-sympa-mail.js';
import {
  DKIM_SELECTOR,
  dkimKeyPair,
  FROM_DOMAIN,
  mailauthResolver,
  startCampaignZones,
} from './helpers/smtp-campaign.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';
import { facteur } from './helpers/facteur.js';
import { decodedBody, headerOf, OWNER, recordHardBounces, writeSendConfig } from './helpers/sympa-mail.js';

const LIST = 'info@lists.example.org';
const ROBOT = 'sympa@lists.example.org';
const DORMANT = ['b=x@example.net', 'carol@example.com', 'dave@example.org'];

type Result = SympaMailResult & {
  schemaVersion: number;
  results: (SympaMailResult['results'][number] & { inclusion: unknown })[];
};

describe('facteur dormant apply --sympa-mail (built CLI, real SMTP server)', () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;
  let resolver: NetworkResolver;
  let smtp: TestSmtpServer;
  let fixture: ReturnType<typeof writeSendConfig>;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
    resolver = createNetworkResolver({ servers: [zones.address], timeoutMs: 2000, retries: 1 });
  });

  afterAll(async () => {
    await resolver.close();
    await zones.stop();
  });

  afterEach(async () => {
    await smtp.stop();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  async function setUp(addresses: readonly string[] = DORMANT, extra?: Record<string, unknown>): Promise<void> {
    smtp = await startSmtpServer();
    fixture = writeSendConfig({
      port: smtp.port,
      privateKey: keys.privateKey,
      ...(extra === undefined ? {} : { extra }),
    });
    recordHardBounces(fixture.dbFile, LIST, addresses);
  }

  const applyArgs = (...more: string[]) => [
    'dormant',
    'apply',
    '--sympa-mail',
    LIST,
    '--send-config',
    fixture.configFile,
    '--db',
    fixture.dbFile,
    '--resolver',
    zones.address,
    ...more,
  ];
  const apply = (...more: string[]) => facteur(applyArgs(...more));

  it('prints the mail it would send in a dry run, and sends and records nothing', async () => {
    await setUp();
    const text = await apply();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `Dry run: would mail 1 message to ${ROBOT} from ${OWNER} through 127.0.0.1:${smtp.port}`,
    );
    expect(text.stdout).toContain(`MAIL FROM:<${OWNER}>\nRCPT TO:<${ROBOT}>\nDKIM-Signature: v=1; a=rsa-sha256;`);
    expect(text.stdout).toContain(`\n\nQUIET DEL ${LIST} b=3Dx@example.net\nQUIET DEL ${LIST} carol@example.com\n`);
    expect(text.stdout).toContain('Run again with --yes to send them');
    const json = await apply('--json');
    const result = JSON.parse(json.stdout) as Result;
    expect(result).toMatchObject({
      schemaVersion: 1,
      isDryRun: true,
      list: LIST,
      robot: ROBOT,
      from: OWNER,
      stopped: null,
    });
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toMatchObject({ outcome: 'planned', envelope: { from: OWNER, to: ROBOT } });
    expect(result.results.map((item) => [item.address, item.outcome])).toEqual(DORMANT.map((a) => [a, 'planned']));
    expect(smtp.dataCount()).toBe(0);
  });

  it('sends one DKIM-signed mail of QUIET DEL lines from the owner to the robot, then never sends it again unless --force', async () => {
    await setUp();
    const sent = await apply('--yes', '--json');
    expect(sent.code).toBe(0);
    const result = JSON.parse(sent.stdout) as Result;
    expect(result.isDryRun).toBe(false);
    expect(result.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.accepted).toHaveLength(1);
    const mail = smtp.accepted[0];
    if (mail === undefined) throw new Error('no mail received');
    expect(mail.mailFrom).toBe(OWNER);
    expect(mail.rcptTo).toEqual([ROBOT]);
    expect(headerOf(mail.raw, 'From')).toBe(`=?UTF-8?Q?Propri=C3=A9taire_de_la_liste?= <${OWNER}>`);
    expect(headerOf(mail.raw, 'To')).toBe(ROBOT);
    expect(headerOf(mail.raw, 'Subject')).toBe(`facteur: removing 3 members from ${LIST} (1/1)`);
    expect(headerOf(mail.raw, 'Message-ID')).toMatch(
      new RegExp(`^<[0-9a-f]{32}@${FROM_DOMAIN.replace(/\./g, '\\.')}>$`),
    );
    expect(headerOf(mail.raw, 'Message-ID')).toBe(result.messages[0]?.messageId);
    expect(decodedBody(mail.raw)).toBe(
      `${DORMANT.map((address) => `QUIET DEL ${LIST} ${address}`).join('\n')}\nQUIT\n`,
    );
    // Nothing to follow a reader: no tracking header, no link, no HTML.
    expect(mail.raw.toString()).not.toMatch(/^(X-Mailer|List-Unsubscribe|Content-Type: text\/html)/im);
    const auth = await authenticate(mail.raw, {
      ip: '127.0.0.1',
      helo: 'mail.consult.example.org',
      sender: mail.mailFrom,
      mta: 'lists.example.org',
      resolver: mailauthResolver(resolver),
    });
    expect(auth.dkim.results[0]?.status.result).toBe('pass');
    expect(auth.dkim.results[0]?.signingDomain).toBe(FROM_DOMAIN);
    expect(auth.dmarc && auth.dmarc.status.result).toBe('pass');

    const again = await apply('--yes');
    expect(again.code).toBe(0);
    expect(smtp.dataCount()).toBe(1);
    expect(again.stdout).toContain(`  skipped   carol@example.com  mailed ${new Date().getUTCFullYear()}`);
    expect(again.stdout).toContain('3 addresses were mailed before and are not mailed again; --force mails them again');

    const forced = JSON.parse((await apply('--yes', '--force', '--json')).stdout) as Result;
    expect(forced.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.accepted).toHaveLength(2);
    expect(forced.messages[0]?.messageId).not.toBe(result.messages[0]?.messageId);
  });

  it('plans without the SMTP password, and with --yes refuses it unset (exit 2) before recording or sending a mail', async () => {
    smtp = await startSmtpServer();
    const unset = 'FACTEUR_TEST_UNSET_PASSWORD';
    fixture = writeSendConfig({
      port: smtp.port,
      privateKey: keys.privateKey,
      extra: { smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', user: 'owner', passwordEnv: unset } },
    });
    recordHardBounces(fixture.dbFile, LIST, DORMANT);
    const planned = await apply();
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('Run again with --yes to send them');
    const refused = await apply('--yes', '--lang', 'fr');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`« smtp.passwordEnv » désigne la variable « ${unset} », qui n’est pas définie`);
    expect(smtp.dataCount()).toBe(0);
    const after = JSON.parse((await apply('--json')).stdout) as Result;
    expect(after.results.map((item) => item.outcome)).toEqual(DORMANT.map(() => 'planned'));
  });

  it('splits 1,001 commands into a mail of 1,000 and a mail of 1', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `member${String(i).padStart(4, '0')}@example.net`);
    await setUp(many);
    const sent = await apply('--yes', '--json');
    expect(sent.code).toBe(0);
    const result = JSON.parse(sent.stdout) as Result;
    expect(result.messages.map((message) => [message.addresses.length, message.outcome])).toEqual([
      [1000, 'sent'],
      [1, 'sent'],
    ]);
    expect(smtp.accepted.map((mail) => headerOf(mail.raw, 'Subject'))).toEqual([
      `facteur: removing 1000 members from ${LIST} (1/2)`,
      `facteur: removing 1 members from ${LIST} (2/2)`,
    ]);
    const lines = smtp.accepted.flatMap((mail) => decodedBody(mail.raw).trimEnd().split('\n'));
    expect(lines.filter((line) => line.startsWith('QUIET DEL'))).toEqual(many.map((a) => `QUIET DEL ${LIST} ${a}`));
    expect(lines.filter((line) => line === 'QUIT')).toHaveLength(2);
  });

  it('exits 1 when the server refuses the robot as a recipient, and sends the commands on a later run', async () => {
    await setUp();
    smtp.behaviour.onRecipient = () => ({
      code: 550,
      text: '5.1.1 <sympa@lists.example.org>: Recipient address rejected',
    });
    const refused = await apply('--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`stopped: 127.0.0.1:${smtp.port} refused the mail: 550 5.1.1`);
    expect(refused.stdout).toContain('  refused   carol@example.com');
    expect(smtp.accepted).toHaveLength(0);
    smtp.behaviour.onRecipient = undefined;
    const later = JSON.parse((await apply('--yes', '--json')).stdout) as Result;
    expect(later.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.accepted).toHaveLength(1);
  });

  it('exits 2 when the server refuses the session, saying so in French too, and sends the commands on a later run', async () => {
    await setUp();
    smtp.behaviour.onConnect = () => ({ code: 554, text: '5.7.1 No SMTP service here for 127.0.0.1' });
    const fr = await apply('--yes', '--lang', 'fr');
    expect(fr.code).toBe(2);
    expect(fr.stderr).toContain(
      'facteur : arrêt : Le serveur a refusé d’ouvrir une session : 554 5.7.1 No SMTP service here for 127.0.0.1 ; vérifiez',
    );
    expect(fr.stdout).toContain('Le serveur a refusé d’ouvrir une session');
    expect(`${fr.stdout}${fr.stderr}`).not.toContain('The server refused');
    const en = await apply('--yes');
    expect(en.code).toBe(2);
    expect(en.stderr).toContain('facteur: stopped: The server refused to open a session: 554 5.7.1');
    expect(smtp.accepted).toHaveLength(0);
    smtp.behaviour.onConnect = undefined;
    const later = JSON.parse((await apply('--yes', '--json')).stdout) as Result;
    expect(later.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  it('exits 3 when the server cannot be reached, naming it, and sends on a later run', async () => {
    await setUp();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const down = writeSendConfig({ port, privateKey: keys.privateKey });
    try {
      const result = await facteur([
        'dormant',
        'apply',
        '--sympa-mail',
        LIST,
        '--send-config',
        down.configFile,
        '--db',
        fixture.dbFile,
        '--resolver',
        zones.address,
        '--yes',
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`stopped: cannot reach 127.0.0.1:${port}: ECONNECTION`);
      expect(result.stdout).toContain('  deferred  carol@example.com');
    } finally {
      rmSync(down.dir, { recursive: true, force: true });
    }
    const later = JSON.parse((await apply('--yes', '--json')).stdout) as Result;
    expect(later.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  it('exits 3 when the connection is lost after the mail, and resends it only with --force, under the same Message-ID', async () => {
    await setUp();
    smtp.behaviour.onMessage = () => 'drop';
    const lostRun = await apply('--yes', '--json');
    expect(lostRun.code).toBe(3);
    expect(lostRun.stderr).toContain('the server may have the mail: --force sends it again under the same Message-ID');
    const lost = JSON.parse(lostRun.stdout) as Result;
    expect(lost.messages[0]?.outcome).toBe('uncertain');
    expect(lost.stopped?.reason).toBe('uncertain');
    smtp.behaviour.onMessage = undefined;
    const rerun = await apply('--yes');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('(no reply of the server was recorded)');
    expect(smtp.accepted).toHaveLength(0);
    const forced = JSON.parse((await apply('--yes', '--force', '--json')).stdout) as Result;
    expect(forced.messages[0]?.outcome).toBe('sent');
    expect(headerOf(smtp.accepted[0]?.raw ?? Buffer.alloc(0), 'Message-ID')).toBe(lost.messages[0]?.messageId);
  });

  it('after kill -9 during the SMTP transaction, reads the mail as uncertain and sends it again only with --force', async () => {
    await setUp();
    // The server reads the whole mail, then waits before its reply: the run is killed in between.
    smtp.behaviour.delayMs = 3000;
    const killed = await facteur(applyArgs('--yes'), (child) => {
      const timer = setInterval(() => {
        if (smtp.dataCount() === 0) return;
        clearInterval(timer);
        child.kill('SIGKILL');
      }, 10);
    });
    expect(killed.signal).toBe('SIGKILL');
    smtp.behaviour.delayMs = 0;
    const rerun = await apply('--yes', '--json');
    expect(rerun.code).toBe(0);
    const skipped = JSON.parse(rerun.stdout) as Result;
    expect(skipped.messages).toEqual([]);
    expect(skipped.results.map((item) => [item.outcome, item.previous?.state])).toEqual(
      DORMANT.map(() => ['skipped', 'uncertain']),
    );
    const forced = JSON.parse((await apply('--yes', '--force', '--json')).stdout) as Result;
    expect(forced.messages.map((message) => [message.messageId, message.outcome])).toEqual([
      [skipped.results[0]?.previous?.messageId, 'sent'],
    ]);
  });

  it('on Ctrl-C, finishes and records the mail in flight, sends no other, exits 130; the next run sends the rest', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `member${String(i).padStart(4, '0')}@example.net`);
    await setUp(many);
    smtp.behaviour.delayMs = 1000;
    const interrupted = await facteur(applyArgs('--yes', '--json'), (child) => {
      const timer = setInterval(() => {
        if (smtp.dataCount() === 0) return;
        clearInterval(timer);
        child.kill('SIGINT');
      }, 10);
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('facteur: interrupted: the mails not sent go with the next run');
    const first = JSON.parse(interrupted.stdout) as Result;
    expect(first.messages.map((message) => [message.addresses.length, message.outcome])).toEqual([
      [1000, 'sent'],
      [1, 'unsent'],
    ]);
    expect(smtp.accepted).toHaveLength(1);
    smtp.behaviour.delayMs = 0;
    const rest = JSON.parse((await apply('--yes', '--json')).stdout) as Result;
    expect(rest.messages.map((message) => [message.addresses, message.outcome])).toEqual([
      [['member1000@example.net'], 'sent'],
    ]);
    expect(smtp.accepted).toHaveLength(2);
  });

  it('never mails an address Sympa would read as another, nor one that would add a line', async () => {
    await setUp([
      'bob@example.net!x',
      'eve@example.org\r\nQUIET DEL other@lists.example.org x@example.com',
      'carol@example.com',
    ]);
    const result = await apply('--yes', '--json');
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as Result;
    expect(parsed.results.map((item) => item.outcome).sort()).toEqual(['invalid', 'invalid', 'sent']);
    expect(decodedBody(smtp.accepted[0]?.raw ?? Buffer.alloc(0))).toBe(`QUIET DEL ${LIST} carol@example.com\nQUIT\n`);
  });

  it.each([
    [['--sympa-mail', LIST], 'Cannot mail Sympa without --send-config FILE'],
    [['--sympa-mail', 'info', '--send-config', 'x.json'], 'give --sympa-mail as list@domain'],
    [['--sympa', LIST, '--sympa-mail', LIST], 'give either --sympa LIST'],
    [['--sympa', LIST, '--robot', ROBOT], 'Cannot use --robot with --sympa'],
    [['--sympa-mail', LIST, '--send-config', 'x.json', '--robot', 'sympa'], 'Cannot mail Sympa\'s robot at "sympa"'],
  ])('refuses %j with exit 2', async (args, message) => {
    await setUp();
    const result = await facteur([
      'dormant',
      'apply',
      '--db',
      fixture.dbFile,
      ...args.map((arg) => (arg === 'x.json' ? fixture.configFile : arg)),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(smtp.dataCount()).toBe(0);
  });

  it('checks DNS first: a DKIM key not the one published is refused with --yes unless --skip-preflight', async () => {
    await setUp();
    writeFileSync(join(fixture.dir, 'dkim.key'), dkimKeyPair().privateKey, { mode: 0o600 });
    const dry = await apply();
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      `facteur: preflight ERROR dkim.key_mismatch: The DKIM key published at "${DKIM_SELECTOR}._domainkey.${FROM_DOMAIN}" does not match`,
    );
    expect(dry.stderr).toContain('facteur: preflight WARNING spf.sending_ip_not_configured');
    const refused = await apply('--yes', '--json');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`facteur: nothing mailed: the DNS of ${OWNER} would make the mail fail`);
    const report = JSON.parse(refused.stdout) as { refused: boolean; preflight: { findings: { id: string }[] } };
    expect(report.refused).toBe(true);
    expect(report.preflight.findings.map((finding) => finding.id)).toEqual([
      'spf.sending_ip_not_configured',
      'dkim.key_mismatch',
    ]);
    expect(smtp.dataCount()).toBe(0);
    const forced = JSON.parse((await apply('--yes', '--json', '--skip-preflight')).stdout) as Result;
    expect(forced.results.map((item) => item.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.dataCount()).toBe(1);
  });

  it('checks SPF for the configured sending IPs, and mails anyway when DNS cannot answer', async () => {
    await setUp(DORMANT, { smtp: { host: '127.0.0.1', port: 0, security: 'none', sendingIps: ['192.0.2.7'] } });
    const config = JSON.parse(readFileSync(fixture.configFile, 'utf8')) as { smtp: { port: number } };
    config.smtp.port = smtp.port;
    writeFileSync(fixture.configFile, JSON.stringify(config));
    const refused = await apply('--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('preflight ERROR spf.sending_ip_not_authorized');
    // A resolver that never answers: the checks are unknown, never failed, and the mail goes.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const port = silent.address().port;
      const result = await facteur([
        ...applyArgs('--yes').filter((arg) => arg !== zones.address && arg !== '--resolver'),
        '--resolver',
        `127.0.0.1:${port}`,
        '--timeout',
        '200',
        '--retries',
        '0',
      ]);
      expect(result.stderr).toContain('preflight UNKNOWN dns.unknown');
      expect(result.stderr).not.toContain('nothing mailed');
      expect(result.code).toBe(0);
      expect(smtp.dataCount()).toBe(1);
    } finally {
      silent.close();
    }
  });

  it('refuses a send config whose DKIM domain is not aligned with From, with exit 2', async () => {
    await setUp(DORMANT, { dkim: { domain: 'example.net', selector: 'mail', privateKeyFile: 'dkim.key' } });
    const result = await apply('--yes');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"dkim.domain" is "example.net", which is not aligned with the From domain');
    expect(smtp.dataCount()).toBe(0);
  });
});
