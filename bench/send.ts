/**
 * Campaign sending speed and memory: N personalised, DKIM-signed messages of about 5 KB go through the real engine
 * (enqueue, intent and outcome commits, nodemailer pool) to Postfix's smtp-sink on 127.0.0.1, next to the rate of
 * Postfix's own smtp-source against the same sink in the same run (the practical ceiling on this machine).
 * Prints messages/s for both and the peak RSS of the facteur run.
 * Run: npm run build && node dist/bench/send.js [--count 20000] [--sessions 4] [--size 5120] [--keep]
 */
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { loadCampaignConfig } from '../src/send/campaign-config.js';
import { sendCampaign } from '../src/send/send-campaign.js';
import { openDatabase } from '../src/store/database.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    sessions: { type: 'string', default: '4' },
    size: { type: 'string', default: '5120' },
    keep: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const SESSIONS = Number(values.sessions);
const SIZE = Number(values.size);
/** Recipient domains: enough that the per-domain rate (set out of the way here) is not what is measured. */
const DOMAINS = 200;
const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.on('listening', () => {
        socket.close(() => {
          resolve(false);
        });
      });
      socket.on('error', () => {
        resolve(true);
      });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`smtp-sink did not listen on port ${port}`);
}

const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-send-'));
const port = await freePort();
// smtp-sink: backlog 1024; -u nobody because it refuses to keep root privileges.
const sink = spawn(SMTP_SINK, ['-u', 'nobody', `127.0.0.1:${port}`, '1024'], { stdio: 'ignore' });
try {
  await waitForPort(port);

  // The ceiling: Postfix's own load generator, same sessions, same message size, same sink.
  const sourceStart = process.hrtime.bigint();
  await promisify(execFile)(SMTP_SOURCE, [
    '-s',
    String(SESSIONS),
    '-m',
    String(COUNT),
    '-l',
    String(SIZE),
    '-f',
    'bench@consult.example.org',
    '-t',
    'person@example.net',
    `127.0.0.1:${port}`,
  ]);
  const sourceSeconds = Number(process.hrtime.bigint() - sourceStart) / 1e9;

  // facteur: a campaign of COUNT recipients with a ~SIZE-byte personalised text body, DKIM-signed (RSA 2048).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'dkim.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  chmodSync(join(dir, 'dkim.key'), 0o600);
  const paragraph =
    'La ville ouvre une consultation publique sur le plan vélo. Votre avis compte : répondez avant la fin du mois, ' +
    'en ligne ou en mairie. ';
  const body = `Bonjour {{firstname}} {{lastname}},\n\n${paragraph
    .repeat(Math.ceil(SIZE / paragraph.length))
    .slice(0, SIZE - 200)
    .replace(/(.{72}) /g, '$1\n')}\n\nVotre code de participation : {{token}}\n`;
  writeFileSync(join(dir, 'body.txt'), body);
  // Written in chunks: the bench's own setup must not inflate the peak RSS it reports for facteur.
  const csv = openSync(join(dir, 'recipients.csv'), 'w');
  writeSync(csv, 'email,firstname,lastname,token\n');
  for (let from = 1; from <= COUNT; from += 1000) {
    let chunk = '';
    for (let i = from; i < Math.min(from + 1000, COUNT + 1); i++)
      chunk += `person${i}@d${i % DOMAINS}.example.net,Prénom${i},Nom${i},tok${i}\n`;
    writeSync(csv, chunk);
  }
  closeSync(csv);
  writeFileSync(
    join(dir, 'campaign.json'),
    JSON.stringify({
      smtp: {
        host: '127.0.0.1',
        port,
        security: 'none',
        pool: SESSIONS,
        ratePerSecond: 10_000,
        perDomainRatePerMinute: 1_000_000,
      },
      from: 'Ville de Test <info@consult.example.org>',
      subject: 'Consultation vélo, {{firstname}}',
      text: 'body.txt',
      recipients: 'recipients.csv',
      returnPathDomain: 'consult.example.org',
      dkim: { domain: 'consult.example.org', selector: 'bench', privateKeyFile: 'dkim.key' },
      listUnsubscribe: { url: 'https://consult.example.org/unsubscribe?t={{token}}' },
    }),
  );
  const config = loadCampaignConfig(join(dir, 'campaign.json'), {});
  const db = openDatabase(join(dir, 'facteur.sqlite'));
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const start = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const report = await sendCampaign({ config, db });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // Every thread of the process (the event loop and node:crypto's thread pool), enqueue included.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / Math.max(1, report.run.sent);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  db.close();

  const sourceRate = COUNT / sourceSeconds;
  const rate = report.run.sent / seconds;
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  process.stdout.write(
    [
      `send bench: ${COUNT} recipients, ~${SIZE} B messages, ${SESSIONS} sessions, DKIM RSA-2048, smtp-sink on 127.0.0.1`,
      `  smtp-source:  ${sourceRate.toFixed(0)} messages/s (${sourceSeconds.toFixed(1)} s)`,
      `  facteur send: ${rate.toFixed(0)} messages/s (${seconds.toFixed(1)} s incl. enqueue; ${report.run.sent} sent, ${report.run.failed} failed, ${report.run.deferred} deferred)`,
      `  ratio:        ${((100 * rate) / sourceRate).toFixed(0)}% of smtp-source (goal: at least 50%)`,
      `  CPU:          ${cpuMsPerMessage.toFixed(2)} ms per message (user + system, all threads)`,
      `  peak RSS:     ${mb(peakRss)} MB (before the run: ${mb(rssBefore)} MB; goal at 80,000: under 200 MB)`,
      '',
    ].join('\n'),
  );
  if (report.run.sent !== COUNT) process.exitCode = 1;
} finally {
  sink.kill();
  if (values.keep) process.stdout.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
