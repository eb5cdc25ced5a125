import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { basename, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { InputError } from '../errors.js';
import type { Db } from '../store/database.js';
import {
  acquireRunLock,
  completeEnqueue,
  countByState,
  dueMessages,
  enqueueBatch,
  findCampaign,
  markInterrupted,
  markSending,
  openCampaign,
  postponeMessage,
  recordOutcome,
  releaseRunLock,
  resetSchedule,
  type MessageState,
  type NewMessage,
  type QueuedMessage,
} from '../store/send-queue.js';
import type { CampaignConfig } from './campaign-config.js';
import { composeMail, loadMailContext, type MailContext } from './compose-mail.js';
import { readRecipients } from './read-recipients.js';

/** Rows committed per enqueue transaction: one commit per row would make enqueueing 80,000 rows take minutes. */
const ENQUEUE_BATCH = 1000;

/** Due messages read per query: enough to keep the pool busy between reads, small enough to keep memory flat. */
const DUE_BATCH = 500;

/**
 * Retries of a 4xx reply within one run. RFC 5321 4.5.4.1 asks for at least 30 minutes between retries and days of
 * trying, which is the server's queue's job; a campaign run retries briefly (30 s, 1, 2, 4 min: under 8 minutes in
 * all) to ride out a greylisting or a throttle, then leaves the message deferred for the next `send run`.
 */
export const DEFAULT_RETRY = { baseMs: 30_000, maxAttemptsPerRun: 5 } as const;

/**
 * Connection failures in a row, without a single server reply in between, after which the server is taken as
 * unreachable and the run stops (exit 3): retrying 80,000 messages against a dead host only burns their attempts.
 */
const MAX_CONNECTION_FAILURES_MIN = 5;

/**
 * Messages handed to the pool per connection: with one queued behind the one on the wire, a connection never waits
 * for the next message to be built and signed. It bounds the uncertain messages a kill -9 can leave to twice the pool.
 */
const IN_FLIGHT_PER_CONNECTION = 2;

/** Failed messages listed in a report; the rest are counted (`send status` lists them all). */
const MAX_LISTED = 100;

/** How long to wait for the pool to close after the last outcome, so a stuck server cannot hang the exit. */
const CLOSE_TIMEOUT_MS = 5_000;

/** The SMTP timeouts: nodemailer's socket default (10 min) would hold a run on a server that stopped answering. */
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 } as const;

/** How a run was asked to behave. */
export interface SendOptions {
  config: CampaignConfig;
  db: Db;
  /** The campaign's name in the database; `campaignNameOf(config.file)` unless given. */
  campaign?: string;
  /** Render every due message and report, send nothing. */
  dryRun?: boolean;
  /** At most this many messages this run. */
  limit?: number;
  /** Send the next due messages (default 1) to this address only; the queue is left as it is. */
  testTo?: string;
  /** Send again the messages a killed run left uncertain. */
  retryUncertain?: boolean;
  /** Aborted on SIGINT: in-flight messages finish, their outcomes are recorded, nothing new starts. */
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  /** Backoff of 4xx replies and connection failures; tests shorten it. */
  retry?: { baseMs: number; maxAttemptsPerRun: number };
}

/** Counters of a run, as the progress line and the report show them. */
export interface SendProgress {
  /** Messages this run will try (due at start, bounded by --limit). */
  total: number;
  /** Messages with a final outcome this run (sent, failed, or deferred with no attempt left in this run). */
  done: number;
  sent: number;
  deferred: number;
  failed: number;
}

/** A message the run could not deliver, with the server's words. */
export interface SendFailure {
  recipientId: number;
  email: string;
  state: 'failed' | 'deferred';
  replyCode: number | null;
  reply: string;
}

/** A test message's result. */
export interface TestSend {
  recipientId: number;
  email: string;
  to: string;
  accepted: boolean;
  replyCode: number | null;
  reply: string;
}

