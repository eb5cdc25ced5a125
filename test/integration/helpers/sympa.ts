import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Debian's `sympa` package, installed by .ci/run: its absence is a setup error, never a skip. */
export const SYMPA = ['/usr/bin/sympa', '/usr/sbin/sympa'].find((path) => existsSync(path)) ?? 'sympa';
const SYMPA_CONF = '/etc/sympa/sympa/sympa.conf';
const LIBEXEC = '/usr/lib/sympa/bin';
/** Sympa's spools, where Debian's package puts them (sympa.conf's queue, queuesubscribe and queue_bulk defaults). */
const INCOMING = '/var/spool/sympa/msg';
const HELD_REQUESTS = '/var/spool/sympa/subscribe';
const BULK = '/var/spool/sympa/bulk';
/** How long sympa_msg.pl may take over the mails of one test: it starts in a few seconds and polls every 5. */
const SYMPA_MSG_WAIT_MS = 45_000;

/** How long to wait for bounced.pl to record the bounces: it polls its spool every few seconds. */
const BOUNCED_WAIT_MS = 30_000;

function setting(conf: string, key: string): string {
  const value = new RegExp(`^\\s*${key}\\s+(.+?)\\s*$`, 'm').exec(conf)?.[1];
  if (value === undefined) throw new Error(`${SYMPA_CONF} has no "${key}": is Sympa configured as .ci/run does?`);
  return value;
}

/** The installed Sympa: its domain and SQLite database, read from sympa.conf; fails loudly when missing. */
export function installedSympa(): { domain: string; dbFile: string } {
  if (!existsSync(SYMPA_CONF) || !existsSync(`${LIBEXEC}/bounced.pl`)) {
    throw new Error(`Sympa is not installed (${SYMPA_CONF} missing): run .ci/run or install it as it does`);
  }
  const conf = readFileSync(SYMPA_CONF, 'utf8');
  if (setting(conf, 'db_type') !== 'SQLite') throw new Error(`${SYMPA_CONF} does not use SQLite`);
  return { domain: setting(conf, 'domain'), dbFile: setting(conf, 'db_name') };
}

/**
 * Runs `sympa <args>`, stdin given, in `env` (SYMPA_CONFIG, which Sympa's Conf.pm reads, names another sympa.conf);
 * returns the exit code and output, stderr being where Sympa's CLI reports.
 */
