import { randomBytes } from 'node:crypto';
import { basename, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import type { Db } from '../store/database.js';
import { currentOwner } from '../store/history.js';
import { isDatabaseBusy, lockedBy } from '../store/store-failure.js';
import {
  acquireRunLock,
  beginSendRun,
  completeEnqueue,
  countByState,
  dueMessages,
  enqueueBatch,
  expireDeferred,
  findCampaign,
  finishSendRun,
  markInterrupted,
  openCampaign,
  releaseRunLock,
  resetSchedule,
  writeQueue,
  type MessageOutcome,
  type MessageState,
  type NewMessage,
  type QueuedMessage,
  type QueueWrite,
} from '../store/send-queue.js';
import { buildMessage, messageBytes, prepareMessage, type PreparedMessage } from './build-message.js';
import { CAMPAIGN_CONFIG, readSmtpPassword, type CampaignConfig, type SmtpLogin } from './campaign-config.js';
import { createDkimSigner, type DkimSigner } from './dkim-signer.js';
import { loadMailContext, type MailContext } from './mail-context.js';
import { readRecipients } from './read-recipients.js';
import type { RowLocation } from './render-message.js';
import { SmtpSession, type SmtpResult } from './smtp-session.js';
import type { Trace } from '../trace.js';
import { isProcessAlive } from '../is-process-alive.js';
import { tlsCertificateProblem, type CertificateProblem } from '../tls-certificate-problem.js';

/** Rows committed per enqueue transaction: one commit per row would make enqueueing 80,000 rows take minutes. */
const ENQUEUE_BATCH = 1000;

/** Due messages read per query: enough to keep the sessions busy between reads, small enough to keep memory flat. */
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

/** Failed messages listed in a report; the rest are counted (`send status` lists them all). */
const MAX_LISTED = 100;

/** What a message whose connection was lost after the end of DATA is recorded with. */
const UNCERTAIN_REPLY =
  'The connection was lost after the end of the message, before the server replied: it may have accepted it (RFC 1047)';

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
  /** Hears each SMTP command and reply (`--verbose`). */
  trace?: Trace;
  onProgress?: (progress: SendProgress) => void;
  /** Told when the run has nothing to do but wait for retries, each time the next retry time changes. */
  onRetryWait?: (wait: RetryWait) => void;
  /** Hears what the run waits for, when another process keeps the database locked. */
  onNotice?: (text: Text) => void;
  /** Backoff of 4xx replies and connection failures; tests shorten it. */
  retry?: { baseMs: number; maxAttemptsPerRun: number };
}

/** Counters of a run, as the progress line and the report show them. */
export interface SendProgress {
  /** Messages this run will try (due at start, bounded by --limit). */
  total: number;
  /** Messages with a final outcome this run (sent, failed, uncertain, or deferred with no attempt left in this run). */
  done: number;
  sent: number;
  deferred: number;
  failed: number;
  /** Connections lost after the end of DATA, before the reply (RFC 1047): sent again only with --retry-uncertain. */
  uncertain: number;
}

/** A run idle until its deferred messages' retries: how many wait, until when, and the last deferral's reply. */
export interface RetryWait {
  /** Messages waiting for a retry within this run. */
  messages: number;
  /** When the first of them is tried again (ms since the epoch). */
  until: number;
  /** The last deferral's reply code (null for a connection failure) and the server's words or the network error. */
  replyCode: number | null;
  reply: string;
}

/** A message the run could not deliver, or could not tell, with the server's words. */
export interface SendFailure {
  recipientId: number;
  email: string;
  state: 'failed' | 'deferred' | 'uncertain';
  replyCode: number | null;
  reply: string;
  /** Failed for outliving the queue lifetime; the reply is the last one the server gave. */
  expired: boolean;
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
  /** Deferred messages failed this run for outliving the queue lifetime (at the start, or on a new deferral). */
  expired: number;
  run: SendProgress & { rendered: number; renderErrors: number };
  /** The queue after the run. */
  counts: Record<MessageState, number>;
  failures: SendFailure[];
  tests: TestSend[];
  interrupted: boolean;
  /**
   * Why the run stopped early because of the server, or null: `server` is host:port, `reply` the last failure's
   * words, `message` the English sentence.
   */
  stopped: { reason: 'unreachable'; message: string; server: string; reply: string } | null;
  elapsedMs: number;
}

/** The campaign name a config file gives: its file name without extension (`consultation-2026.json`). */
export function campaignNameOf(file: string): string {
  return basename(file, extname(file));
}

