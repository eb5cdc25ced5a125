import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import {
  BATCH_SIZE,
  MAX_MESSAGE_BYTES,
  type BounceMailbox,
  type MailboxMessage,
  type MailboxState,
  type SettleOutcome,
} from './bounce-mailbox.js';
import { unreadableFile } from '../file-failure.js';

/**
 * Header fields a mail client rewrites in place in an mbox (mutt, Thunderbird, Dovecot's mbox driver): left out of
 * the key, so a message read before and after its client marked it read is still the same message.
 */
const VOLATILE_FIELDS =
  /^(status|x-status|x-keywords|x-uid|x-imapbase|x-imap|x-mozilla-status2?|content-length|lines):/i;

/** Bytes of a header block taken into the key: real headers are < 16 KiB; a hostile block is cut, still hashed. */
const MAX_KEY_HEADER_BYTES = 256 * 1024;

/** One message as the splitter assembles it. */
class MboxMessage {
  readonly chunks: Buffer[] = [];
  stored = 0;
  size = 0;
  inHeaders = true;
  headerBytes = 0;
  readonly hash: Hash = createHash('sha256');
  receivedAt: number | null;

  constructor(fromLine: string) {
    // "From sender Mon Nov 23 14:00:00 2026" (asctime after the envelope sender): the delivery time.
    const date = Date.parse(fromLine.replace(/^From \S+\s+/, ''));
    this.receivedAt = Number.isNaN(date) ? null : date;
  }

  add(line: Buffer): void {
    this.size += line.length;
    if (this.stored < MAX_MESSAGE_BYTES) {
      const part = line.subarray(0, MAX_MESSAGE_BYTES - this.stored);
      this.chunks.push(part);
      this.stored += part.length;
    }
    if (this.inHeaders) {
      if (line.length <= 2 && (line[0] === 0x0a || (line[0] === 0x0d && line[1] === 0x0a))) this.inHeaders = false;
      else if (this.headerBytes < MAX_KEY_HEADER_BYTES) {
        this.headerBytes += line.length;
        // Continuation lines of a volatile field are rare (these fields are one token); they are kept in the key.
        if (VOLATILE_FIELDS.test(line.subarray(0, 40).toString('latin1'))) return;
      }
    }
    this.hash.update(line);
  }
}

/** mboxrd (and mboxo): a body line "From " was written as ">From ", ">From " as ">>From "; undo one level. */
function unescapeFromLine(line: Buffer): Buffer {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++;
  if (i > 0 && line.subarray(i, i + 5).toString('latin1') === 'From ') return line.subarray(1);
  return line;
}

/**
 * How long an mbox must have gone unwritten for a last message without its closing empty line to be taken as whole:
 * a delivery writes a message in well under a second, so a minute of quiet means no writer is in the middle of one.
 */
const QUIET_MS = 60_000;

/**
 * Splits an mbox into messages as a stream (RFC 4155: a message starts at a "From " line at the start of the file or
 * after an empty line), never holding more than one message (cut at MAX_MESSAGE_BYTES) in memory.
 * Every mbox writer ends a message with an empty line (Postfix local(8), Exim's appendfile, Dovecot, procmail): a final
 * message without it may still be being written, cut at any line by the reader, so it is left for the next run, unless
 * the file has not changed for QUIET_MS (a message cut for good, or a file assembled by hand).
 */
async function* readMbox(path: string): AsyncGenerator<{ message: MboxMessage; complete: boolean }> {
  // Held in an object: the line handler below replaces them, which flow analysis cannot see through a closure.
  const state: { current: MboxMessage | null; pendingBlank: Buffer | null } = { current: null, pendingBlank: null };
  let previousBlank = true;
  let carry: Buffer = Buffer.alloc(0);
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const takeLine = function* (line: Buffer): Generator<{ message: MboxMessage; complete: boolean }> {
    const isFrom = previousBlank && line.subarray(0, 5).toString('latin1') === 'From ';
    if (isFrom) {
      // The empty line before "From " separates messages; it is not part of the message before.
      if (state.current !== null) yield { message: state.current, complete: true };
      state.current = new MboxMessage(line.toString('latin1').trimEnd());
      state.pendingBlank = null;
      previousBlank = false;
      return;
    }
    const blank = line.length <= 2 && (line[0] === 0x0a || (line[0] === 0x0d && line[1] === 0x0a));
    const current = state.current;
    if (current === null && !blank)
      throw new InputError(
        {
          en: `Cannot read mbox "${path}": it does not start with a "From " line (RFC 4155)`,
          fr: `Impossible de lire le fichier mbox « ${path} » : il ne commence pas par une ligne « From » (RFC 4155)`,
        },
        { file: path, line: 1 },
      );
    if (current !== null) {
      if (state.pendingBlank !== null) current.add(state.pendingBlank);
      state.pendingBlank = null;
      if (blank) state.pendingBlank = line;
      else current.add(unescapeFromLine(line));
    }
    previousBlank = blank;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      yield* takeLine(data.subarray(start, nl + 1));
      start = nl + 1;
    }
    data = data.subarray(start);
    // A line longer than a message may hold is hostile; hand it over in pieces rather than grow without bound.
    if (data.length > MAX_MESSAGE_BYTES) {
      yield* takeLine(data);
      data = Buffer.alloc(0);
    }
    carry = Buffer.from(data);
  }
  const last = state.current;
  if (last !== null) {
    const isClosed = carry.length === 0 && state.pendingBlank !== null;
    if (carry.length > 0) last.add(carry);
    yield { message: last, complete: isClosed || Date.now() - (await stat(path)).mtimeMs > QUIET_MS };
  }
}

/**
 * An mbox file, read as a stream and never written: facteur records what it read, keyed by a hash of each message
 * (without the status fields mail clients rewrite), so a rerun reads the file again and records only what is new.
 */
export function openMboxSource(file: string, options: { batchSize?: number } = {}): BounceMailbox {
  const path = resolve(file);
  const batchSize = options.batchSize ?? BATCH_SIZE;

  return {
    name: `mbox:${path}`,

    async open(): Promise<MailboxState> {
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        throw unreadableFile({ en: 'mbox', fr: 'le fichier mbox' }, path, error);
      }
      if (!info.isFile())
        throw new InputError(
          {
            en: `Cannot read mbox "${path}": it is not a file`,
            fr: `Impossible de lire le fichier mbox « ${path} » : ce n’est pas un fichier`,
          },
          { file: path },
        );
      return { uidValidity: null, total: null };
    },

    async *batches(isKnown: (key: string) => boolean): AsyncIterable<MailboxMessage[]> {
      let batch: MailboxMessage[] = [];
      for await (const { message, complete } of readMbox(path)) {
        if (!complete) break;
        const key = `sha256:${message.hash.digest('hex')}`;
        const known = isKnown(key);
        batch.push({
          key,
          raw: known ? null : Buffer.concat(message.chunks),
          size: message.size,
          receivedAt: message.receivedAt,
          list: null,
          ref: null,
        });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },

    settle(items): Promise<SettleOutcome> {
      return Promise.resolve({ moved: 0, flagged: 0, left: items.length, failed: 0 });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
