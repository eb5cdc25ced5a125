import { describe, expect, it } from 'vitest';
import { parseBounce } from '../../../src/parse/bounce/parse-bounce.js';
import { decodeFacteurVerp } from '../../../src/parse/bounce/decode-verp.js';
import type { VerpKeyLookup } from '../../../src/parse/verp.js';
import { encodeVerp } from '../../../src/parse/verp.js';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);
const keys: VerpKeyLookup = (campaign) => (campaign === 12 ? KEY : null);
const token = `${encodeVerp({ campaign: 12, recipientId: 3456 }, KEY)}@bounces.example.org`;
const facteur = { scheme: 'facteur', campaign: 12, recipientId: 3456 };

/** A Postfix-style DSN; `envelope` holds the headers the receiving MTA added, `returnPath` the returned one's. */
const dsn = (options: { envelope?: string[]; returnPath?: string; recipient?: string }): string =>
  [
    'From: MAILER-DAEMON@mx.example.net',
    ...(options.envelope ?? ['To: news@example.org']),
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${options.recipient ?? 'jane@example.net'}`,
    'Action: failed',
    'Status: 5.1.1',
    '',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    `Return-Path: <${options.returnPath ?? 'news@example.org'}>`,
    'From: news@example.org',
    '',
    '--B--',
    '',
  ].join('\n');

/** Exim's plain bounce: the returned message is quoted inline, so its Return-Path is found in the text. */
const plain = [
  'From: Mail Delivery System <Mailer-Daemon@mx.example.net>',
  'To: news@example.org',
  'Subject: Mail delivery failed: returning message to sender',
  '',
  'This message was created automatically by mail delivery software.',
  '',
  'A message that you sent could not be delivered to one or more of its',
  'recipients. This is a permanent error. The following address(es) failed:',
  '',
  '  jane@example.net',
  '    SMTP error from remote mail server after RCPT TO:<jane@example.net>:',
  '    550 5.1.1 User unknown',
  '',
  '------ This is a copy of the message, including all the headers. ------',
  '',
  `Return-path: <${token}>`,
  'From: news@example.org',
  'Subject: News',
  '',
].join('\n');

describe('parseBounce() facteur VERP', () => {
  const cases = [
    { name: 'Delivered-To', raw: dsn({ envelope: [`Delivered-To: ${token}`, 'To: news@example.org'] }) },
    { name: 'X-Original-To', raw: dsn({ envelope: [`X-Original-To: ${token}`] }) },
    { name: 'To', raw: dsn({ envelope: [`To: <${token.toUpperCase()}>`] }) },
    { name: "the returned message's Return-Path", raw: dsn({ returnPath: token }) },
    { name: 'the Return-Path quoted in a plain bounce', raw: plain },
    { name: 'a recipient address', raw: dsn({ recipient: token }) },
  ];
  for (const c of cases)
    it(`parseBounce() decodes a token found in ${c.name}`, () => {
      const report = parseBounce(c.raw, { verpKeys: keys });
      expect(report.kind).toBe('bounce');
      expect(report.recipients.length).toBeGreaterThan(0);
      for (const recipient of report.recipients) expect(recipient.verp).toEqual(facteur);
    });

  it('parseBounce() leaves verp alone without keys', () => {
    const report = parseBounce(dsn({ envelope: [`Delivered-To: ${token}`] }));
    expect(report.recipients[0]?.verp).toBeNull();
  });

  it("parseBounce() ignores a token under another campaign's key", () => {
    const forged = `${encodeVerp({ campaign: 12, recipientId: 3456 }, OTHER_KEY)}@bounces.example.org`;
    const report = parseBounce(dsn({ envelope: [`Delivered-To: ${forged}`] }), { verpKeys: keys });
    expect(report.recipients[0]?.verp).toBeNull();
  });

  it('parseBounce() ignores a token of an unknown campaign', () => {
    const unknown = `${encodeVerp({ campaign: 99, recipientId: 1 }, KEY)}@bounces.example.org`;
    const report = parseBounce(dsn({ envelope: [`Delivered-To: ${unknown}`] }), { verpKeys: keys });
    expect(report.recipients[0]?.verp).toBeNull();
  });

  it("parseBounce() prefers facteur's token to a Sympa VERP", () => {
    const raw = dsn({
      envelope: [`Delivered-To: ${token}`, 'To: bounce+jane==a==example.net==news@lists.example.org'],
    });
    expect(parseBounce(raw, { verpKeys: keys }).recipients[0]?.verp).toEqual(facteur);
    expect(parseBounce(raw).recipients[0]?.verp).toMatchObject({ scheme: 'sympa', list: 'news' });
  });
});

describe('decodeFacteurVerp()', () => {
  const cases: { addresses: string[]; expected: unknown }[] = [
    { addresses: [token], expected: facteur },
    { addresses: ['news@example.org', `<${token}>`], expected: facteur },
    { addresses: [token.split('@')[0] ?? ''], expected: facteur },
    { addresses: ['bounces+notatoken@example.org'], expected: null },
    { addresses: ['jane@example.net'], expected: null },
    { addresses: [], expected: null },
  ];
  for (const c of cases)
    it(`decodeFacteurVerp() decodes ${JSON.stringify(c.addresses)}`, () => {
      expect(decodeFacteurVerp(c.addresses, keys)).toEqual(c.expected);
    });
});