/** A fresh Message-ID on the organisation's domain (RFC 5322 3.6.4): 128 random bits, unique without coordination. */
export function newMessageId(domain: string): string {
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

/** What one SMTP transaction came to. */
type Outcome =
  | {
      kind: 'sent' | 'failed' | 'deferred' | 'uncertain';
      replyCode: number | null;
      reply: string;
      isConnectionFailure: boolean;
    }
  | { kind: 'stop'; message: string; text: Text };

/** Reads the reply code at the head of a server response (`250 2.0.0 Ok`). */
function replyCodeOf(response: string | undefined): number | null {
  const match = /^([2-5]\d\d)\b/.exec(response ?? '');
  return match === null ? null : Number(match[1]);
}

/** An outcome that stops the run: a refusal that concerns every message. */
function stop(text: Text): Outcome {
  return { kind: 'stop', message: text.en, text };
}

/**
 * What nodemailer names the steps that open a session, before any message: the greeting (`CONN`, RFC 5321 3.1),
 * EHLO or HELO (4.1.1.1) and STARTTLS (RFC 3207). A reply to one of them says nothing of a recipient.
 */
const SESSION_COMMANDS: ReadonlySet<string> = new Set(['CONN', 'EHLO', 'HELO', 'STARTTLS']);

/**
 * What is wrong with the server's certificate, when TLS failed for it. nodemailer replaces the code Node gives
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`…) with its own `ESOCKET` or
 * `ETLS`, and keeps the message, which tlsCertificateProblem() reads. Retrying will not change the certificate.
 */
function certificateRefusal(error: SMTPConnection.SMTPError): CertificateProblem | null {
  if (error.code !== 'ESOCKET' && error.code !== 'ETLS') return null;
  return tlsCertificateProblem(error, { host: 'smtp.host', rejectUnauthorized: 'smtp.tlsRejectUnauthorized' });
}

/**
 * Sorts a nodemailer error: a 5xx to RCPT or DATA is this recipient's permanent failure; a 4xx or a dropped
 * connection is deferred. A refused session, login or sender concerns every message, so the run stops instead of
 * failing them all one by one.
 */
export function classifyError(error: SMTPConnection.SMTPError): Outcome {
  const code = error.responseCode ?? replyCodeOf(error.response);
  const reply = (error.response ?? error.message).trim();
  const isSessionStep = SESSION_COMMANDS.has(error.command ?? '');
  // nodemailer sends STARTTLS even when EHLO did not offer it, so that requireTLS never falls back to plain text.
  if (code !== null && code >= 500 && error.command === 'STARTTLS')
    return stop({
      en: `The server does not offer STARTTLS, which "smtp.security" set to "starttls" requires (nothing is sent unencrypted): ${reply}`,
      fr: `Le serveur ne propose pas STARTTLS, qu’exige « smtp.security » à « starttls » (rien n’est envoyé en clair) : ${reply}`,
    });
  // A 554 greeting is RFC 5321 3.1's "no SMTP service here", often a server refusing this machine's address.
  if (code !== null && code >= 500 && isSessionStep)
    return stop({
      en: `The server refused to open a session: ${reply}`,
      fr: `Le serveur a refusé d’ouvrir une session : ${reply}`,
    });
  // OpenSSL's words for a peer that answered the TLS hello in plain text: a STARTTLS or plain port (587, 25).
  if (error.code === 'ESOCKET' && /wrong version number/i.test(error.message))
    return stop({
      en: 'The server does not speak TLS from the start, as "smtp.security": "tls" expects (port 465); on a port where it greets in plain text (587, 25), set "starttls"',
      fr: 'Le serveur ne parle pas TLS dès la connexion, comme l’attend « smtp.security » à « tls » (port 465) ; sur un port où il salue en clair (587, 25), indiquez « starttls »',
    });
  const certificate = certificateRefusal(error);
  if (certificate !== null)
    return stop({
      en: `Cannot verify the server's TLS certificate (${certificate.detail}): ${certificate.problem.en}; ${certificate.advice.en}`,
      fr: `Impossible de vérifier le certificat TLS du serveur (${certificate.detail}) : ${certificate.problem.fr} ; ${certificate.advice.fr}`,
    });
  if (error.code === 'EAUTH')
    return stop({
      en: `The server refused the login: ${reply}; check "smtp.user" and the password that "smtp.passwordEnv" or "smtp.passwordFile" gives`,
      fr: `Le serveur a refusé l’authentification : ${reply} ; vérifiez « smtp.user » et le mot de passe que donne « smtp.passwordEnv » ou « smtp.passwordFile »`,
    });
  if (code !== null && code >= 500 && error.command === 'MAIL FROM')
    return stop({
      en: `The server refused the envelope sender: ${reply}`,
      fr: `Le serveur a refusé l’expéditeur d’enveloppe : ${reply}`,
    });
  if (code !== null && code >= 500) return { kind: 'failed', replyCode: code, reply, isConnectionFailure: false };
  if (code !== null && code >= 400)
    return { kind: 'deferred', replyCode: code, reply, isConnectionFailure: isSessionStep };
  if (['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS'].includes(error.code ?? ''))
    return {
      kind: 'deferred',
      replyCode: null,
      reply: `${error.code ?? ''}: ${error.message}`,
      isConnectionFailure: true,
    };
  // Anything else (a message nodemailer could not send as given) will not get better by retrying.
  return { kind: 'failed', replyCode: null, reply: error.message, isConnectionFailure: false };
}

/**
 * Sorts an SMTP result. RFC 1047: once the final "." is sent, a connection lost or timed out before the reply may
 * still have delivered the message; sending it again could deliver it twice, so it is uncertain, never retried
 * on its own. Before that point the server cannot have taken it, and it is retried as any dropped connection.
 */
export function classifyResult(result: SmtpResult): Outcome {
  if (result.ok) {
    const reply = result.reply.trim();
    return { kind: 'sent', replyCode: replyCodeOf(reply), reply, isConnectionFailure: false };
  }
  if (result.isAfterData) {
    const reply = `${UNCERTAIN_REPLY} (${result.error.code ?? 'error'}: ${result.error.message})`;
    return { kind: 'uncertain', replyCode: null, reply, isConnectionFailure: true };
  }
  return classifyError(result.error);
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

/**
 * Pauses between two tries of a commit that met a database another process keeps locked (a `dormant` import, a
 * `check` recording its night), on top of the busy timeout each try already waits: doubling from one second, so a
 * short lock costs little, up to half a minute, so a long one is asked about twice a minute, not hammered.
 */
const BUSY_RETRY_FIRST_MS = 1_000;
const BUSY_RETRY_MAX_MS = 30_000;

/** What a run waiting out a locked database is waiting to write, for its notices. */
function waitingFor(outcomes: number): Text {
  if (outcomes === 0) return { en: 'the next message’s intent', fr: 'l’intention du prochain message' };
  const s = outcomes === 1 ? '' : 's';
  return { en: `${outcomes} message outcome${s}`, fr: `l’issue de ${outcomes} message${s}` };
}

/** The notice of a run whose commit met the database `path` locked: what it waits to write, for whom, till when. */
function busyNotice(path: string, outcomes: number, delayMs: number): Text {
  const what = waitingFor(outcomes);
  const holder = lockedBy(path);
  const seconds = delayMs / 1000;
  return {
    en: `Waiting to record ${what.en}: database "${path}" is locked by ${holder.en}; trying again in ${seconds} s`,
    fr: `En attente pour enregistrer ${what.fr} : la base de données « ${path} » est verrouillée par ${holder.fr} ; nouvel essai dans ${seconds} s`,
  };
}

/** The notice of a run interrupted while it waits out a locked database with outcomes to record. */
function interruptedWhileWaiting(outcomes: number): Text {
  const what = waitingFor(outcomes);
  return {
    en: `Interrupted while waiting to record ${what.en}: facteur goes on waiting for the lock, so that messages the server accepted are not left uncertain; interrupt again to stop now, and the next run reports them uncertain`,
    fr: `Interrompu en attendant d’enregistrer ${what.fr} : facteur attend encore le verrou, pour ne pas laisser incertains des messages que le serveur a acceptés ; interrompez de nouveau pour arrêter tout de suite, et le prochain envoi les signalera incertains`,
  };
}

/**
 * Group commit of the queue's intents and outcomes: the writes of one turn of the event loop are committed together
 * at its end, so replies the sessions read together cost one commit, and a session's outcome shares it with its next
 * intent. An intent resolves once committed: no SMTP transaction starts before its intent is on disk. An outcome is
 * committed at the end of the turn its reply was read in; a kill before then leaves the message in 'sending', found
 * uncertain by the next run, as a kill between a reply and its own commit would. A database another process keeps
 * locked past the busy timeout is waited out, however long: the writes pending then include messages the server
 * accepted, which giving up would leave uncertain, for a person to decide. Nothing new is sent meanwhile, since no
 * intent commits.
 */
class QueueWriter {
  readonly #db: Db;
  readonly #onError: (error: unknown) => void;
  readonly #onBusy: (waiting: { outcomes: number; delayMs: number }) => void;
  #writes: QueueWrite[] = [];
  #intents: { index: number; resolve: (isTaken: boolean) => void; reject: (error: unknown) => void }[] = [];
  #isScheduled = false;
  #draining: Promise<void> | null = null;

  constructor(
    db: Db,
    onError: (error: unknown) => void,
    onBusy: (waiting: { outcomes: number; delayMs: number }) => void,
  ) {
    this.#db = db;
    this.#onError = onError;
    this.#onBusy = onBusy;
  }

  /** Whether the last try met a locked database and the writer waits to try again. */
  isWaiting = false;

  /** Outcomes (and undone intents) written but not yet committed. */
  get pendingOutcomes(): number {
    return this.#writes.filter((write) => write.kind === 'outcome' || write.kind === 'restore').length;
  }

  /** Commits the intent to send a message; false if the row is no longer due (another run took it). */
  sending(messageId: number, now: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#intents.push({ index: this.#writes.length, resolve, reject });
      this.#writes.push({ kind: 'sending', messageId, now });
      this.#schedule();
    });
  }

  /** Records an outcome, committed at the end of this turn of the event loop. */
  outcome(messageId: number, outcome: MessageOutcome, now: number): void {
    this.#writes.push({ kind: 'outcome', messageId, outcome, now });
    this.#schedule();
  }

  /** Undoes a committed intent whose transaction never began, committed at the end of this turn of the event loop. */
  restore(message: QueuedMessage, now: number): void {
    this.#writes.push({ kind: 'restore', message, now });
    this.#schedule();
  }

  /** Moves a message's next attempt to its domain's rate slot, committed with the next writes. */
  postpone(messageId: number, at: number): void {
    this.#writes.push({ kind: 'postpone', messageId, at });
    this.#schedule();
  }

  /** Commits what is pending, and what is written meanwhile, waiting out a database another process keeps locked. */
  commit(): Promise<void> {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = null;
      // Written after the last try and before this: no turn of the event loop was asked to commit it.
      if (this.#writes.length > 0) this.#schedule();
    });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    for (let delayMs = BUSY_RETRY_FIRST_MS; this.#writes.length > 0; ) {
      try {
        this.#flush();
        this.isWaiting = false;
      } catch (error) {
        if (!isDatabaseBusy(error)) throw error;
        this.isWaiting = true;
        this.#onBusy({ outcomes: this.pendingOutcomes, delayMs });
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, BUSY_RETRY_MAX_MS);
      }
    }
  }

  /**
   * Commits what is pending now. On a busy database it all stays pending, for the next try; on any other error it is
   * dropped, the intents waiting on it rejected, and the run stops.
   */
  #flush(): void {
    let results: boolean[];
    const intents = this.#intents;
    try {
      results = writeQueue(this.#db, this.#writes);
    } catch (error) {
      if (isDatabaseBusy(error)) throw error;
      this.#writes = [];
      this.#intents = [];
      for (const intent of intents) intent.reject(error);
      throw error;
    }
    this.#writes = [];
    this.#intents = [];
    for (const intent of intents) intent.resolve(results[intent.index] ?? false);
  }

  #schedule(): void {
    if (this.#isScheduled || this.#draining !== null) return;
    this.#isScheduled = true;
    setImmediate(() => {
      this.#isScheduled = false;
      this.commit().catch((error: unknown) => {
        this.#onError(error);
      });
    });
  }
}