/** What `send run` reports (`--json` prints it). */
export interface SendReport {
  schemaVersion: 1;
  campaign: string;
  mode: 'send' | 'dry-run' | 'test';
  recipients: { queued: number; skipped: number; duplicates: number };
  /** Rows a killed run left in flight, found and marked uncertain at the start of this run. */
  foundUncertain: number;
  run: SendProgress & { rendered: number; renderErrors: number };
  /** The queue after the run. */
  counts: Record<MessageState, number>;
  failures: SendFailure[];
  tests: TestSend[];
  interrupted: boolean;
  /** Why the run stopped early because of the server, or null. */
  stopped: { reason: 'unreachable'; message: string } | null;
  elapsedMs: number;
}

/** The campaign name a config file gives: its file name without extension (`consultation-2026.json`). */
export function campaignNameOf(file: string): string {
  return basename(file, extname(file));
}

/** A fresh Message-ID on the organisation's domain (RFC 5322 3.6.4): 128 random bits, unique without coordination. */
function newMessageId(domain: string): string {
  return `<${randomBytes(16).toString('hex')}@${domain}>`;
}

/**
 * Streams the recipients file into the queue, in batches. Idempotent: ids are line numbers, so a pass redone after a
 * crash inserts nothing twice; a file already fully enqueued is not read again.
 */
async function enqueueRecipients(
  db: Db,
  campaign: { id: number; isEnqueueComplete: boolean },
  config: CampaignConfig,
): Promise<void> {
  if (campaign.isEnqueueComplete) return;
  let skipped = 0;
  let duplicates = 0;
  let batch: NewMessage[] = [];
  const flush = (): void => {
    duplicates += enqueueBatch(db, campaign.id, batch, Date.now());
    batch = [];
  };
  for await (const entry of readRecipients(config.recipients)) {
    if (entry.kind === 'skipped') {
      skipped++;
      continue;
    }
    batch.push({
      recipientId: entry.line,
      email: entry.email,
      fields: entry.fields,
      messageId: newMessageId(config.messageIdDomain),
    });
    if (batch.length >= ENQUEUE_BATCH) flush();
  }
  flush();
  completeEnqueue(db, campaign.id, { skipped, duplicates });
}

/**
 * Opens the TCP connection for nodemailer with Nagle's algorithm off: nodemailer writes the final "." of DATA as its
 * own small segment, which Nagle holds until the server's delayed ACK (40 ms on Linux), capping one connection at
 * about 25 messages a second. TLS, implicit or STARTTLS, is still nodemailer's, over this socket.
 */
function connectNoDelay(
  host: string,
  port: number,
  callback: (error: Error | null, socket?: { connection?: Socket }) => void,
): void {
  const socket = netConnect({ host, port, noDelay: true });
  const onError = (): void => {
    // nodemailer's pool keeps a resource whose getSocket failed as busy forever; let it connect on its own instead,
    // so the failure goes through its usual path (ECONNECTION, the resource dropped, the message called back).
    callback(null, {});
  };
  socket.once('error', onError);
  socket.setTimeout(SMTP_TIMEOUTS.connectionTimeout, () => socket.destroy(new Error('Connection timeout')));
  socket.once('connect', () => {
    socket.removeListener('error', onError);
    socket.setTimeout(0);
    callback(null, { connection: socket });
  });
}

/** Opens nodemailer's SMTP pool on the organisation's server, with DKIM signing when configured. */
function createTransport(config: CampaignConfig): Transporter<SMTPPool.SentMessageInfo> {
  const { smtp, dkim } = config;
  const options: SMTPPool.Options = {
    pool: true,
    getSocket: (_options, callback) => {
      connectNoDelay(smtp.host, smtp.port, callback);
    },
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    maxConnections: smtp.pool,
    // Postfix's smtpd has no per-connection message limit; Exim's default is 1000. Reconnecting every 100
    // (nodemailer's default) would cost a TLS handshake for nothing.
    maxMessages: 1000,
    tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized },
    ...SMTP_TIMEOUTS,
    ...(smtp.helo === null ? {} : { name: smtp.helo }),
    ...(smtp.user === null ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    ...(dkim === null
      ? {}
      : { dkim: { domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkim.privateKey } }),
  };
  return nodemailer.createTransport(options);
}

