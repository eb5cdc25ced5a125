/** What stands in a traced line for a credential. */
export const REDACTED = '<redacted>';

/** Redacts credentials from the lines of one SMTP or IMAP connection, in the order they were sent and received. */
export interface AuthRedactor {
  /** A line the client sent. */
  client(line: string): string;
  /** A line the server sent. */
  server(line: string): string;
  /** Any other line about the connection (the library's own notes): secrets removed. */
  note(line: string): string;
}

/** SMTP `AUTH mechanism [initial-response]` (RFC 4954 4). */
const SMTP_AUTH = /^(AUTH\s+\S+)(\s+\S.*)?$/i;
/** IMAP `tag AUTHENTICATE mechanism [initial-response]` (RFC 3501 6.2.2, RFC 4959). */
const IMAP_AUTHENTICATE = /^(\S+\s+AUTHENTICATE\s+\S+)(\s+\S.*)?$/i;
/** IMAP `tag LOGIN user password` (RFC 3501 6.2.3): both arguments go, the user name with the password. */
const IMAP_LOGIN = /^(\S+\s+LOGIN)\s+\S.*$/i;
/** The server asks for the next SASL step: SMTP 334 (RFC 4954 4), IMAP continuation "+" (RFC 3501 7.5). */
const SASL_CHALLENGE = /^(334(?:[ -]|$)|\+(?:\s|$))/;

/**
 * Tracks one connection's SASL exchange so that every client line of it is redacted, whatever the mechanism (PLAIN,
 * LOGIN, CRAM-MD5 encode user and password in base64), and removes each secret and its base64 form from any line
 * besides, in case a library or a server echoes one where no rule expects it. nodemailer and imapflow already hide
 * passwords in their logs; this does not rely on it.
 */
export function createAuthRedactor(secrets: readonly (string | null | undefined)[]): AuthRedactor {
  const forms = secrets
    .filter((secret): secret is string => secret !== null && secret !== undefined && secret !== '')
    .flatMap((secret) => [secret, Buffer.from(secret, 'utf8').toString('base64')]);
  const hide = (line: string): string => forms.reduce((text, form) => text.split(form).join(REDACTED), line);
  let isInSasl = false;
  return {
    client(line) {
      if (isInSasl) return REDACTED;
      const auth = SMTP_AUTH.exec(line) ?? IMAP_AUTHENTICATE.exec(line);
      if (auth !== null) {
        isInSasl = true;
        return hide(auth[2] === undefined ? line : `${auth[1] ?? ''} ${REDACTED}`);
      }
      const login = IMAP_LOGIN.exec(line);
      if (login !== null) return `${login[1] ?? ''} ${REDACTED}`;
      return hide(line);
    },
    server(line) {
      if (isInSasl && !SASL_CHALLENGE.test(line)) isInSasl = false;
      return hide(line);
    },
    note: hide,
  };
}
