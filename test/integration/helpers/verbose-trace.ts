import { expect } from 'vitest';

/** A password no protocol line, no base64 of it and no SASL blob holding it may show. */
export const SECRET = 'Zq9-verbose-Secret-7x';

/** The password as it would leak: plain, in base64 alone (AUTH LOGIN) and inside SASL PLAIN blobs. */
function leakedForms(user: string, password: string): string[] {
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return [password, base64(password), base64(`\0${user}\0${password}`), base64(`${user}\0${user}\0${password}`)];
}

/** Asserts that `text` holds none of the forms in which `password` would leak. */
export function expectNoSecret(text: string, user: string, password: string): void {
  for (const form of leakedForms(user, password)) expect(text).not.toContain(form);
}

/** Lines of the --verbose trace of one protocol (English prefix: the CLI runs under LANG=C). */
export function traced(stderr: string, protocol: 'dns' | 'smtp' | 'imap'): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(`facteur: ${protocol} `));
}