/** What one SMTP transaction came to. */
type Outcome =
  | { kind: 'sent' | 'failed' | 'deferred'; replyCode: number | null; reply: string; isConnectionFailure: boolean }
  | { kind: 'stop'; message: string };

/** Reads the reply code at the head of a server response (`250 2.0.0 Ok`). */
function replyCodeOf(response: string | undefined): number | null {
  const match = /^([2-5]\d\d)\b/.exec(response ?? '');
  return match === null ? null : Number(match[1]);
}

/**
 * Sorts a nodemailer error: a 5xx to RCPT or DATA is this recipient's permanent failure; a 4xx or a dropped
 * connection is deferred. A refused login or sender concerns every message, so the run stops instead of failing
 * them all one by one.
 */
export function classifyError(error: SMTPConnection.SMTPError): Outcome {
  const code = error.responseCode ?? replyCodeOf(error.response);
  const reply = (error.response ?? error.message).trim();
  if (error.code === 'EAUTH') return { kind: 'stop', message: `The server refused the login: ${reply}` };
  if (code !== null && code >= 500 && error.command === 'MAIL FROM')
    return { kind: 'stop', message: `The server refused the envelope sender: ${reply}` };
  if (code !== null && code >= 500) return { kind: 'failed', replyCode: code, reply, isConnectionFailure: false };
  if (code !== null && code >= 400)
    return { kind: 'deferred', replyCode: code, reply, isConnectionFailure: error.command === 'CONN' };
  if (['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS'].includes(error.code ?? ''))
    return {
      kind: 'deferred',
      replyCode: null,
      reply: `${error.code ?? ''}: ${error.message}`,
      isConnectionFailure: true,
    };
  // Anything else (a message nodemailer could not build) will not get better by retrying.
  return { kind: 'failed', replyCode: null, reply: error.message, isConnectionFailure: false };
}

