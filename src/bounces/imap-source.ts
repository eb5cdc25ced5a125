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
  type RefusedFolder,
  type SettleOutcome,
} from './bounce-mailbox.js';
import type { ImapConfig } from './fetch-config.js';
import type { Text } from '../i18n.js';
import type { Trace } from '../trace.js';
import { imapTraceLogger } from './imap-trace-logger.js';
import { tlsCertificateProblem } from '../tls-certificate-problem.js';

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

/**
 * The error for a server whose certificate failed verification: the settings must change, so it is a config error
 * (exit 2) saying what to do, never a "rerun later". Null for any other failure.
 */
export function certificateFailure(error: unknown, config: Pick<ImapConfig, 'host' | 'port'>): InputError | null {
  const certificate = tlsCertificateProblem(error, {
    host: 'bounces.imap.host',
    rejectUnauthorized: 'bounces.imap.tlsRejectUnauthorized',
  });
  if (certificate === null) return null;
  const { problem, detail, advice } = certificate;
  const server = `${config.host}:${config.port}`;
  return new InputError(
    {
      en: `Cannot open a verified TLS connection to IMAP server "${server}": ${problem.en} (${detail}); ${advice.en}`,
      fr: `Impossible d’ouvrir une connexion TLS vérifiée vers le serveur IMAP « ${server} » : ${problem.fr} (${detail}) ; ${advice.fr}`,
    },
    { setting: 'bounces.imap' },
    'ECONFIG',
  );
}

/** The server answered NO or BAD (RFC 3501 §7.1): a refusal, not a lost connection. */
function isServerRefusal(error: unknown): boolean {
  const status = (error as { responseStatus?: unknown }).responseStatus;
  return status === 'NO' || status === 'BAD';
}

/** The server's own text of a refusal, without the timing Dovecot appends ("(0.001 + 0.000 secs)."). */
function serverWords(error: unknown): string {
  const said = (error as { responseText?: unknown }).responseText;
  if (typeof said !== 'string' || said === '') return (error as Error).message;
  return said.replace(/\s*\([\d.]+(?: \+ [\d.]+)* secs\)\.?$/, '');
}

/** Folders named when the configured one does not exist: enough to spot a typo, not a page of a large account. */
const MAX_FOLDERS_NAMED = 12;

/** Options of the IMAP source beyond the config (tests and the benchmark shrink the batches). */
export interface ImapSourceOptions {
  batchSize?: number;
  /** Hears each command and response (`--verbose`), LOGIN and AUTHENTICATE arguments redacted, no message. */
  trace?: Trace;
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
    // imapflow logs every command when given a logger, the password in LOGIN among them: only --verbose gives one,
    // which redacts it.
    logger: options.trace === undefined ? false : imapTraceLogger(options.trace, [config.password]),
    disableAutoIdle: true,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  // Without a listener, a socket error would be thrown from an event emitter and end the process; the command in
  // flight rejects with it, except a certificate refused after STARTTLS, for which connect() only sees the close.
  let socketError: unknown = null;
  client.on('error', (error: unknown) => {
    socketError = error;
  });
  let uidValidity = 0;
  const usable: Record<Disposition, string | null> = { done: config.doneFolder, odd: config.oddFolder };

  /**
   * Why SELECT of the folder failed, for people: a folder that does not exist is named with the ones that do (a
   * typo, or "Bounces" under "INBOX."); another refusal (RFC 3501 §7.1 NO or BAD) with the server's words. A
   * connection lost meanwhile is no config error and goes on as it came.
   */
  async function folderRefusal(error: unknown): Promise<unknown> {
    if (!isServerRefusal(error)) return error;
    const folders = await client.list().then(
      (boxes) => boxes.map((box) => box.path),
      () => null,
    );
    const where = `IMAP folder "${config.folder}" on "${config.host}"`;
    const whereFr = `le dossier IMAP « ${config.folder} » sur « ${config.host} »`;
    let text: Text;
    if (folders !== null && !folders.includes(config.folder)) {
      const shown = folders.slice(0, MAX_FOLDERS_NAMED);
      const more = folders.length - shown.length;
      const list = shown.map((path) => `"${path}"`).join(', ') + (more > 0 ? ` (+${more})` : '');
      const listFr = shown.map((path) => `« ${path} »`).join(', ') + (more > 0 ? ` (+${more})` : '');
      text = {
        en: `Cannot open ${where}: it does not exist; the account's folders are ${list}`,
        fr: `Impossible d’ouvrir ${whereFr} : il n’existe pas ; les dossiers du compte sont ${listFr}`,
      };
    } else {
      const detail = serverWords(error);
      text = {
        en: `Cannot open ${where}: the server refused: ${detail}`,
        fr: `Impossible d’ouvrir ${whereFr} : le serveur a refusé : ${detail}`,
      };
    }
    return new InputError(text, { setting: 'bounces.imap.folder' }, 'ECONFIG');
  }

  async function ensureFolder(disposition: Disposition, refused: RefusedFolder[]): Promise<void> {
    const path = usable[disposition];
    if (path === null) return;
    const existing = await client.list();
    if (existing.some((box) => box.path === path)) return;
    try {
      await client.mailboxCreate(path);
    } catch (error) {
      // A server that refuses the folder (a name it forbids, quota, ACL) still lets us flag: messages stay put,
      // marked, and the report says so, since the folder was asked for.
      if (!isServerRefusal(error)) throw error;
      usable[disposition] = null;
      refused.push({ folder: path, keyword: KEYWORDS[disposition], reason: serverWords(error) });
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
            { setting: 'bounces.imap' },
            'ECONFIG',
          );
        // NXDOMAIN is a name to correct, not an outage (a DNS server that does not answer gives EAI_AGAIN).
        if ((error as { code?: unknown }).code === 'ENOTFOUND')
          throw new InputError(
            {
              en: `Cannot reach IMAP server "${config.host}": no such host; check "bounces.imap.host"`,
              fr: `Impossible de joindre le serveur IMAP « ${config.host} » : cet hôte n’existe pas ; vérifiez « bounces.imap.host »`,
            },
            { setting: 'bounces.imap.host' },
            'ECONFIG',
          );
        throw certificateFailure(error, config) ?? certificateFailure(socketError, config) ?? error;
      }
      let box;
      try {
        box = await client.mailboxOpen(config.folder);
      } catch (error) {
        throw await folderRefusal(error);
      }
      uidValidity = Number(box.uidValidity);
      const refusedFolders: RefusedFolder[] = [];
      await ensureFolder('done', refusedFolders);
      await ensureFolder('odd', refusedFolders);
      // mailboxOpen() left the folder selected only if list/create did not reselect: make sure it is selected.
      if (client.mailbox === false || client.mailbox.path !== config.folder) await client.mailboxOpen(config.folder);
      return { uidValidity, total: box.exists, refusedFolders };
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
        else {
          outcome.failed += uids.length;
          outcome.failure ??=
            folder === null
              ? {
                  en: `the server would not flag them ${KEYWORDS[disposition]}`,
                  fr: `le serveur n’a pas voulu les marquer ${KEYWORDS[disposition]}`,
                }
              : {
                  en: `the server would neither move them to "${folder}" nor flag them ${KEYWORDS[disposition]}`,
                  fr: `le serveur n’a voulu ni les déplacer dans « ${folder} » ni les marquer ${KEYWORDS[disposition]}`,
                };
        }
      }
      return outcome;
    },

    async close(): Promise<void> {
      if (client.usable) await client.logout();
      else client.close();
    },
  };
}
