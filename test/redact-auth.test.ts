import { describe, expect, it } from 'vitest';
import { createAuthRedactor, REDACTED } from '../src/redact-auth.js';

const PASSWORD = 'Zq9-unit-Secret';
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Feeds a session's lines in order ("C: " client, "S: " server) and returns them as the trace shows them. */
function redactSession(lines: readonly string[], secrets: readonly (string | null)[] = [PASSWORD]): string[] {
  const redactor = createAuthRedactor(secrets);
  return lines.map((line) =>
    line.startsWith('C: ') ? `C: ${redactor.client(line.slice(3))}` : `S: ${redactor.server(line.slice(3))}`,
  );
}

describe('createAuthRedactor()', () => {
  it.each([
    {
      name: 'SMTP AUTH PLAIN with an initial response',
      lines: [
        `C: AUTH PLAIN ${base64(`\0u\0${PASSWORD}`)}`,
        'S: 235 2.7.0 Authentication successful',
        'C: MAIL FROM:<a@b>',
      ],
      expected: [`C: AUTH PLAIN ${REDACTED}`, 'S: 235 2.7.0 Authentication successful', 'C: MAIL FROM:<a@b>'],
    },
    {
      name: 'SMTP AUTH PLAIN without an initial response',
      lines: ['C: AUTH PLAIN', 'S: 334 ', `C: ${base64(`\0u\0${PASSWORD}`)}`, 'S: 235 ok', 'C: QUIT'],
      expected: ['C: AUTH PLAIN', 'S: 334 ', `C: ${REDACTED}`, 'S: 235 ok', 'C: QUIT'],
    },
    {
      name: 'SMTP AUTH LOGIN: the user and the password lines',
      lines: [
        'C: AUTH LOGIN',
        'S: 334 VXNlcm5hbWU6',
        `C: ${base64('u')}`,
        'S: 334 UGFzc3dvcmQ6',
        `C: ${base64(PASSWORD)}`,
        'S: 235 ok',
        'C: RSET',
      ],
      expected: [
        'C: AUTH LOGIN',
        'S: 334 VXNlcm5hbWU6',
        `C: ${REDACTED}`,
        'S: 334 UGFzc3dvcmQ6',
        `C: ${REDACTED}`,
        'S: 235 ok',
        'C: RSET',
      ],
    },
    {
      name: 'SMTP AUTH CRAM-MD5 and a refused login',
      lines: ['C: auth cram-md5', 'S: 334 PDEyMzQ+', `C: ${base64('u 0123abcd')}`, 'S: 535 5.7.8 refused', 'C: QUIT'],
      expected: ['C: auth cram-md5', 'S: 334 PDEyMzQ+', `C: ${REDACTED}`, 'S: 535 5.7.8 refused', 'C: QUIT'],
    },
    {
      name: 'IMAP AUTHENTICATE PLAIN after a continuation',
      lines: [
        'C: 2 AUTHENTICATE PLAIN',
        'S: +',
        `C: ${base64(`\0u\0${PASSWORD}`)}`,
        'S: 2 OK Logged in',
        'C: 3 SELECT INBOX',
      ],
      expected: ['C: 2 AUTHENTICATE PLAIN', 'S: +', `C: ${REDACTED}`, 'S: 2 OK Logged in', 'C: 3 SELECT INBOX'],
    },
    {
      name: 'IMAP AUTHENTICATE with SASL-IR',
      lines: [`C: A1 AUTHENTICATE PLAIN ${base64(`\0u\0${PASSWORD}`)}`, 'S: A1 OK Logged in'],
      expected: [`C: A1 AUTHENTICATE PLAIN ${REDACTED}`, 'S: A1 OK Logged in'],
    },
    {
      name: 'IMAP LOGIN: user and password',
      lines: [`C: 2 LOGIN "bounces@example.org" "${PASSWORD}"`, 'S: 2 OK Logged in', 'C: 3 LOGOUT'],
      expected: [`C: 2 LOGIN ${REDACTED}`, 'S: 2 OK Logged in', 'C: 3 LOGOUT'],
    },
  ])('createAuthRedactor() redacts $name', ({ lines, expected }) => {
    expect(redactSession(lines)).toEqual(expected);
  });

  it('createAuthRedactor() removes the password and its base64 form wherever else they appear', () => {
    const redactor = createAuthRedactor([PASSWORD]);
    expect(redactor.client(`XCLIENT ${PASSWORD}`)).toBe(`XCLIENT ${REDACTED}`);
    expect(redactor.server(`250 echo ${base64(PASSWORD)}`)).toBe(`250 echo ${REDACTED}`);
    expect(redactor.note(`User failed with ${PASSWORD}`)).toBe(`User failed with ${REDACTED}`);
  });

  it('createAuthRedactor() leaves commands alone when there is no password', () => {
    expect(redactSession(['C: EHLO host', 'S: 250 ok', 'C: MAIL FROM:<a@b>'], [null, ''])).toEqual([
      'C: EHLO host',
      'S: 250 ok',
      'C: MAIL FROM:<a@b>',
    ]);
  });
});