/** Global rate: a token bucket refilled at `ratePerSecond`, holding a tenth of a second's worth for timer slack. */
class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly capacity: number;
  private readonly ratePerSecond: number;

  constructor(ratePerSecond: number) {
    this.ratePerSecond = ratePerSecond;
    this.capacity = Math.max(1, Math.ceil(ratePerSecond / 10));
    this.tokens = this.capacity;
  }

  /** Milliseconds to wait before the next message may start; 0 takes a token. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}

/** The state of one run. */
interface Run {
  db: Db;
  context: MailContext;
  options: SendOptions;
  retry: { baseMs: number; maxAttemptsPerRun: number };
  progress: SendProgress;
  failures: SendFailure[];
  /** Messages this run will come back to, by id: a per-domain rate slot or a backoff time. */
  waiting: Map<number, number>;
  /** Messages holding a per-domain slot: when due, they go without asking the domain's rate again. */
  reserved: Set<number>;
  /** Attempts made this run, by message id (only messages attempted more than once are kept). */
  attempts: Map<number, number>;
  /** Next free slot of each recipient domain. */
  domainNext: Map<string, number>;
  connectionFailures: number;
  stopped: SendReport['stopped'];
  fatal: string | null;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

function isStopping(run: Run): boolean {
  return run.options.signal?.aborted === true || run.stopped !== null || run.fatal !== null;
}

function listFailure(run: Run, failure: SendFailure): void {
  if (run.failures.length < MAX_LISTED) run.failures.push(failure);
}

/** Records an SMTP outcome for a message marked sending, and schedules its retry within the run. */
function settle(run: Run, message: QueuedMessage, outcome: Outcome): void {
  const now = Date.now();
  if (outcome.kind === 'stop') {
    // Not the recipient's fault: back to deferred without a reply, to go with the next run once the config is fixed.
    recordOutcome(run.db, message.id, { state: 'deferred', replyCode: null, reply: outcome.message }, now);
    run.fatal ??= outcome.message;
    return;
  }
  if (outcome.isConnectionFailure) run.connectionFailures++;
  else run.connectionFailures = 0;
  if (outcome.kind === 'sent' || outcome.kind === 'failed') {
    recordOutcome(run.db, message.id, { state: outcome.kind, replyCode: outcome.replyCode, reply: outcome.reply }, now);
    run.attempts.delete(message.id);
    run.progress[outcome.kind]++;
    run.progress.done++;
    if (outcome.kind === 'failed') listFailure(run, { ...failureOf(message, outcome), state: 'failed' });
    return;
  }
  const made = (run.attempts.get(message.id) ?? 0) + 1;
  const nextAttemptAt = now + run.retry.baseMs * 2 ** (made - 1);
  recordOutcome(run.db, message.id, { state: 'deferred', ...outcome, nextAttemptAt }, now);
  if (made < run.retry.maxAttemptsPerRun) {
    run.attempts.set(message.id, made);
    run.waiting.set(message.id, nextAttemptAt);
    return;
  }
  run.attempts.delete(message.id);
  run.progress.deferred++;
  run.progress.done++;
  listFailure(run, { ...failureOf(message, outcome), state: 'deferred' });
}

function failureOf(message: QueuedMessage, outcome: { replyCode: number | null; reply: string }) {
  return { recipientId: message.recipientId, email: message.email, replyCode: outcome.replyCode, reply: outcome.reply };
}

/** One SMTP transaction: the intent is already committed; the outcome is recorded when the server has answered. */
async function deliver(
  run: Run,
  transport: Transporter<SMTPPool.SentMessageInfo>,
  message: QueuedMessage,
): Promise<void> {
  let mail;
  try {
    mail = composeMail(run.context, message, { file: run.context.config.recipients, line: message.recipientId });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // A field that cannot be rendered (a line break in the subject) is this row's fault: fail it, send the rest.
    settle(run, message, { kind: 'failed', replyCode: null, reply: error.message, isConnectionFailure: false });
    return;
  }
  let outcome: Outcome;
  try {
    const info = await transport.sendMail(mail);
    const response = info.response.trim();
    outcome = { kind: 'sent', replyCode: replyCodeOf(response), reply: response, isConnectionFailure: false };
  } catch (error) {
    outcome = classifyError(error as SMTPConnection.SMTPError);
  }
  settle(run, message, outcome);
  if (run.connectionFailures >= Math.max(MAX_CONNECTION_FAILURES_MIN, run.context.config.smtp.pool * 2)) {
    run.stopped ??= {
      reason: 'unreachable',
      message: `Cannot reach "${run.context.config.smtp.host}:${run.context.config.smtp.port}": ${
        outcome.kind === 'stop' ? outcome.message : outcome.reply
      }`,
    };
  }
  run.options.onProgress?.(run.progress);
}

/** Waits for `ms` unless the run is interrupted first. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
}

/**
 * Whether a message may go now under its domain's rate; if not, it is given the domain's next slot (kept in the
 * database, so the due query skips it until then) and the run comes back to it.
 */
function takeDomainSlot(run: Run, message: QueuedMessage, now: number): boolean {
  if (run.reserved.delete(message.id)) return true;
  const domain = domainOf(message.email);
  const spacing = 60_000 / run.context.config.smtp.perDomainRatePerMinute;
  const next = run.domainNext.get(domain) ?? 0;
  // Millisecond clock: a slot that starts within the current millisecond is free (high rates space by fractions).
  if (next < now + 1) {
    run.domainNext.set(domain, Math.max(next, now) + spacing);
    return true;
  }
  run.domainNext.set(domain, next + spacing);
  const at = Math.ceil(next);
  postponeMessage(run.db, message.id, at);
  run.waiting.set(message.id, at);
  run.reserved.add(message.id);
  return false;
}

/** Sends every due message through the pool, at most `pool` at once, within the global and per-domain rates. */
async function sendAll(run: Run, total: number): Promise<void> {
  const { db, options } = run;
  const campaignId = run.context.campaignId;
  const transport = createTransport(run.context.config);
  const limiter = new RateLimiter(run.context.config.smtp.ratePerSecond);
  const inFlight = new Set<Promise<void>>();
  const started = new Set<number>();
  let cursor = 0;
  try {
    while (!isStopping(run)) {
      const batch = dueMessages(db, campaignId, Date.now(), {
        limit: DUE_BATCH,
        retryUncertain: options.retryUncertain ?? false,
        afterId: cursor,
      });
      if (batch.length === 0) {
        if (run.waiting.size === 0) {
          if (inFlight.size === 0) break;
          // A message still in flight may come back deferred: wait for it before deciding the run is over.
          await Promise.race(inFlight);
          cursor = 0;
          continue;
        }
        // Everything left waits for a rate slot or a backoff: sleep until the first, then read from the top again.
        let first = Infinity;
        for (const at of run.waiting.values()) first = Math.min(first, at);
        if (inFlight.size > 0) await Promise.race([...inFlight, pause(first - Date.now(), options.signal)]);
        else await pause(first - Date.now(), options.signal);
        const now = Date.now();
        for (const [id, at] of run.waiting) if (at <= now) run.waiting.delete(id);
        cursor = 0;
        continue;
      }
      for (const message of batch) {
        cursor = message.id;
        if (isStopping(run)) break;
        // A message waiting for its slot or backoff, or out of attempts for this run, is not due for this run yet.
        if (run.waiting.has(message.id) || (started.has(message.id) && !run.attempts.has(message.id))) continue;
        if (!started.has(message.id) && started.size >= total) continue;
        if (!takeDomainSlot(run, message, Date.now())) continue;
        for (let wait = limiter.take(); wait > 0 && !isStopping(run); wait = limiter.take())
          await pause(wait, options.signal);
        while (inFlight.size >= run.context.config.smtp.pool * IN_FLIGHT_PER_CONNECTION) await Promise.race(inFlight);
        if (isStopping(run)) break;
        if (!markSending(db, message.id, Date.now())) continue;
        started.add(message.id);
        const sending = deliver(run, transport, message).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.race([Promise.all(inFlight), sleep(CLOSE_TIMEOUT_MS)]);
    transport.close();
  }
}

/** Renders every due message (bounded by --limit) without sending: what a real run would try. */
function renderAll(run: Run, total: number): { rendered: number; renderErrors: number } {
  let rendered = 0;
  let renderErrors = 0;
  let cursor = 0;
  while (rendered + renderErrors < total && !isStopping(run)) {
    const batch = dueMessages(run.db, run.context.campaignId, Date.now(), {
      limit: Math.min(DUE_BATCH, total - rendered - renderErrors),
      retryUncertain: run.options.retryUncertain ?? false,
      afterId: cursor,
    });
    if (batch.length === 0) break;
    for (const message of batch) {
      cursor = message.id;
      try {
        composeMail(run.context, message, { file: run.context.config.recipients, line: message.recipientId });
        rendered++;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        renderErrors++;
        listFailure(run, { ...failureOf(message, { replyCode: null, reply: error.message }), state: 'failed' });
      }
    }
  }
  return { rendered, renderErrors };
}

/** Sends the next due messages to one test address, leaving the queue untouched. */
async function sendTests(run: Run, testTo: string, count: number): Promise<TestSend[]> {
  const messages = dueMessages(run.db, run.context.campaignId, Date.now(), {
    limit: count,
    retryUncertain: run.options.retryUncertain ?? false,
  });
  const transport = createTransport(run.context.config);
  const results: TestSend[] = [];
  try {
    for (const message of messages) {
      if (isStopping(run)) break;
      const row = { file: run.context.config.recipients, line: message.recipientId };
      const base = { recipientId: message.recipientId, email: message.email, to: testTo };
      try {
        // A fresh Message-ID: the stored one belongs to the real message, which must not look like a resend.
        const mail = composeMail(
          run.context,
          { ...message, messageId: newMessageId(run.context.config.messageIdDomain) },
          row,
          testTo,
        );
        const info = await transport.sendMail(mail);
        const reply = info.response.trim();
        results.push({ ...base, accepted: true, replyCode: replyCodeOf(reply), reply });
      } catch (error) {
        if (error instanceof InputError) {
          results.push({ ...base, accepted: false, replyCode: null, reply: error.message });
          continue;
        }
        const smtpError = error as SMTPConnection.SMTPError;
        results.push({
          ...base,
          accepted: false,
          replyCode: smtpError.responseCode ?? null,
          reply: (smtpError.response ?? smtpError.message).trim(),
        });
      }
    }
  } finally {
    transport.close();
  }
  return results;
}

/**
 * Runs a campaign: enqueues the recipients file (streamed, idempotent), then sends every due message through the
 * organisation's SMTP server. Each message's intent (sending) is committed before its SMTP transaction and its
 * outcome after, so a run killed at any point resumes without losing or repeating a message; rows caught in flight
 * become uncertain and go again only with `retryUncertain`. 4xx replies and dropped connections are retried within
 * the run (DEFAULT_RETRY), 5xx replies are recorded as failed with the server's reply. Messages are rendered at send
 * time from the stored fields, so memory stays flat with the number of recipients.
 */
export async function sendCampaign(options: SendOptions): Promise<SendReport> {
  const started = Date.now();
  const { db, config } = options;
  const name = options.campaign ?? campaignNameOf(config.file);
  const mode: SendReport['mode'] = options.dryRun === true ? 'dry-run' : options.testTo === undefined ? 'send' : 'test';
  openCampaign(db, name, started);
  const campaign = findCampaign(db, name);
  if (campaign === undefined) throw new Error(`Campaign "${name}" vanished after being created`);
  const isSending = mode === 'send';
  if (isSending && !acquireRunLock(db, campaign.id, process.pid, isProcessAlive))
    throw new InputError(`Cannot run campaign "${name}": another "facteur send run" is sending it`, {}, 'ELOCKED');
  try {
    const foundUncertain = isSending ? markInterrupted(db, campaign.id, started) : 0;
    await enqueueRecipients(db, campaign, config);
    if (isSending) resetSchedule(db, campaign.id);
    const context = loadMailContext(config, campaign.id, campaign.verpKey);
    const counts = countByState(db, campaign.id);
    const due = counts.pending + counts.deferred + (options.retryUncertain === true ? counts.uncertain : 0);
    const total = Math.min(due, options.limit ?? (mode === 'test' ? 1 : Infinity));
    const run: Run = {
      db,
      context,
      options,
      retry: options.retry ?? DEFAULT_RETRY,
      progress: { total, done: 0, sent: 0, deferred: 0, failed: 0 },
      failures: [],
      waiting: new Map(),
      reserved: new Set(),
      attempts: new Map(),
      domainNext: new Map(),
      connectionFailures: 0,
      stopped: null,
      fatal: null,
    };
    let rendered = { rendered: 0, renderErrors: 0 };
    let tests: TestSend[] = [];
    if (mode === 'dry-run') rendered = renderAll(run, total);
    else if (mode === 'test') tests = await sendTests(run, options.testTo ?? '', total);
    else if (total > 0) await sendAll(run, total);
    if (run.fatal !== null)
      throw new InputError(`Cannot send campaign "${name}" through "${config.smtp.host}": ${run.fatal}`, {}, 'ECONFIG');
    const finalCampaign = findCampaign(db, name) ?? campaign;
    return {
      schemaVersion: 1,
      campaign: name,
      mode,
      recipients: {
        queued: Object.values(countByState(db, campaign.id)).reduce((sum, n) => sum + n, 0),
        skipped: finalCampaign.skipped,
        duplicates: finalCampaign.duplicates,
      },
      foundUncertain,
      run: { ...run.progress, ...rendered },
      counts: countByState(db, campaign.id),
      failures: run.failures,
      tests,
      interrupted: options.signal?.aborted === true,
      stopped: run.stopped,
      elapsedMs: Date.now() - started,
    };
  } finally {
    if (isSending) releaseRunLock(db, campaign.id, process.pid);
  }
}

/** Whether a process still runs (signal 0 checks without sending anything); EPERM means it runs as someone else. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
