import { describe, expect, it } from 'vitest';
import { BOUNCE_LIMITS } from '../../../src/parse/bounce/limits.js';
import type { BounceReport } from '../../../src/parse/bounce/parse-bounce.js';
import { parseBounce } from '../../../src/parse/bounce/parse-bounce.js';

const KINDS = ['bounce', 'autoreply', 'feedback', 'delivered', 'other'];

/** What is wrong with a report: an unknown kind, too many recipients, an addressless one, an unbounded text. */
function problemsOf(report: BounceReport): string[] {
  const problems: string[] = [];
  if (!KINDS.includes(report.kind)) problems.push(`kind "${report.kind}"`);
  if (report.recipients.length > BOUNCE_LIMITS.MAX_RECIPIENTS) problems.push(`${report.recipients.length} recipients`);
  for (const r of report.recipients) {
    if (!r.address.includes('@')) problems.push(`address "${r.address}"`);
    if ((r.diagnostic ?? '').length > BOUNCE_LIMITS.MAX_DIAGNOSTIC_CHARS) problems.push(`diagnostic of ${r.address}`);
  }
  return problems;
}

const DSN = [
  'From: MAILER-DAEMON@mx.example.org',
  'Subject: Undelivered Mail Returned to Sender',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
  '',
  '--B',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'I could not deliver your message.',
  '',
  '--B',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.example.org',
  '',
  'Final-Recipient: rfc822; jane@example.net',
  'Action: failed',
  'Status: 5.1.1',
  'Diagnostic-Code: smtp; 550 5.1.1 <jane@example.net>: User unknown',
  '',
  '--B',
  'Content-Type: message/rfc822',
  '',
  'From: news@example.org',
  'To: jane@example.net',
  'Subject: News',
  '',
  'Hello',
  '--B--',
  '',
].join('\n');

const QMAIL = [
  'From: MAILER-DAEMON@mx.example.org',
  'To: owner@example.org',
  'Subject: failure notice',
  '',
  'Hi. This is the qmail-send program at mx.example.org.',
  "I'm afraid I wasn't able to deliver your message to the following addresses.",
  '',
  '<tom@example.net>:',
  'Remote host said: 550 5.1.1 <tom@example.net>... User unknown',
  '',
  '--- Below this line is a copy of the message.',
  '',
  'From: owner@example.org',
  '',
].join('\n');

const ARF = [
  'From: abuse@isp.example',
  'Content-Type: multipart/report; report-type=feedback-report; boundary="F"',
  '',
  '--F',
  'Content-Type: text/plain',
  '',
  'A complaint.',
  '--F',
  'Content-Type: message/feedback-report',
  '',
  'Feedback-Type: abuse',
  'Original-Rcpt-To: <ann@example.net>',
  '--F--',
  '',
].join('\n');

