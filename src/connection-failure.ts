import type { Text } from './i18n.js';

/** What a lost or refused connection means, by the code Node (E*) or imapflow gives it. */
const CONNECTION_FAILURES: [RegExp, Text][] = [
  [
    /^(?:NoConnection|EConnectionClosed|ClosedAfterConnect(?:Text|TLS)|ECONNRESET|EPIPE)$/,
    { en: 'the server closed the connection', fr: 'le serveur a fermé la connexion' },
  ],
  [/^ECONNREFUSED$/, { en: 'the server refused the connection', fr: 'le serveur a refusé la connexion' }],
  [
    /^(?:ETIMEOUT|ETIMEDOUT|CONNECT_TIMEOUT|GREETING_TIMEOUT|UPGRADE_TIMEOUT)$/,
    { en: 'the server stopped answering', fr: 'le serveur a cessé de répondre' },
  ],
  [
    /^(?:EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/,
    { en: 'the server cannot be reached', fr: 'le serveur est injoignable' },
  ],
];

/** The words for a connection failure's code, or undefined for a code that is not one. */
export function connectionFailureWords(code: string): Text | undefined {
  return CONNECTION_FAILURES.find(([pattern]) => pattern.test(code))?.[1];
}

/**
 * A socket's error as a reason inside a technical detail: English keeps Node's own message, whose wording earlier
 * reports and scripts know (`connect ECONNREFUSED 127.0.0.1:25`); French says a known code in words, the code after
 * them, and keeps any other message as it is.
 */
export function socketErrorReason(error: unknown): Text {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const words = typeof code === 'string' ? connectionFailureWords(code) : undefined;
  return { en: message, fr: words === undefined ? message : `${words.fr} (${String(code)})` };
}