/** The state of one run. */
interface Run {
  db: Db;
  writer: QueueWriter;
  context: MailContext;
  /** The server with its password read; null on a dry run, which opens no session. */
  smtp: SmtpLogin | null;
  prepared: PreparedMessage;
  /** Null without a DKIM key in the config. */
  sign: DkimSigner | null;
  options: SendOptions;
  retry: { baseMs: number; maxAttemptsPerRun: number };
  progress: SendProgress;
  failures: SendFailure[];
  expired: number;
  /** Messages this run will come back to, by id: a per-domain rate slot or a backoff time. */
  waiting: Map<number, number>;
  /** Messages holding a per-domain slot: when due, they go without asking the domain's rate again. */
  reserved: Set<number>;
  /** The last deferral that left a retry for this run, and the retry time last told to onRetryWait. */
  lastDeferral: { replyCode: number | null; reply: string } | null;
  toldRetryAt: number;
  /** Attempts made this run, by message id (only messages attempted more than once are kept). */
  attempts: Map<number, number>;
  /** Next free slot of each recipient domain. */
  domainNext: Map<string, number>;
  connectionFailures: number;
  stopped: SendReport['stopped'];
  fatal: Text | null;
  /** An unexpected error in one session stops the others; it is thrown once they are done. */
  error: Error | undefined;
}

