import { createHash } from 'node:crypto';
import { connectionFailureWords } from '../connection-failure.js';
import { InputError } from '../errors.js';
import { fileErrorReason } from '../file-failure.js';
import { isProcessAlive } from '../is-process-alive.js';
import type { Text } from '../i18n.js';
import { parseBounce } from '../parse/bounce/parse-bounce.js';
import type { BounceRecipient, BounceReport } from '../parse/bounce/parse-bounce.js';
import { headerValue, parseHeaderBlock } from '../parse/bounce/mime.js';
import {
  acquireFetchLock,
  campaignVerpKeyLookup,
  findQueuedRecipient,
  isMessageKnown,
  openBounceSource,
  recordFetchedMessage,
  releaseFetchLock,
  setSourceUidValidity,
  summarizeBounceEvents,
  type BounceEventInput,
  type BounceSummary,
  type FetchedKind,
} from '../store/bounce-events.js';
import type { Db } from '../store/database.js';
import type { VerpKeyLookup } from '../parse/verp.js';
import {
  addOutcome,
  emptyOutcome,
  type BounceMailbox,
  type Disposition,
  type MailboxMessage,
  type RefusedFolder,
  type SettleOutcome,
} from './bounce-mailbox.js';

/** What one source gave in one run. */
export interface SourceReport {
  source: string;
  /** Messages looked at, including those a previous run had already recorded. */
  seen: number;
  /** Messages recorded for the first time in this run. */
  recorded: number;
  /** Messages a previous run had recorded but not yet put away (it died in between): put away now, not counted again. */
  alreadyRecorded: number;
  /** Messages set aside: no bounce, no recipient, or not parseable. */
  odd: number;
  /** Per-recipient events recorded. */
  events: number;
  /**
   * Messages recorded whose facteur VERP token (`bounces+…`) names a campaign this database does not hold, or fails
   * its key: recorded by address only, tied to no campaign (fetched into another database than the campaign's).
   */
  untiedVerp: number;
  settled: SettleOutcome;
  /** The stored UIDVALIDITY differed from the folder's: the folder was recreated, every UID is new. */
  uidValidityChanged: boolean;
  /** Done or odd folders the server would not create: their messages were flagged in place instead. */
  refusedFolders: RefusedFolder[];
  /** Files the source could not read (no permission): left in place, unrecorded, for the user to fix; then rerun. */
  unreadable: { file: string; reason: Text }[];
  /** Null when the source was read to its end; else why it stopped (the next run resumes safely), in English. */
  error: string | null;
  /** The same reason in English and French, for people. */
  errorText: Text | null;
}

/** The outcome of one `facteur bounces fetch` run. */
export interface FetchReport {
  sources: SourceReport[];
  /** The store's counts for the messages this run recorded. */
  summary: BounceSummary;
  /** Every source was read to its end. */
  complete: boolean;
  /** Stopped by a signal between two messages; what was recorded stays recorded. */
  interrupted: boolean;
}

/** How the loop is driven. */
export interface FetchOptions {
  /** Keep each message's raw bytes in the store. */
  keepRaw: boolean;
  /** The clock, Unix ms (tests pass a fixed one). */
  now?: () => number;
  /** Checked between batches: the current batch is committed and put away, then the run stops. */
  signal?: AbortSignal;
  onProgress?: (source: string, done: number, total: number | null) => void;
}

/** Bytes of the top header block read for Message-ID and Date: real bounces have < 16 KiB of headers. */
const MAX_TOP_HEADER_BYTES = 64 * 1024;

/** The top-level Message-ID and Date of a message, read from its first header block only. */
function topHeaders(raw: Buffer): { messageId: string | null; date: number | null } {
  const head = raw.subarray(0, MAX_TOP_HEADER_BYTES).toString('latin1').replace(/\r\n?/g, '\n');
  const end = head.indexOf('\n\n');
  const fields = parseHeaderBlock(end < 0 ? head : head.slice(0, end));
  const messageId = headerValue(fields, 'message-id')?.trim() ?? null;
  const dateText = headerValue(fields, 'date');
  const date = dateText === null ? NaN : Date.parse(dateText);
  return { messageId: messageId === '' ? null : messageId, date: Number.isNaN(date) ? null : date };
}

