import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import type { CampaignStatus } from '../../src/send/campaign-status.js';
import type { PreflightReport } from '../../src/send/preflight.js';
import type { SendReport } from '../../src/send/send-campaign.js';
import {
  startCampaignZones,
  dkimKeyPair,
  FROM_DOMAIN,
  people,
  writeCampaign,
  type CampaignFixture,
} from './helpers/smtp-campaign.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';
import { makeCertificate } from './helpers/certificate.js';
import { facteur } from './helpers/facteur.js';

/** Resolves once `condition` holds, checking every 10 ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** What `send status --json` says of a campaign. */
async function campaignStatusOf(configFile: string): Promise<CampaignStatus> {
  return JSON.parse((await facteur(['send', 'status', configFile, '--json'])).stdout) as CampaignStatus;
}

function receivedCounts(smtp: TestSmtpServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of smtp.accepted) for (const rcpt of message.rcptTo) counts.set(rcpt, (counts.get(rcpt) ?? 0) + 1);
  return counts;
}

describe('facteur send (built CLI)', () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;
  let smtp: TestSmtpServer;
  let fixture: CampaignFixture;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
  });

  afterAll(async () => {
    await zones.stop();
  });

  afterEach(async () => {
    await smtp.stop();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  async function setUp(n: number, privateKey = keys.privateKey): Promise<void> {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(n), privateKey });
  }

  it('preflight passes a well-configured campaign and prints JSON only on stdout', async () => {
    await setUp(3);
    const result = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address, '--json']);
    const report = JSON.parse(result.stdout) as PreflightReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.recipients).toEqual({ checked: 3, distinct: 3, skipped: 0, renderErrors: 0 });
    expect(result.code).toBe(0);
  });

  it('run refuses a campaign whose DKIM key does not match DNS, and sends nothing', async () => {
    await setUp(3, dkimKeyPair().privateKey);
    const result = await facteur(['send', 'run', fixture.configFile, '--resolver', zones.address, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as PreflightReport & { refused: boolean };
    expect(report.refused).toBe(true);
    expect(report.findings.map((f) => f.id)).toEqual(['dkim.key_mismatch']);
    expect(smtp.dataCount()).toBe(0);
  });

  it('preflight reports a DNS server that never answers as unknown, never as a missing record', async () => {
    await setUp(1);
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const address = `127.0.0.1:${silent.address().port}`;
      const result = await facteur([
        'send',
        'preflight',
        fixture.configFile,
        '--resolver',
        address,
        '--timeout',
        '200',
        '--retries',
        '0',
        '--json',
      ]);
      const report = JSON.parse(result.stdout) as PreflightReport;
      expect(report.findings.length).toBeGreaterThan(0);
      expect(report.findings.every((f) => f.severity === 'unknown' && f.id === 'dns.unknown')).toBe(true);
      expect(result.code).toBe(3);
    } finally {
      silent.close();
    }
  });

  it('after kill -9 mid-run, a rerun delivers every recipient exactly once except the uncertain ones, which --retry-uncertain sends', async () => {
    const n = 60;
    await setUp(n);
    smtp.behaviour.delayMs = 40;
    const killed = await facteur(
      ['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address],
      (child) => {
        void until(() => smtp.dataCount() >= 15).then(() => child.kill('SIGKILL'));
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    // The server still answers what it was reading when the client died: wait for its delayed replies.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const afterKill = smtp.accepted.length;
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(n);

    smtp.behaviour.delayMs = 0;
    const resumed = await facteur([
      'send',
      'run',
      fixture.configFile,
      '--force',
      '--json',
      '--resolver',
      zones.address,
    ]);
    const report = JSON.parse(resumed.stdout) as SendReport;
    expect(report.foundUncertain).toBeGreaterThan(0);
    const status = await campaignStatusOf(fixture.configFile);
    const uncertain = new Set(status.uncertain.map((m) => m.email));
    expect(uncertain.size).toBe(report.foundUncertain);
    expect(resumed.code).toBe(3);
    expect(status.counts).toMatchObject({ sent: n - uncertain.size, uncertain: uncertain.size, pending: 0 });

    const counts = receivedCounts(smtp);
    const everyone = people(n).map((p) => p.email);
    const certain = everyone.filter((email) => !uncertain.has(email));
    expect(certain.map((email) => counts.get(email))).toEqual(certain.map(() => 1));
    expect([...uncertain].every((email) => (counts.get(email) ?? 0) <= 1)).toBe(true);

    const retried = await facteur([
      'send',
      'run',
      fixture.configFile,
      '--force',
      '--retry-uncertain',
      '--json',
      '--resolver',
      zones.address,
    ]);
    expect(retried.code).toBe(0);
    expect((JSON.parse(retried.stdout) as SendReport).run.sent).toBe(uncertain.size);
    const final = receivedCounts(smtp);
    expect(certain.map((email) => final.get(email))).toEqual(certain.map(() => 1));
    expect([...uncertain].map((email) => [1, 2].includes(final.get(email) ?? 0))).toEqual(
      [...uncertain].map(() => true),
    );
  });

  it('status shows a run sending now (pid, messages in flight, pace), then the same run killed as interrupted', async () => {
    const n = 40;
    await setUp(n);
    let during: CampaignStatus | undefined;
    let duringText = '';
    let pid: number | undefined;
    const killed = await facteur(
      ['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address],
      (child) => {
        pid = child.pid;
        void (async () => {
          try {
            await until(() => smtp.dataCount() >= 10);
            // The server holds its replies from now on: the messages on the wire stay in flight while status looks.
            smtp.behaviour.delayMs = 10_000;
            const held = smtp.dataCount();
            await until(() => smtp.dataCount() >= held + 2);
            during = await campaignStatusOf(fixture.configFile);
            duringText = (await facteur(['send', 'status', fixture.configFile])).stdout;
          } finally {
            child.kill('SIGKILL');
          }
        })();
      },
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(during).toMatchObject({
      activity: 'running',
      lastRun: { pid, finishedAt: null, isAlive: true },
      resumeCommand: null,
    });
    expect(during?.inFlight).toBeGreaterThanOrEqual(1);
    expect(during?.inFlight).toBe(during?.counts.sending);
    expect(during?.left).toBe(n - (during?.counts.sent ?? 0));
    expect(during?.pace?.accepted).toBeGreaterThanOrEqual(2);
    expect(during?.pace?.ratePerSecond).toBeGreaterThan(0);
    expect(duringText).toContain(`Sending now: pid ${pid} on "`);

    const after = await campaignStatusOf(fixture.configFile);
    expect(after).toMatchObject({
      activity: 'interrupted',
      lastRun: { pid, finishedAt: null, isAlive: false },
      inFlight: 0,
      pace: null,
      resumeCommand: `facteur send run ${fixture.configFile}`,
    });
    expect(after.counts.sending).toBeGreaterThanOrEqual(1);
    const text = (await facteur(['send', 'status', fixture.configFile])).stdout;
    expect(text).toContain(`(pid ${pid} on "`);
    expect(text).toContain(
      `died before it ended; ${after.left} left: run "facteur send run ${fixture.configFile}" to resume`,
    );
    expect(text).toMatch(/messages? (was|were) in flight when it died: the next run marks (it|them) uncertain/);
    expect(text).not.toContain('Sending now');

    smtp.behaviour.delayMs = 0;
    const resumed = await facteur([
      'send',
      'run',
      fixture.configFile,
      '--force',
      '--json',
      '--resolver',
      zones.address,
    ]);
    expect(resumed.code).toBe(3);
    const finished = await campaignStatusOf(fixture.configFile);
    expect(finished).toMatchObject({ activity: 'finished', left: 0, inFlight: 0, resumeCommand: null });
    expect(finished.lastRun?.pid).not.toBe(pid);
    expect(finished.lastRun?.finishedAt).not.toBeNull();
  });

  it.each([
    [
      'en',
      /^facteur: 3 messages wait for a retry within this run after the server answered "451 4\.7\.1 Greylisted, try again later": next attempt at \d\d:\d\d:\d\d UTC \(in \d+ s\)$/,
    ],
    [
      'fr',
      /^facteur : 3 messages attendent une nouvelle tentative dans ce passage après la réponse du serveur « 451 4\.7\.1 Greylisted, try again later » : prochain essai à \d\d:\d\d:\d\d UTC \(dans \d+ s\)$/,
    ],
  ] as const)(
    'run off a terminal says on stderr (--lang %s) that its messages wait for a retry, with the 4xx answer and until when',
    async (lang, expected) => {
      await setUp(3);
      smtp.behaviour.onMessage = () => ({ code: 451, text: '4.7.1 Greylisted, try again later' });
      // The retry is 30 s away: the run is stopped as soon as it has said so.
      const run = await facteur(
        ['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address, '--lang', lang],
        (child) => {
          let stderr = '';
          child.stderr?.on('data', (chunk: Buffer | string) => {
            stderr += chunk.toString();
            if (/(wait for a retry|attendent une nouvelle tentative)/.test(stderr)) child.kill('SIGTERM');
          });
        },
      );
      expect(run.code).toBe(130);
      expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, interrupted: true });
      expect(run.stderr.split('\n')).toContainEqual(expect.stringMatching(expected));
    },
  );

  // SIGTERM is how systemd stops a unit: it stops the run the same way as Ctrl-C.
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops cleanly on %s with exit 130, leaving nothing in flight, and resumes without doubles',
    async (signal) => {
      const n = 40;
      await setUp(n);
      smtp.behaviour.delayMs = 40;
      const interrupted = await facteur(
        ['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address],
        (child) => {
          void until(() => smtp.dataCount() >= 10).then(() => child.kill(signal));
        },
      );
      expect(interrupted.code).toBe(130);
      const report = JSON.parse(interrupted.stdout) as SendReport;
      expect(report.interrupted).toBe(true);
      expect(report.counts.sending).toBe(0);
      expect(report.counts.uncertain).toBe(0);
      smtp.behaviour.delayMs = 0;
      const resumed = await facteur([
        'send',
        'run',
        fixture.configFile,
        '--force',
        '--json',
        '--resolver',
        zones.address,
      ]);
      expect(resumed.code).toBe(0);
      const counts = receivedCounts(smtp);
      expect(people(n).map((p) => counts.get(p.email))).toEqual(Array.from({ length: n }, () => 1));
    },
  );

  it('preflight refuses a config with misspelt keys (exit 2), naming each with the nearest known key, in English and French', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({
      port: smtp.port,
      rows: people(1),
      config: { retunPathDomain: FROM_DOMAIN },
      smtp: { ratePerSecnd: 10 },
    });
    const en = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address, '--json']);
    expect(en.code).toBe(2);
    expect(en.stdout).toBe('');
    expect(en.stderr).toContain(`Cannot use campaign config "${fixture.configFile}"`);
    expect(en.stderr).toContain('"smtp.ratePerSecnd" is not a known setting (did you mean "ratePerSecond"?)');
    expect(en.stderr).toContain('"retunPathDomain" is not a known setting (did you mean "returnPathDomain"?)');
    const fr = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address, '--lang', 'fr']);
    expect(fr.code).toBe(2);
    expect(fr.stderr).toContain(
      '« smtp.ratePerSecnd » n’est pas un réglage connu (vouliez-vous dire « ratePerSecond » ?)',
    );
    expect(fr.stderr).toContain(
      '« retunPathDomain » n’est pas un réglage connu (vouliez-vous dire « returnPathDomain » ?)',
    );
    expect(smtp.dataCount()).toBe(0);
    // Nothing was queued: status says so rather than start a database.
    const status = await facteur(['send', 'status', fixture.configFile]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('no such file; the campaign has not been queued yet');
  });

  it('exits 1 when a recipient is permanently rejected, and status lists it', async () => {
    await setUp(3);
    smtp.behaviour.onMessage = (message) =>
      message.rcptTo[0] === 'person3@example.net' ? { code: 550, text: '5.1.1 No such user' } : undefined;
    const result = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('person3@example.net');
    const status = await campaignStatusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ sent: 2, failed: 1 });
    expect(status.failed[0]).toMatchObject({ email: 'person3@example.net', replyCode: 550 });
  });

  it('bounces fetch ties the bounces of a sent campaign in its database, and warns when fetched into another', async () => {
    await setUp(2);
    const sent = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
    expect(sent.code).toBe(0);
    // The remote MTA's report of each message, to the VERP address the message went out with (RFC 3464).
    const mbox = smtp.accepted
      .map((message, i) =>
        [
          `From MAILER-DAEMON Sun Dec  6 09:00:0${i} 2026`,
          `To: ${message.mailFrom}`,
          'From: MAILER-DAEMON@mx.example.net',
          'Subject: Undelivered Mail Returned to Sender',
          'MIME-Version: 1.0',
          `Content-Type: multipart/report; report-type=delivery-status; boundary="b${i}"`,
          '',
          `--b${i}`,
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.net',
          '',
          `Final-Recipient: rfc822; ${message.rcptTo[0] ?? ''}`,
          'Action: failed',
          'Status: 5.1.1',
          'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
          '',
          `--b${i}--`,
          // An empty line ends each message of an mbox: without it, the last one counts as still being written.
          '',
          '',
        ].join('\n'),
      )
      .join('');
    const mboxFile = join(fixture.dir, 'bounces.mbox');
    writeFileSync(mboxFile, mbox);
    type Fetched = { sources: { untiedVerp: number }[]; summary: { byCampaign: { campaign: string }[] } };

    const elsewhere = await facteur([
      'bounces',
      'fetch',
      '--mbox',
      mboxFile,
      '--db',
      join(fixture.dir, 'other.sqlite'),
    ]);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).toContain(
      `2 bounces went to facteur's VERP addresses (bounces+…) of a campaign that "${join(fixture.dir, 'other.sqlite')}" does not hold`,
    );

    const fetched = await facteur(['bounces', 'fetch', '--mbox', mboxFile, '--db', fixture.dbFile, '--json']);
    expect(fetched.code).toBe(0);
    expect(fetched.stderr).toBe('');
    const report = JSON.parse(fetched.stdout) as Fetched;
    expect(report.sources[0]?.untiedVerp).toBe(0);
    expect(report.summary.byCampaign).toEqual([expect.objectContaining({ campaign: 'campaign', events: 2 })]);
  });

  it('preflight and --dry-run run without the SMTP password; run and --test-to refuse it unset, in French too, before sending', async () => {
    smtp = await startSmtpServer();
    const unset = 'FACTEUR_TEST_UNSET_PASSWORD';
    fixture = writeCampaign({ port: smtp.port, rows: people(3), smtp: { user: 'mairie', passwordEnv: unset } });
    const preflight = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address]);
    expect(preflight.stderr).toBe('');
    expect(preflight.code).toBe(0);
    const args = ['send', 'run', fixture.configFile, '--force', '--resolver', zones.address];
    const dryRun = await facteur([...args, '--dry-run', '--json']);
    expect(dryRun.code).toBe(0);
    expect((JSON.parse(dryRun.stdout) as SendReport).run.rendered).toBe(3);
    const run = await facteur(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`"smtp.passwordEnv" names the variable "${unset}", which is not set`);
    const fr = await facteur([...args, '--test-to', 'me@example.org', '--lang', 'fr']);
    expect(fr.code).toBe(2);
    expect(fr.stderr).toContain(
      `Impossible d’utiliser la configuration de campagne « ${fixture.configFile} » : « smtp.passwordEnv » désigne la variable « ${unset} », qui n’est pas définie`,
    );
    expect(smtp.dataCount()).toBe(0);
    const status = await campaignStatusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ pending: 3, sending: 0, failed: 0, sent: 0, uncertain: 0 });
    expect(status.lastRun).toBeNull();
  });

  it('stops with exit 2 when the server refuses the session at its greeting, failing no recipient', async () => {
    await setUp(4);
    smtp.behaviour.onConnect = () => ({ code: 554, text: '5.7.1 No SMTP service here for 127.0.0.1' });
    const result = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The server refused to open a session: 554 5.7.1 No SMTP service here');
    const status = await campaignStatusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ failed: 0, sent: 0 });
    expect(status.counts.pending + status.counts.deferred).toBe(4);
    smtp.behaviour.onConnect = undefined;
    const resumed = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
    expect(resumed.code).toBe(0);
    expect(receivedCounts(smtp)).toEqual(new Map(people(4).map((p) => [p.email, 1])));
  });

  it('stops with exit 2, in French too, when "starttls" is asked of a server that does not offer it', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(3), smtp: { security: 'starttls' } });
    const args = ['send', 'run', fixture.configFile, '--force', '--resolver', zones.address];
    const result = await facteur(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The server does not offer STARTTLS');
    const fr = await facteur([...args, '--lang', 'fr']);
    expect(fr.code).toBe(2);
    expect(fr.stderr).toContain('Le serveur ne propose pas STARTTLS');
    const status = await campaignStatusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ failed: 0, sent: 0 });
    expect(smtp.dataCount()).toBe(0);
  });

  it('stops with exit 2 on a self-signed certificate, verified by default, saying how to trust it', async () => {
    const certificateDir = mkdtempSync(join(tmpdir(), 'facteur-send-cli-tls-'));
    try {
      smtp = await startSmtpServer({}, makeCertificate(certificateDir, '127.0.0.1', ['IP:127.0.0.1']));
      fixture = writeCampaign({ port: smtp.port, rows: people(3), smtp: { security: 'starttls' } });
      const result = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Cannot verify the server's TLS certificate (self-signed certificate)");
      expect(result.stderr).toContain('NODE_EXTRA_CA_CERTS');
      expect(result.stderr).toContain('setting "smtp.tlsRejectUnauthorized" to false turns the check off');
      expect(smtp.dataCount()).toBe(0);
      const status = await campaignStatusOf(fixture.configFile);
      expect(status.counts).toMatchObject({ failed: 0, sent: 0 });
    } finally {
      rmSync(certificateDir, { recursive: true, force: true });
    }
  });

  it('--test-to stops with exit 2 on a self-signed certificate, in French too, as a campaign run does', async () => {
    const certificateDir = mkdtempSync(join(tmpdir(), 'facteur-send-cli-tls-'));
    try {
      smtp = await startSmtpServer({}, makeCertificate(certificateDir, '127.0.0.1', ['IP:127.0.0.1']));
      fixture = writeCampaign({ port: smtp.port, rows: people(3), smtp: { security: 'starttls' } });
      const args = ['send', 'run', fixture.configFile, '--force', '--resolver', zones.address];
      const result = await facteur([...args, '--test-to', 'me@example.org', '--lang', 'fr']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Impossible de vérifier le certificat TLS du serveur (self-signed certificate)');
      expect(result.stderr).not.toContain('Cannot verify');
      expect(smtp.dataCount()).toBe(0);
      const status = await campaignStatusOf(fixture.configFile);
      expect(status.counts).toMatchObject({ pending: 3, failed: 0, sent: 0 });
    } finally {
      rmSync(certificateDir, { recursive: true, force: true });
    }
  });

  it('refuses a recipients file with only its header (exit 2), and sends the list once it is filled in', async () => {
    await setUp(2);
    const list = join(fixture.dir, 'recipients.csv');
    writeFileSync(list, 'email,firstname,token\n');
    const args = ['send', 'run', fixture.configFile, '--force', '--resolver', zones.address];
    const empty = await facteur(args);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('it has a header but no recipient line');
    writeFileSync(list, 'email,firstname,token\nperson1@example.net,Prénom1,t1\nperson2@example.com,Prénom2,t2\n');
    const filled = await facteur(args);
    expect(filled.code).toBe(0);
    expect(receivedCounts(smtp)).toEqual(new Map(people(2).map((p) => [p.email, 1])));
  });

  it('sends to a list with French column names, its templates naming them in English or as the header writes them', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({
      port: smtp.port,
      privateKey: keys.privateKey,
      rows: [
        { Nom: 'Martin', Prénom: 'Camille', 'Adresse e-mail': 'camille.martin@example.net', token: 't1' },
        { Nom: 'Benali', Prénom: 'Yanis', 'Adresse e-mail': 'Yanis.Benali@Example.COM', token: 't2' },
      ],
    });
    writeFileSync(
      join(fixture.dir, 'templates', 'body.txt'),
      'Bonjour {{firstname}} {{lastname}} ({{Prénom}} {{Nom}}),\n',
    );
    const preflight = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address, '--json']);
    expect(preflight.code).toBe(0);
    const report = JSON.parse(preflight.stdout) as PreflightReport;
    expect(report.findings).toEqual([]);
    expect(report.recipients).toEqual({ checked: 2, distinct: 2, skipped: 0, renderErrors: 0 });
    const run = await facteur(['send', 'run', fixture.configFile, '--resolver', zones.address]);
    expect(run.code).toBe(0);
    expect(smtp.accepted.map((message) => message.rcptTo)).toEqual(
      expect.arrayContaining([['camille.martin@example.net'], ['Yanis.Benali@example.com']]),
    );
    const bodies = smtp.accepted.map((message) => message.raw.toString('utf8'));
    expect(bodies.some((body) => body.includes('Bonjour Camille Martin (Camille Martin),'))).toBe(true);
    expect(bodies.some((body) => body.includes('Bonjour Yanis Benali (Yanis Benali),'))).toBe(true);
  });

  it('refuses a list naming the address column twice (exit 2), naming both columns and the header line', async () => {
    await setUp(1);
    const list = join(fixture.dir, 'recipients.csv');
    writeFileSync(list, 'email;Prénom;Courriel\nperson1@example.net;Camille;camille@example.net\n');
    const result = await facteur(['send', 'preflight', fixture.configFile, '--resolver', zones.address]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `facteur: Cannot read recipients file "${list}": the header names the column "email" twice, as "email" and as "Courriel"; keep one of them (${list}:1)\n`,
    );
  });

  it('stops with exit 2 when "tls" is set for a server that greets in plain text, pointing to "starttls"', async () => {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(3), smtp: { security: 'tls' } });
    const result = await facteur(['send', 'run', fixture.configFile, '--force', '--resolver', zones.address]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The server does not speak TLS from the start');
    const status = await campaignStatusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ failed: 0, sent: 0 });
  });
});