/** A small deterministic generator (xorshift32): the same "random" bytes on every run. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('parseBounce() truncated messages', () => {
  for (const [name, raw] of [
    ['a DSN', DSN],
    ['a qmail bounce', QMAIL],
    ['an ARF report', ARF],
  ] as const)
    it(`parseBounce() reads ${name} cut at any byte without throwing`, () => {
      for (let i = 0; i <= raw.length; i += 7) expect(problemsOf(parseBounce(raw.slice(0, i)))).toEqual([]);
    });

  it('parseBounce() still finds the recipient of a DSN cut inside its returned message', () => {
    const cut = DSN.slice(0, DSN.indexOf('Subject: News'));
    expect(parseBounce(cut).recipients.map((r) => [r.address, r.reason])).toEqual([
      ['jane@example.net', 'userunknown'],
    ]);
  });
});

describe('parseBounce() oversized messages', () => {
  it('parseBounce() reads the DSN of a 10 MB bounce and leaves the returned message unread past the limit', () => {
    const big = DSN.replace('Hello', 'A'.repeat(76).concat('\n').repeat(140_000));
    expect(big.length).toBeGreaterThan(10_000_000);
    const report = parseBounce(Buffer.from(big));
    expect(report.recipients.map((r) => r.address)).toEqual(['jane@example.net']);
  });

  it('parseBounce() bounds a million-recipient header', () => {
    const to = Array.from({ length: 1_000_000 }, (_, i) => `u${i}@example.net`).join(', ');
    const raw = QMAIL.replace('To: owner@example.org', `To: owner@example.org\nX-Failed-Recipients: ${to}`);
    const report = parseBounce(raw);
    expect(problemsOf(report)).toEqual([]);
  });

  it('parseBounce() bounds a DSN listing a hundred thousand recipients', () => {
    const groups = Array.from(
      { length: 100_000 },
      (_, i) => `Final-Recipient: rfc822; u${i}@example.net\nAction: failed\nStatus: 5.1.1\n`,
    ).join('\n');
    const raw = DSN.replace(/Final-Recipient:[\s\S]*?User unknown\n/, groups);
    const report = parseBounce(raw);
    expect(report.recipients).toHaveLength(BOUNCE_LIMITS.MAX_RECIPIENTS);
    expect(report.recipients[0]?.reason).toBe('userunknown');
  });

  it('parseBounce() reads a diagnostic that repeats a phrase opening in bounded time', () => {
    const raw = DSN.replace('<jane@example.net>: User unknown', 'mail from '.repeat(100_000));
    expect(problemsOf(parseBounce(raw))).toEqual([]);
  });

  it('parseBounce() reads a line of a megabyte without spaces in bounded time', () => {
    const raw = QMAIL.replace('User unknown', `User unknown ${'a'.repeat(1_000_000)}@${'b.'.repeat(100_000)}`);
    expect(problemsOf(parseBounce(raw))).toEqual([]);
  });
});

describe('parseBounce() broken MIME', () => {
  const cases: { name: string; raw: string; addresses: string[] }[] = [
    {
      name: 'a boundary that never appears',
      raw: DSN.replace('boundary="B"', 'boundary="elsewhere"'),
      addresses: ['jane@example.net'],
    },
    { name: 'no closing boundary', raw: DSN.replace('--B--', ''), addresses: ['jane@example.net'] },
    { name: 'an empty boundary', raw: DSN.replace('boundary="B"', 'boundary=""'), addresses: ['jane@example.net'] },
    {
      name: 'a multipart without boundary parameter',
      raw: DSN.replace('; boundary="B"', ''),
      addresses: ['jane@example.net'],
    },
    {
      name: 'multiparts nested ten thousand deep',
      raw:
        'From: MAILER-DAEMON@mx.example.org\n' +
        Array.from({ length: 10_000 }, (_, i) => `Content-Type: multipart/mixed; boundary="n${i}"\n\n--n${i}\n`).join(
          '',
        ),
      addresses: [],
    },
    {
      name: 'a message/rfc822 part that is not a message',
      raw: DSN.replace('From: news@example.org', '\x00\x01\x02 not a header'),
      addresses: ['jane@example.net'],
    },
    { name: 'random bytes', raw: noise(100_000, 42).toString('latin1'), addresses: [] },
  ];
  for (const c of cases)
    it(`parseBounce() survives ${c.name}`, () => {
      const report = parseBounce(Buffer.from(c.raw, 'latin1'));
      expect(problemsOf(report)).toEqual([]);
      expect(report.recipients.map((r) => r.address)).toEqual(c.addresses);
    });
});

describe('parseBounce() charsets and line endings', () => {
  const cases: { name: string; raw: Buffer }[] = [
    { name: 'an unknown charset', raw: Buffer.from(DSN.replace('charset=utf-8', 'charset=x-klingon')) },
    {
      name: 'Latin-1 bytes declared as UTF-8',
      raw: Buffer.from(DSN.replace('I could not', 'Je n\xe9tais pas'), 'latin1'),
    },
    {
      name: 'undeclared ISO-2022-JP escapes',
      raw: Buffer.from(DSN.replace('I could not', '\x1b$B%(%i!<\x1b(B'), 'latin1'),
    },
    {
      name: 'an encoded-word in an unknown charset',
      raw: Buffer.from(DSN.replace('Subject: Undelivered', 'Subject: =?x-unknown?B?//79?= Undelivered')),
    },
    {
      name: 'invalid base64',
      raw: Buffer.from(DSN.replace('charset=utf-8', 'charset=utf-8\nContent-Transfer-Encoding: base64')),
    },
    { name: 'CRLF line endings', raw: Buffer.from(DSN.replace(/\n/g, '\r\n')) },
    { name: 'CR-only line endings', raw: Buffer.from(DSN.replace(/\n/g, '\r')) },
  ];
  for (const c of cases)
    it(`parseBounce() reads a DSN with ${c.name}`, () => {
      const report = parseBounce(c.raw);
      expect(report.kind).toBe('bounce');
      expect(report.recipients.map((r) => [r.address, r.reason, r.status])).toEqual([
        ['jane@example.net', 'userunknown', '5.1.1'],
      ]);
    });

  it('parseBounce() reads a CR-only qmail bounce as its LF original', () => {
    expect(parseBounce(QMAIL.replace(/\n/g, '\r'))).toEqual(parseBounce(QMAIL));
  });
});

describe('parseBounce() unusable input', () => {
  it('parseBounce() answers "other" with the reason when the input is not a message at all', () => {
    const report = parseBounce(null as unknown as Buffer);
    expect(report).toMatchObject({ kind: 'other', recipients: [] });
    expect(report.error).toMatch(/^Cannot parse bounce: /);
  });

  it('parseBounce() answers "other" for an empty message, and says it is empty', () => {
    expect(parseBounce('')).toEqual({
      kind: 'other',
      recipients: [],
      error: 'Not a mail message: the file is empty',
      notMail: 'empty',
    });
  });
});