export async function sympa(
  args: string[],
  input = '',
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYMPA, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A throwaway list on the installed Sympa, created fresh for one test file and purged by `remove`. */
export interface SympaList {
  /** `name@domain`, as `sympa del` takes it. */
  address: string;
  name: string;
  domain: string;
  dbFile: string;
  add(members: { email: string; gecos?: string }[]): Promise<void>;
  /** Feeds each DSN through bouncequeue and a bounced.pl of our own, as the list-owner alias would. */
  bounce(bounces: { email: string; status: string }[]): Promise<void>;
  /** The member addresses as `sympa review` lists them. */
  review(): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * Creates a list named after `prefix` and the process id, with the `discussion_list` template, via `sympa create`;
 * its owner is `owner@example.org` unless given.
 */
export async function createSympaList(prefix: string, owner = 'owner@example.org'): Promise<SympaList> {
  const { domain, dbFile } = installedSympa();
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const address = `${name}@${domain}`;
  const work = await mkdtemp(join(tmpdir(), 'facteur-sympa-'));
  const xml = join(work, 'list.xml');
  await writeFile(
    xml,
    `<?xml version="1.0" ?>
<list>
  <listname>${name}</listname>
  <type>discussion_list</type>
  <subject>facteur integration test</subject>
  <description>Created and purged by the facteur test suite</description>
  <status>open</status>
  <language>en_US</language>
  <topic>other</topic>
  <owner multiple="1"><email>${owner}</email></owner>
</list>
`,
  );
  // sympa drops root for the sympa user before it reads the file: let that user in.
  await chmod(work, 0o755);
  await chmod(xml, 0o644);
  const created = await sympa(['create', `--input_file=${xml}`]);
  if (created.code !== 0) throw new Error(`sympa create failed: ${created.stderr}`);

  return {
    address,
    name,
    domain,
    dbFile,
    async add(members) {
      const input = members.map((m) => `${m.email}${m.gecos === undefined ? '' : ` ${m.gecos}`}\n`).join('');
      const added = await sympa(['add', '--quiet', address], input);
      if (added.code !== 0) throw new Error(`sympa add failed: ${added.stderr}`);
    },
    async bounce(bounces) {
      for (const { email, status } of bounces) {
        await queueBounce(name, domain, email, status);
      }
      await runBounced(
        dbFile,
        name,
        domain,
        bounces.map((b) => b.email),
      );
    },
    async review() {
      const reviewed = await sympa(['review', address]);
      if (reviewed.code !== 0) throw new Error(`sympa review failed: ${reviewed.stderr}`);
      // The first line counts the members ("3 member(s) in list …"); the others are one address each.
      return reviewed.stdout.split('\n').filter((line) => /^\S+@\S+$/.test(line));
    },
    async remove() {
      await sympa(['close', '--mode=purge', address]);
      await rm(join('/var/lib/sympa/bounce', address), { recursive: true, force: true });
      // Requests waiting for a confirmation (Sympa::Spool::Auth) are named after their list.
      for (const file of await readdir(HELD_REQUESTS))
        if (file.includes(`,${address}_`)) await rm(join(HELD_REQUESTS, file), { force: true });
      await rm(work, { recursive: true, force: true });
    },
  };
}

function dsn(list: string, domain: string, email: string, status: string): string {
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    `To: ${list}-owner@${domain}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${Date.now().toString(36)}.${email}@mx.example.net>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${email}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: smtp; 550 ${status} <${email}>: rejected`,
    '',
    '--B--',
    '',
  ].join('\n');
}

/** bouncequeue spools the message for bounced.pl; it must run as sympa, or bounced.pl cannot read the file. */
async function queueBounce(list: string, domain: string, email: string, status: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('runuser', ['-u', 'sympa', '--', `${LIBEXEC}/bouncequeue`, `${list}@${domain}`], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`bouncequeue exited ${code ?? 'by signal'}`));
    });
    child.stdin.end(dsn(list, domain, email, status));
  });
}