/** SHA-256 of the message bytes, hex: the second key that finds a message under a new UID. */
export function contentHash(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** The lowercased address, or null for an empty one. */
function lower(address: string | null | undefined): string | null {
  const value = address?.trim().toLowerCase();
  return value === undefined || value === '' ? null : value;
}

/** Turns one parsed recipient into a stored event, tying it to its campaign, list or survey through its VERP. */
function eventOf(
  db: Db,
  recipient: BounceRecipient,
  kind: BounceEventInput['kind'],
  occurredAt: number,
  spoolList: string | null,
): BounceEventInput {
  const address = lower(recipient.address) ?? '';
  const verp = recipient.verp;
  let subscribed = lower(recipient.originalRecipient) ?? address;
  let list = spoolList;
  let surveyId: string | null = null;
  let tokenId: string | null = null;
  let campaignId: number | null = null;
  let queueMessageId: number | null = null;
  if (verp?.scheme === 'facteur') {
    // The VERP's MAC was checked against this campaign's key, so the campaign exists; the queue row may be purged.
    campaignId = verp.campaign;
    const queued = findQueuedRecipient(db, verp.campaign, verp.recipientId);
    if (queued !== null) {
      queueMessageId = queued.queueMessageId;
      subscribed = lower(queued.email) ?? subscribed;
    }
  } else if (verp?.scheme === 'sympa') {
    subscribed = lower(verp.address) ?? subscribed;
    list = `${verp.list}@${verp.listDomain}`.toLowerCase();
  } else if (verp?.scheme === 'limesurvey') {
    surveyId = verp.surveyId;
    tokenId = verp.tokenId;
  }
  return {
    address,
    subscribedAddress: subscribed,
    kind,
    reason: recipient.reason,
    statusCode: recipient.status,
    hardbounce: recipient.hardbounce,
    permanent: recipient.permanent,
    diagnostic: recipient.diagnostic,
    campaignId,
    queueMessageId,
    list,
    surveyId,
    tokenId,
    occurredAt,
  };
}

/** Parses one message; a parser failure becomes kind "unparseable" with its reason, never a stopped run. */
function parseMessage(raw: Buffer, verpKeys: VerpKeyLookup): { report: BounceReport; error: string | null } {
  try {
    return { report: parseBounce(raw, { verpKeys }), error: null };
  } catch (error) {
    return { report: { kind: 'other', recipients: [] }, error: error instanceof Error ? error.message : String(error) };
  }
}

function dispositionOf(kind: FetchedKind, events: number): Disposition {
  return kind === 'other' || kind === 'unparseable' || events === 0 ? 'odd' : 'done';
}

/** Records one new message and its events in one transaction; returns where it goes next. */
function recordMessage(
  db: Db,
  sourceId: number,
  message: MailboxMessage & { raw: Buffer },
  hash: string,
  options: FetchOptions,
  now: number,
  verpKeys: VerpKeyLookup,
): { disposition: Disposition; events: number; isUntiedVerp: boolean } {
  // The parser asks for a campaign's key only for a well-formed facteur token: asked, yet tied to no campaign, the
  // token is of a campaign this database does not hold.
  const lookup = { isAsked: false };
  const { report, error } = parseMessage(message.raw, (campaign) => {
    lookup.isAsked = true;
    return verpKeys(campaign);
  });
  const headers = topHeaders(message.raw);
  const receivedAt = message.receivedAt ?? headers.date ?? now;
  // The mailbox's own receipt time is when the bounce happened; a sender's Date header is only a fallback.
  const occurredAt = message.receivedAt ?? headers.date ?? now;
  const kind: FetchedKind = error !== null ? 'unparseable' : report.kind;
  const events =
    report.kind === 'other' || error !== null
      ? []
      : report.recipients.map((r) => eventOf(db, r, report.kind as BounceEventInput['kind'], occurredAt, message.list));
  const truncated =
    message.size !== null && message.size > message.raw.length
      ? `message cut at ${message.raw.length} of ${message.size} bytes`
      : null;
  recordFetchedMessage(
    db,
    { id: sourceId },
    {
      key: message.key,
      contentHash: hash,
      headerMessageId: headers.messageId,
      kind,
      feedbackType: report.feedbackType ?? null,
      // Why a message is set aside: the parser's failure, its reason for calling the bytes no mail, or a cut.
      error: error ?? report.error ?? truncated,
      receivedAt,
      fetchedAt: now,
      raw: options.keepRaw ? message.raw : null,
    },
    events,
  );
  return {
    disposition: dispositionOf(kind, events.length),
    events: events.length,
    isUntiedVerp: lookup.isAsked && events.length > 0 && events.every((event) => event.campaignId === null),
  };
}

/**
 * A connection or I/O failure in the middle of a source, for people: the run stops that source, the next run
 * resumes. Known codes in words with the code after them; a file refused by the system as `fileErrorReason` says.
 */
export function describeFailure(error: unknown): Text {
  if (!(error instanceof Error)) return { en: String(error), fr: String(error) };
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return { en: error.message, fr: error.message };
  const words = connectionFailureWords(code);
  if (words !== undefined) return { en: `${words.en} (${code})`, fr: `${words.fr} (${code})` };
  if ('path' in error) return fileErrorReason(error);
  const message = error.message.includes(code) ? error.message : `${error.message} (${code})`;
  return { en: message, fr: message };
}

/** Reads one source to its end (or to a failure), recording then settling batch after batch. */
async function fetchSource(db: Db, mailbox: BounceMailbox, options: FetchOptions): Promise<SourceReport> {
  const now = options.now ?? Date.now;
  const source = openBounceSource(db, mailbox.name);
  const report: SourceReport = {
    source: mailbox.name,
    seen: 0,
    recorded: 0,
    alreadyRecorded: 0,
    odd: 0,
    events: 0,
    untiedVerp: 0,
    settled: emptyOutcome(),
    uidValidityChanged: false,
    refusedFolders: [],
    unreadable: [],
    error: null,
    errorText: null,
  };
  try {
    const state = await mailbox.open();
    report.refusedFolders = state.refusedFolders ?? [];
    if (state.uidValidity !== null && state.uidValidity !== source.uidValidity) {
      report.uidValidityChanged = source.uidValidity !== null;
      setSourceUidValidity(db, source.id, state.uidValidity);
    }
    const verpKeys = campaignVerpKeyLookup(db);
    const isKnown = (key: string): boolean => isMessageKnown(db, source.id, key) !== null;
    for await (const batch of mailbox.batches(isKnown)) {
      const settle: { message: MailboxMessage; disposition: Disposition }[] = [];
      for (const message of batch) {
        if (message.readError !== undefined) {
          const file = typeof message.ref === 'string' ? message.ref : message.key;
          report.unreadable.push({ file, reason: fileErrorReason(message.readError) });
          continue;
        }
        report.seen++;
        const hash = message.raw === null ? undefined : contentHash(message.raw);
        const known = isMessageKnown(db, source.id, message.key, hash);
        if (known !== null) {
          report.alreadyRecorded++;
          const disposition = dispositionOf(known.kind, known.events);
          if (disposition === 'odd') report.odd++;
          settle.push({ message, disposition });
          continue;
        }
        // A source skips reading only messages the store holds; one that vanished from the store meanwhile stays put.
        if (message.raw === null || hash === undefined) continue;
        const outcome = recordMessage(db, source.id, { ...message, raw: message.raw }, hash, options, now(), verpKeys);
        report.recorded++;
        report.events += outcome.events;
        if (outcome.isUntiedVerp) report.untiedVerp++;
        if (outcome.disposition === 'odd') report.odd++;
        settle.push({ message, disposition: outcome.disposition });
      }
      // Only now, with every record of the batch committed, may the messages leave the folder.
      report.settled = addOutcome(report.settled, await mailbox.settle(settle));
      options.onProgress?.(mailbox.name, report.seen, state.total);
      if (options.signal?.aborted === true) break;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    report.errorText = describeFailure(error);
    report.error = report.errorText.en;
  } finally {
    await mailbox.close().catch(() => undefined);
  }
  return report;
}

/**
 * Takes the fetch lock of every source before reading any, so that a run finding one busy changes nothing (exit 2);
 * returns the source ids locked.
 */
function lockSources(db: Db, mailboxes: readonly BounceMailbox[]): number[] {
  const locked: number[] = [];
  for (const mailbox of mailboxes) {
    const { id } = openBounceSource(db, mailbox.name);
    const holder = acquireFetchLock(db, id, process.pid, isProcessAlive);
    if (holder !== null) {
      for (const taken of locked) releaseFetchLock(db, taken, process.pid);
      throw new InputError(
        {
          en: `Cannot fetch bounces from "${mailbox.name}": another "facteur bounces fetch" (pid ${holder}) is reading it; let it finish, then rerun`,
          fr: `Impossible de relever les rebonds de « ${mailbox.name} » : un autre « facteur bounces fetch » (pid ${holder}) le lit ; laissez-le finir, puis relancez`,
        },
        {},
        'ELOCKED',
      );
    }
    if (!locked.includes(id)) locked.push(id);
  }
  return locked;
}

/**
 * Fetches every message of each source: parse, record (one transaction per message), then move or flag, in that
 * order, so a run killed at any point loses nothing and a rerun counts nothing twice. A source that fails midway is
 * reported and the others still run; an input or config error stops the run.
 */
export async function fetchBounces(
  db: Db,
  mailboxes: readonly BounceMailbox[],
  options: FetchOptions,
): Promise<FetchReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const locked = lockSources(db, mailboxes);
  const sources: SourceReport[] = [];
  try {
    for (const mailbox of mailboxes) {
      if (options.signal?.aborted === true) break;
      sources.push(await fetchSource(db, mailbox, options));
    }
  } finally {
    for (const id of locked) releaseFetchLock(db, id, process.pid);
  }
  const interrupted = options.signal?.aborted === true;
  const ids = sources.map((s) => openBounceSource(db, s.source).id);
  return {
    sources,
    summary: summarizeBounceEvents(db, { sourceIds: ids, fetchedSince: startedAt }),
    complete: !interrupted && sources.length === mailboxes.length && sources.every((s) => s.error === null),
    interrupted,
  };
}
