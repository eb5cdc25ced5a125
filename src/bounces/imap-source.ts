import { ImapFlow } from 'imapflow';
import { InputError } from '../errors.js';
import {
  BATCH_SIZE,
  MAX_MESSAGE_BYTES,
  emptyOutcome,
  type BounceMailbox,
  type Disposition,
  type MailboxMessage,
  type MailboxState,
  type SettleOutcome,
} from './bounce-mailbox.js';
import type { ImapConfig } from './fetch-config.js';

/**
 * Keywords set when a message cannot be moved (no folder configured, or the server refuses to create one). RFC 3501
 * §2.3.2 keywords need no server setup; a `$` prefix is the usual mark of a client's own keyword.
 */
const KEYWORDS: Record<Disposition, string> = { done: '$FacteurDone', odd: '$FacteurOdd' };

/** Bytes fetched per batch at most, so that a run of large messages cannot hold hundreds of MiB at once. */
const MAX_BATCH_BYTES = 64 * 1024 * 1024;

/** A connection that has gone quiet this long is dead: Dovecot answers a FETCH of a batch in well under a minute. */
const SOCKET_TIMEOUT_MS = 120_000;

/** imapflow's error for a refused login (RFC 3501 §6.2.3 NO to LOGIN/AUTHENTICATE). */
function isAuthFailure(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { authenticationFailed?: unknown }).authenticationFailed === true
  );
}

/** Options of the IMAP source beyond the config (tests and the benchmark shrink the batches). */
export interface ImapSourceOptions {
  batchSize?: number;
}

/** The source name in the store: server, account and folder, never the password. */
export function imapSourceName(config: ImapConfig): string {
  return `imap://${encodeURIComponent(config.user)}@${config.host}:${config.port}/${encodeURIComponent(config.folder)}`;
}

/**
 * An IMAP folder read with imapflow. Keys are `<uidvalidity>:<uid>`; recorded messages are moved with UID MOVE
 * (RFC 6851; imapflow falls back to COPY + EXPUNGE) to the done or odd folder, or flagged in place when a folder
 * is not configured or cannot be created.
 */
export function openImapSource(config: ImapConfig, options: ImapSourceOptions = {}): BounceMailbox {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const client = new ImapFlow({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    doSTARTTLS: config.security === 'starttls' ? true : config.security === 'none' ? false : undefined,
    auth: { user: config.user, pass: config.password },
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    // imapflow logs every command when given a logger; the password is in LOGIN, so it gets none.
    logger: false,
    disableAutoIdle: true,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  // Without a listener, a socket error would be thrown from an event emitter and end the process; the command in
  // flight rejects with it anyway, and that is where it is handled.
  client.on('error', () => undefined);
  let uidValidity = 0;
  const usable: Record<Disposition, string | null> = { done: config.doneFolder, odd: config.oddFolder };

  async function ensureFolder(disposition: Disposition): Promise<void> {
    const path = usable[disposition];
    if (path === null) return;
    const existing = await client.list();
    if (existing.some((box) => box.path === path)) return;
    try {
      await client.mailboxCreate(path);
    } catch {
      // A server that refuses the folder (quota, ACL) still lets us flag: messages stay put, marked.
      usable[disposition] = null;
    }
  }

  return {
    name: imapSourceName(config),

    async open(): Promise<MailboxState> {
      try {
        await client.connect();
      } catch (error) {
        if (isAuthFailure(error))
          throw new InputError(
            {
              en: `Cannot log in to IMAP server "${config.host}" as "${config.user}": the server refused the credentials`,
              fr: `Impossible de se connecter au serveur IMAP « ${config.host} » en tant que « ${config.user} » : le serveur a refusé les identifiants`,
            },
            { record: 'bounces.imap' },
            'ECONFIG',
          );
        throw error;
      }
      let box;
      try {
        box = await client.mailboxOpen(config.folder);
      } catch (error) {
        const detail = (error as Error).message;
        throw new InputError(
          {
            en: `Cannot open IMAP folder "${config.folder}" on "${config.host}": ${detail}`,
            fr: `Impossible d’ouvrir le dossier IMAP « ${config.folder} » sur « ${config.host} » : ${detail}`,
          },
          { record: 'bounces.imap.folder' },
          'ECONFIG',
        );
      }
      uidValidity = Number(box.uidValidity);
      await ensureFolder('done');
      await ensureFolder('odd');
      // mailboxOpen() left the folder selected only if list/create did not reselect: make sure it is selected.
      if (client.mailbox === false || client.mailbox.path !== config.folder) await client.mailboxOpen(config.folder);
      return { uidValidity, total: box.exists };
    },

    async *batches(isKnown: (key: string) => boolean): AsyncIterable<MailboxMessage[]> {
      const uids = (await client.search({ all: true }, { uid: true })) || [];
      uids.sort((a, b) => a - b);
      const keyOf = (uid: number): string => `${uidValidity}:${uid}`;
      const known = uids.filter((uid) => isKnown(keyOf(uid)));
      for (let i = 0; i < known.length; i += batchSize)
        yield known
          .slice(i, i + batchSize)
          .map((uid) => ({ key: keyOf(uid), raw: null, size: null, receivedAt: null, list: null, ref: uid }));
      const fresh = uids.filter((uid) => !isKnown(keyOf(uid)));
      for (let i = 0; i < fresh.length; ) {
        // Sizes first (cheap), so one batch never downloads more than MAX_BATCH_BYTES.
        const candidates = fresh.slice(i, i + batchSize);
        const sizes = new Map<number, number>();
        for (const m of await client.fetchAll(candidates, { uid: true, size: true }, { uid: true }))
          sizes.set(m.uid, m.size ?? 0);
        const chunk: number[] = [];
        let bytes = 0;
        for (const uid of candidates) {
          const size = Math.min(sizes.get(uid) ?? 0, MAX_MESSAGE_BYTES);
          if (chunk.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
          chunk.push(uid);
          bytes += size;
        }
        i += chunk.length;
        const fetched = await client.fetchAll(
          chunk,
          { uid: true, internalDate: true, source: { maxLength: MAX_MESSAGE_BYTES } },
          { uid: true },
        );
        // A message expunged by another client between SEARCH and FETCH is simply absent here.
        yield fetched
          .filter((m) => m.source !== undefined)
          .map((m) => ({
            key: keyOf(m.uid),
            raw: m.source ?? null,
            size: sizes.get(m.uid) ?? null,
            receivedAt: m.internalDate instanceof Date ? m.internalDate.getTime() : null,
            list: null,
            ref: m.uid,
          }));
      }
    },

    async settle(items): Promise<SettleOutcome> {
      const outcome = emptyOutcome();
      for (const disposition of ['done', 'odd'] as const) {
        const uids = items
          .filter((item) => item.disposition === disposition)
          .flatMap((item) => (typeof item.message.ref === 'number' ? [item.message.ref] : []));
        if (uids.length === 0) continue;
        const folder = usable[disposition];
        if (folder !== null) {
          const moved = await client.messageMove(uids, folder, { uid: true });
          if (moved !== false) {
            outcome.moved += uids.length;
            continue;
          }
        }
        if (await client.messageFlagsAdd(uids, ['\\Seen', KEYWORDS[disposition]], { uid: true }))
          outcome.flagged += uids.length;
        else outcome.failed += uids.length;
      }
      return outcome;
    },

    async close(): Promise<void> {
      if (client.usable) await client.logout();
      else client.close();
    },
  };
}