/** Runs bounced.pl in the foreground until subscriber_table holds a bounce for every address, then stops it. */
async function runBounced(dbFile: string, list: string, domain: string, emails: string[]): Promise<void> {
  const bounced = spawn(`${LIBEXEC}/bounced.pl`, ['--foreground'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) =>
    bounced.on('close', () => {
      resolve();
    }),
  );
  const deadline = Date.now() + BOUNCED_WAIT_MS;
  try {
    for (;;) {
      const db = new Database(dbFile, { readonly: true, timeout: 5_000 });
      const done = db
        .prepare(
          `SELECT count(*) AS n FROM subscriber_table WHERE list_subscriber = ? AND robot_subscriber = ?
             AND bounce_subscriber IS NOT NULL AND user_subscriber IN (SELECT value FROM json_each(?))`,
        )
        .get(list, domain, JSON.stringify(emails)) as { n: number };
      db.close();
      if (done.n === emails.length) return;
      if (Date.now() > deadline) throw new Error(`bounced.pl recorded ${done.n} of ${emails.length} bounces`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    bounced.kill('SIGTERM');
    await exited;
  }
}

/** Sets a member's bounce score as Sympa's eval_bouncers task does, which needs 10 bounces over 10 days to run. */
export function setBounceScore(list: SympaList, email: string, score: number): void {
  const db = new Database(list.dbFile, { timeout: 5_000 });
  db.prepare(
    'UPDATE subscriber_table SET bounce_score_subscriber = ? WHERE list_subscriber = ? AND robot_subscriber = ? AND user_subscriber = ?',
  ).run(score, list.name, list.domain, email);
  db.close();
}

/** A new list of three members, two of whom (bob, carol) bounced hard past Sympa's removal score. */
export async function createBouncingList(prefix: string): Promise<SympaList> {
  const list = await createSympaList(prefix);
  await list.add([{ email: 'alice@example.org' }, { email: 'bob@example.net' }, { email: 'carol@example.com' }]);
  await list.bounce([
    { email: 'bob@example.net', status: '5.1.1' },
    { email: 'carol@example.com', status: '5.1.1' },
  ]);
  setBounceScore(list, 'bob@example.net', 87);
  setBounceScore(list, 'carol@example.com', 87);
  return list;
}

/**
 * `facteur dormant apply` on `list` through the installed Sympa, its members read from Sympa's database, recorded in
 * `dbFile`, with JSON output; a dry run unless `--yes` is added.
 */
export function applyArgs(list: SympaList, dbFile: string): string[] {
  return [
    'dormant',
    'apply',
    '--sympa',
    list.address,
    '--sympa-db',
    list.dbFile,
    '--db',
    dbFile,
    '--sympa-command',
    SYMPA,
    '--json',
  ];
}

/** Sets a list parameter in the list's config file (e.g. `del auth`); Sympa rereads a config whose file changed. */
export async function setListParameter(list: SympaList, line: string): Promise<void> {
  await appendFile(join('/var/lib/sympa/list_data', list.name, 'config'), `\n${line}\n`);
}

/**
 * Hands mails to Sympa as the MTA's alias for its robot does (`| queue sympa@domain`), then runs sympa_msg.pl in the
 * foreground until it has taken every one of them from its spool, and stops it. `config` names another sympa.conf
 * and `env` adds variables (a resolver for Mail::DKIM's Net::DNS). Fails, with what sympa_msg.pl said, when a mail
 * lands in the spool's `bad` directory or the wait runs out.
 */
export async function processCommandMails(
  robot: string,
  mails: readonly Buffer[],
  options: { config?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const before = new Set(await readdir(INCOMING));
  for (const mail of mails) await runAsSympa([`${LIBEXEC}/queue`, robot], mail);
  const queued = (await readdir(INCOMING)).filter((file) => !before.has(file) && file !== 'bad');
  if (queued.length !== mails.length) throw new Error(`queue spooled ${queued.length} of ${mails.length} mails`);
  const args = ['--foreground', ...(options.config === undefined ? [] : [`--config=${options.config}`])];
  const child = spawn(`${LIBEXEC}/sympa_msg.pl`, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  const deadline = Date.now() + SYMPA_MSG_WAIT_MS;
  try {
    for (;;) {
      const left = new Set(await readdir(INCOMING));
      const bad = existsSync(join(INCOMING, 'bad')) ? new Set(await readdir(join(INCOMING, 'bad'))) : new Set();
      if (queued.some((file) => bad.has(file))) throw new Error(`sympa_msg.pl put a mail in bad/:\n${log}`);
      if (queued.every((file) => !left.has(file))) return;
      if (Date.now() > deadline) throw new Error(`sympa_msg.pl did not process the mails in time:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** A mail Sympa sent (to its bulk spool, where bulk.pl would take it): its subject and body. */
export interface SympaReply {
  subject: string;
  body: string;
}

/**
 * Takes from Sympa's bulk spool the mails it wrote to `recipient` (command reports, confirmation requests): no bulk.pl
 * runs here, so they wait there. Each is read and removed, with its recipient list, so that nothing is left.
 */
export async function takeSympaReplies(recipient: string): Promise<SympaReply[]> {
  const replies: SympaReply[] = [];
  for (const name of await readdir(join(BULK, 'msg'))) {
    const raw = await readFile(join(BULK, 'msg', name), 'utf8');
    const split = raw.indexOf('\n\n');
    const head = raw.slice(0, split).replace(/\n[ \t]+/g, ' ');
    if (/^To: (.*)$/im.exec(head)?.[1]?.trim() !== recipient) continue;
    const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
    replies.push({ subject, body: raw.slice(split + 2) });
    await rm(join(BULK, 'msg', name), { force: true });
    await rm(join(BULK, 'pct', name), { recursive: true, force: true });
  }
  return replies;
}

/** Runs a program as the sympa user, as the MTA runs Sympa's queue program, with `input` on stdin. */
async function runAsSympa(command: string[], input: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('runuser', ['-u', 'sympa', '--', ...command], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command.join(' ')} exited ${code ?? 'by signal'}`));
    });
    child.stdin.end(input);
  });
}