/** The server a sending run logs in to; a dry run never asks. */
function smtpOf(run: Run): SmtpLogin {
  if (run.smtp === null) throw new Error('A dry run opened an SMTP session');
  return run.smtp;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

function isStopping(run: Run): boolean {
  return run.options.signal?.aborted === true || run.stopped !== null || run.fatal !== null || run.error !== undefined;
}

function listFailure(run: Run, failure: SendFailure): void {
  if (run.failures.length < MAX_LISTED) run.failures.push(failure);
}

function failureOf(message: QueuedMessage, outcome: { replyCode: number | null; reply: string }) {
  return { recipientId: message.recipientId, email: message.email, replyCode: outcome.replyCode, reply: outcome.reply };
}

function rowOf(run: Run, message: { recipientId: number }): RowLocation {
  return { file: run.context.config.recipients, line: message.recipientId };
}

/**
 * Records an SMTP outcome for a message marked sending at `sentAt`, and schedules its retry within the run. A deferral
 * past the queue lifetime, counted from the message's first attempt, fails it with the reply as the evidence.
 */
function settle(run: Run, message: QueuedMessage, sentAt: number, outcome: Outcome): void {
  const now = Date.now();
  const { config } = run.context;
  if (outcome.kind === 'stop') {
    // Nothing of the message reached the server, and the refusal is not the recipient's: as it was before this
    // run, to go with the next one once the config is fixed.
    run.writer.restore(message, now);
    run.fatal ??= outcome.text;
    return;
  }
  if (outcome.isConnectionFailure) run.connectionFailures++;
  else run.connectionFailures = 0;
  if (run.connectionFailures >= Math.max(MAX_CONNECTION_FAILURES_MIN, config.smtp.pool * 2))
    run.stopped ??= {
      reason: 'unreachable',
      message: `Cannot reach "${config.smtp.host}:${config.smtp.port}": ${outcome.reply}`,
      server: `${config.smtp.host}:${config.smtp.port}`,
      reply: outcome.reply,
    };
  const isExpired =
    outcome.kind === 'deferred' && now - (message.firstAttemptAt ?? sentAt) >= config.maxQueueLifetimeMs;
  if (outcome.kind !== 'deferred' || isExpired) {
    const state = outcome.kind === 'deferred' ? 'failed' : outcome.kind;
    run.writer.outcome(message.id, { state, replyCode: outcome.replyCode, reply: outcome.reply, isExpired }, now);
    run.attempts.delete(message.id);
    run.progress[state]++;
    run.progress.done++;
    if (isExpired) run.expired++;
    if (state !== 'sent') listFailure(run, { ...failureOf(message, outcome), state, expired: isExpired });
    return;
  }
  const made = (run.attempts.get(message.id) ?? 0) + 1;
  const nextAttemptAt = now + run.retry.baseMs * 2 ** (made - 1);
  run.writer.outcome(message.id, { state: 'deferred', ...outcome, nextAttemptAt }, now);
  if (made < run.retry.maxAttemptsPerRun) {
    run.attempts.set(message.id, made);
    run.waiting.set(message.id, nextAttemptAt);
    run.lastDeferral = { replyCode: outcome.replyCode, reply: outcome.reply };
    return;
  }
  run.attempts.delete(message.id);
  run.progress.deferred++;
  run.progress.done++;
  listFailure(run, { ...failureOf(message, outcome), state: 'deferred', expired: false });
}

/**
 * Tells onRetryWait that the run idles until retries, once per retry time: a run whose every message was deferred
 * otherwise says nothing for minutes. Messages waiting only for their domain's rate slot are not retries.
 */
function tellRetryWait(run: Run): void {
  const { onRetryWait } = run.options;
  if (onRetryWait === undefined || run.lastDeferral === null) return;
  let messages = 0;
  let until = Infinity;
  for (const [id, at] of run.waiting)
    if (!run.reserved.has(id)) {
      messages++;
      until = Math.min(until, at);
    }
  if (messages === 0 || until === run.toldRetryAt) return;
  run.toldRetryAt = until;
  onRetryWait({ messages, until, ...run.lastDeferral });
}

/** Waits for `ms` unless the run is interrupted first. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(Math.max(0, ms), undefined, signal === undefined ? {} : { signal });
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
  run.writer.postpone(message.id, at);
  run.waiting.set(message.id, at);
  run.reserved.add(message.id);
  return false;
}

/**
 * Hands out due messages to the sessions, one at a time, within the global and per-domain rates and --limit: pages
 * through the due messages in id order, and once they are all out, waits for those in flight (they may come back
 * deferred) and for backoff times, until nothing is left to try this run.
 */
class Scheduler {
  readonly #run: Run;
  readonly #total: number;
  readonly #limiter: RateLimiter;
  #batch: QueuedMessage[] = [];
  #index = 0;
  #cursor = 0;
  /** Messages handed out this run. */
  readonly #started = new Set<number>();
  /** Messages handed out and not settled yet. */
  readonly #outstanding = new Set<number>();
  /** Sessions ask one after the other: the choice of a message reads and writes shared state across awaits. */
  #queue: Promise<unknown> = Promise.resolve();
  #wake: () => void = () => undefined;
  #woken: Promise<void>;

  constructor(run: Run, total: number) {
    this.#run = run;
    this.#total = total;
    this.#limiter = new RateLimiter(run.context.config.smtp.ratePerSecond);
    this.#woken = new Promise((resolve) => (this.#wake = resolve));
    run.options.signal?.addEventListener(
      'abort',
      () => {
        this.#signal();
      },
      { once: true },
    );
  }

  /** The next message to send, or null when the run is over or stopping. */
  next(): Promise<QueuedMessage | null> {
    const chosen = this.#queue.then(() => this.#choose());
    this.#queue = chosen.catch(() => undefined);
    return chosen;
  }

  /** A handed-out message was settled, or not sent after all: it may be due again, or the run may be over. */
  release(id: number): void {
    this.#outstanding.delete(id);
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#woken = new Promise((resolve) => (this.#wake = resolve));
    wake();
  }

  async #choose(): Promise<QueuedMessage | null> {
    const run = this.#run;
    const { signal } = run.options;
    for (;;) {
      if (isStopping(run)) return null;
      if (this.#index >= this.#batch.length) {
        // The due query must see every outcome recorded so far (a deferral moves a message's next attempt).
        await run.writer.commit();
        this.#batch = dueMessages(run.db, run.context.campaignId, Date.now(), {
          limit: DUE_BATCH,
          retryUncertain: run.options.retryUncertain ?? false,
          afterId: this.#cursor,
        });
        this.#index = 0;
        if (this.#batch.length === 0) {
          if (run.waiting.size === 0) {
            if (this.#outstanding.size === 0) return null;
            // A message still in flight may come back deferred: wait for it before deciding the run is over.
            await this.#woken;
          } else {
            // Everything left waits for a rate slot or a backoff: sleep until the first, then read from the top again.
            let first = Infinity;
            for (const at of run.waiting.values()) first = Math.min(first, at);
            // With messages in flight the run is still sending, and those may join the wait: told once idle.
            if (this.#outstanding.size === 0) tellRetryWait(run);
            // Woken first (an outcome, the run stopping), the sleep is cut: its timer would hold the process up to
            // the longest backoff after the run has reported.
            const woken = new AbortController();
            const sleeping = signal === undefined ? woken.signal : AbortSignal.any([signal, woken.signal]);
            await Promise.race([this.#woken, pause(first - Date.now(), sleeping)]);
            woken.abort();
            const now = Date.now();
            for (const [id, at] of run.waiting) if (at <= now) run.waiting.delete(id);
          }
          this.#cursor = 0;
          continue;
        }
      }
      const message = this.#batch[this.#index++];
      if (message === undefined) continue;
      this.#cursor = message.id;
      const { id } = message;
      // A message waiting for its slot or backoff, in flight, or out of attempts for this run is not due for it.
      if (run.waiting.has(id) || this.#outstanding.has(id) || (this.#started.has(id) && !run.attempts.has(id)))
        continue;
      if (!this.#started.has(id) && this.#started.size >= this.#total) continue;
      if (!takeDomainSlot(run, message, Date.now())) continue;
      for (let wait = this.#limiter.take(); wait > 0 && !isStopping(run); wait = this.#limiter.take())
        await pause(wait, signal);
      if (isStopping(run)) return null;
      this.#started.add(id);
      this.#outstanding.add(id);
      return message;
    }
  }
}

/** A message built and signed, or the reason its row cannot make one. */
interface ReadyMessage {
  message: QueuedMessage;
  mail: { envelope: { from: string; to: string }; bytes: Buffer } | { error: InputError };
}

/** Builds and signs one recipient's message; a row that cannot be rendered is that row's failure, not the run's. */
async function prepareMail(run: Run, message: QueuedMessage, testTo?: string): Promise<ReadyMessage['mail']> {
  let built;
  try {
    built = buildMessage(run.prepared, message, rowOf(run, message), {
      now: Date.now(),
      ...(testTo === undefined ? {} : { testTo }),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { error };
  }
  const signature = run.sign === null ? null : await run.sign(built.headers, built.bodyHash);
  return { envelope: built.envelope, bytes: messageBytes(built, signature) };
}

async function takeReady(run: Run, scheduler: Scheduler): Promise<ReadyMessage | null> {
  const message = await scheduler.next();
  return message === null ? null : { message, mail: await prepareMail(run, message) };
}

/**
 * One session's work: take a message, commit its intent, send it, commit its outcome. The next message is built and
 * signed while the current one is on the wire, so the connection seldom waits for the CPU.
 */
async function runSession(run: Run, scheduler: Scheduler, session: SmtpSession): Promise<void> {
  let ready = await takeReady(run, scheduler);
  while (ready !== null) {
    const { message, mail } = ready;
    const sentAt = Date.now();
    if (isStopping(run) || !(await run.writer.sending(message.id, sentAt))) {
      scheduler.release(message.id);
      ready = isStopping(run) ? null : await takeReady(run, scheduler);
      continue;
    }
    if ('error' in mail) {
      // A field that cannot be rendered (a line break in the subject) is this row's fault: fail it, send the rest.
      settle(run, message, sentAt, {
        kind: 'failed',
        replyCode: null,
        reply: mail.error.message,
        isConnectionFailure: false,
      });
      scheduler.release(message.id);
      run.options.onProgress?.(run.progress);
      ready = await takeReady(run, scheduler);
      continue;
    }
    const delivered = session.send(mail.envelope, mail.bytes).then((result) => {
      settle(run, message, sentAt, classifyResult(result));
      scheduler.release(message.id);
      run.options.onProgress?.(run.progress);
    });
    const following = takeReady(run, scheduler);
    // Both are awaited below; until then a failure of one must not count as unhandled.
    following.catch(() => undefined);
    await delivered;
    ready = await following;
  }
}

/** What an SMTP session of the run hears of it: the interrupt, and the trace under --verbose. */
function sessionOptions({ signal, trace }: SendOptions): { signal?: AbortSignal; trace?: Trace } {
  return { ...(signal === undefined ? {} : { signal }), ...(trace === undefined ? {} : { trace }) };
}

/** Sends every due message through `pool` SMTP sessions, within the global and per-domain rates. */
async function sendAll(run: Run, total: number): Promise<void> {
  const scheduler = new Scheduler(run, total);
  const sessions = Array.from(
    { length: run.context.config.smtp.pool },
    () => new SmtpSession(smtpOf(run), sessionOptions(run.options)),
  );
  try {
    await Promise.all(
      sessions.map((session) =>
        runSession(run, scheduler, session).catch((error: unknown) => {
          run.error ??= asError(error);
          scheduler.release(0);
        }),
      ),
    );
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    if (run.error === undefined) await run.writer.commit();
  }
  if (run.error !== undefined) throw run.error;
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
        buildMessage(run.prepared, message, rowOf(run, message), { now: Date.now() });
        rendered++;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        renderErrors++;
        listFailure(run, {
          ...failureOf(message, { replyCode: null, reply: error.message }),
          state: 'failed',
          expired: false,
        });
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
  const session = new SmtpSession(smtpOf(run), sessionOptions(run.options));
  const results: TestSend[] = [];
  try {
    for (const message of messages) {
      if (isStopping(run)) break;
      const base = { recipientId: message.recipientId, email: message.email, to: testTo };
      // A fresh Message-ID: the stored one belongs to the real message, which must not look like a resend.
      const mail = await prepareMail(
        run,
        { ...message, messageId: newMessageId(run.context.config.messageIdDomain) },
        testTo,
      );
      if ('error' in mail) {
        results.push({ ...base, accepted: false, replyCode: null, reply: mail.error.message });
        continue;
      }
      const outcome = classifyResult(await session.send(mail.envelope, mail.bytes));
      // A refused session, login or certificate concerns every message: it stops the test as it stops a run.
      if (outcome.kind === 'stop') {
        run.fatal ??= outcome.text;
        break;
      }
      results.push({
        ...base,
        accepted: outcome.kind === 'sent',
        replyCode: outcome.replyCode,
        reply: outcome.reply,
      });
    }
  } finally {
    await session.close();
  }
  return results;
}

/**
 * Runs a campaign: enqueues the recipients file (streamed, idempotent), then sends every due message through the
 * organisation's SMTP server. Each message's intent (sending) is committed before its SMTP transaction and its
 * outcome after, so a run killed at any point resumes without losing or repeating a message; rows caught in flight
 * become uncertain and go again only with `retryUncertain`, as do messages whose connection was lost after the end
 * of DATA. 4xx replies and dropped connections are retried within the run (DEFAULT_RETRY), and failed once they
 * outlive the campaign's queue lifetime; 5xx replies are recorded as failed with the server's reply. Messages are
 * built at send time from the stored fields, so memory stays flat with the number of recipients.
 */
export async function sendCampaign(options: SendOptions): Promise<SendReport> {
  const started = Date.now();
  const { db, config } = options;
  const name = options.campaign ?? campaignNameOf(config.file);
  const mode: SendReport['mode'] = options.dryRun === true ? 'dry-run' : options.testTo === undefined ? 'send' : 'test';
  // Before anything changes in the queue: a password that cannot be read stops the run with nothing done.
  const smtp = mode === 'dry-run' ? null : readSmtpPassword(config.smtp, config.file, CAMPAIGN_CONFIG);
  openCampaign(db, name, started);
  const campaign = findCampaign(db, name);
  if (campaign === undefined) throw new Error(`Campaign "${name}" vanished after being created`);
  const isSending = mode === 'send';
  if (isSending && !acquireRunLock(db, campaign.id, process.pid, isProcessAlive))
    throw new InputError(
      {
        en: `Cannot run campaign "${name}": another "facteur send run" is sending it`,
        fr: `Impossible de lancer la campagne « ${name} » : un autre « facteur send run » est en train de l’envoyer`,
      },
      {},
      'ELOCKED',
    );
  const runId = isSending ? beginSendRun(db, campaign.id, currentOwner(), started) : null;
  try {
    const foundUncertain = isSending ? markInterrupted(db, campaign.id, started) : 0;
    await enqueueRecipients(db, campaign, config);
    const expiredAtStart = isSending
      ? expireDeferred(db, campaign.id, started - config.maxQueueLifetimeMs, started)
      : 0;
    if (isSending) resetSchedule(db, campaign.id);
    const context = loadMailContext(config, campaign.id, campaign.verpKey);
    const counts = countByState(db, campaign.id);
    const due = counts.pending + counts.deferred + (options.retryUncertain === true ? counts.uncertain : 0);
    const total = Math.min(due, options.limit ?? (mode === 'test' ? 1 : Infinity));
    const run: Run = {
      db,
      writer: new QueueWriter(
        db,
        (error) => {
          run.error ??= asError(error);
        },
        ({ outcomes, delayMs }) => {
          options.onNotice?.(busyNotice(db.name, outcomes, delayMs));
        },
      ),
      context,
      smtp,
      prepared: prepareMessage(context),
      sign: config.dkim === null || mode === 'dry-run' ? null : createDkimSigner(config.dkim),
      options,
      retry: options.retry ?? DEFAULT_RETRY,
      progress: { total, done: 0, sent: 0, deferred: 0, failed: 0, uncertain: 0 },
      failures: [],
      expired: expiredAtStart,
      waiting: new Map(),
      reserved: new Set(),
      lastDeferral: null,
      toldRetryAt: 0,
      attempts: new Map(),
      domainNext: new Map(),
      connectionFailures: 0,
      stopped: null,
      fatal: null,
      error: undefined,
    };
    options.signal?.addEventListener('abort', () => {
      if (run.writer.isWaiting) options.onNotice?.(interruptedWhileWaiting(run.writer.pendingOutcomes));
    });
    let rendered = { rendered: 0, renderErrors: 0 };
    let tests: TestSend[] = [];
    if (mode === 'dry-run') rendered = renderAll(run, total);
    else if (mode === 'test') tests = await sendTests(run, options.testTo ?? '', total);
    else if (total > 0) await sendAll(run, total);
    if (run.fatal !== null)
      throw new InputError(
        {
          en: `Cannot send campaign "${name}" through "${config.smtp.host}": ${run.fatal.en}`,
          fr: `Impossible d’envoyer la campagne « ${name} » par « ${config.smtp.host} » : ${run.fatal.fr}`,
        },
        {},
        'ECONFIG',
      );
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
      expired: run.expired,
      run: { ...run.progress, ...rendered },
      counts: countByState(db, campaign.id),
      failures: run.failures,
      tests,
      interrupted: options.signal?.aborted === true,
      stopped: run.stopped,
      elapsedMs: Date.now() - started,
    };
  } finally {
    if (runId !== null) finishSendRun(db, runId, Date.now());
    if (isSending) releaseRunLock(db, campaign.id, process.pid);
  }
}
