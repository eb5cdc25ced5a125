import type { Text } from '../i18n.js';

/** One message as a source hands it to the fetch loop. */
export interface MailboxMessage {
  /** Stable within the source: `<uidvalidity>:<uid>`, a Maildir unique name, an mbox content hash, a spool file name. */
  key: string;
  /** The message bytes (cut at MAX_MESSAGE_BYTES); null when the source skipped reading a message the store knows. */
  raw: Buffer | null;
  /** The size in the mailbox, when the source knows it and it is more than `raw` holds. */
  size: number | null;
  /** When the mailbox received it (IMAP INTERNALDATE, Maildir delivery time), Unix ms; null when unknown. */
  receivedAt: number | null;
  /** The list a Sympa bounce spool file was addressed to (its `X-Sympa-To` pseudo-header). */
  list: string | null;
  /** The source's own handle to put the message away: an IMAP UID, a file path; null for a read-only source. */
  ref: number | string | null;
  /**
   * Why a file of the source could not be read (no permission): it is neither recorded nor put away, and named in the
   * report, so that one file the user must fix neither stops the source nor goes unnoticed.
   */
  readError?: unknown;
}

/** Where a message goes once its record is committed: recorded bounces to "done", anything else aside to "odd". */
export type Disposition = 'done' | 'odd';

/** What happened when messages were put away: moved to a folder, flagged in place, or left (read-only source). */
export interface SettleOutcome {
  moved: number;
  flagged: number;
  left: number;
  /** Recorded, but neither moved nor flagged: they stay where they are and the next run tries again. */
  failed: number;
  /** Why the first of the failed ones could not be put away. */
  failure?: Text;
}

/** A mailbox opened for reading. */
export interface MailboxState {
  /** The IMAP folder's UIDVALIDITY (RFC 3501 §2.3.1.1), null for other sources. */
  uidValidity: number | null;
  /** How many messages there are to go through, when known in advance (for progress). */
  total: number | null;
  /** Folders the server would not create: their messages are flagged in place with `keyword` instead of moved. */
  refusedFolders?: RefusedFolder[];
}

/** A done or odd folder the server refused to create, and its words for why. */
export interface RefusedFolder {
  folder: string;
  keyword: string;
  reason: string;
}

/**
 * A source of bounces: an IMAP folder, a Maildir, an mbox file, a Sympa bounce spool. The fetch loop records each
 * message of a batch, commits, and only then asks the source to settle (move or flag) that batch.
 */
export interface BounceMailbox {
  /** The source's name in the store, e.g. `imap://bounces@mail.example.org:993/INBOX`; never holds a secret. */
  readonly name: string;
  open(): Promise<MailboxState>;
  /**
   * Yields messages in batches. `isKnown(key)` lets a source skip downloading a message the store already holds (it
   * is still yielded, with `raw: null`, so the loop can finish putting it away).
   */
  batches(isKnown: (key: string) => boolean): AsyncIterable<MailboxMessage[]>;
  settle(items: readonly { message: MailboxMessage; disposition: Disposition }[]): Promise<SettleOutcome>;
  close(): Promise<void>;
}

/**
 * Bytes of one message read at most. Postfix's default message_size_limit is 10 MB and large providers stop at
 * 25-50 MB; past 32 MiB the message is cut (the DSN parts come first, and the parser reads only the first 4 MiB).
 */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Messages per batch: one commit each, then one move per folder for the batch, which keeps IMAP round trips low. */
export const BATCH_SIZE = 100;

/** Adds two settle outcomes, keeping the first failure's reason. */
export function addOutcome(a: SettleOutcome, b: SettleOutcome): SettleOutcome {
  const failure = a.failure ?? b.failure;
  return {
    moved: a.moved + b.moved,
    flagged: a.flagged + b.flagged,
    left: a.left + b.left,
    failed: a.failed + b.failed,
    ...(failure === undefined ? {} : { failure }),
  };
}

/** An outcome with nothing in it. */
export function emptyOutcome(): SettleOutcome {
  return { moved: 0, flagged: 0, left: 0, failed: 0 };
}
