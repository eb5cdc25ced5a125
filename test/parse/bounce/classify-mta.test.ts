import { describe, expect, it } from 'vitest';
import { mtaReaderFor } from '../../../src/parse/bounce/classify-mta.js';
import { parseHeaderBlock } from '../../../src/parse/bounce/mime.js';

const MCAFEE =
  'From: <MAILER-DAEMON@smtp.example.net>\nX-NAI-Header: Modified by McAfee Email and Web Security Appliance';
const MESSAGELABS = 'From: MAILER-DAEMON@messagelabs.com\nSubject: Mail Delivery Failure';
const GSUITE = 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nX-Gm-Message-State: ALKqPwd';
const SES = 'From: MAILER-DAEMON@amazonses.com\nX-SES-Outgoing: 2024.01.01-192.0.2.1';
const FACEBOOK = 'From: Facebook <mailer-daemon@mx.facebook.com>';
const YAHOO = 'From: MAILER-DAEMON@yahoo.com\nX-YMailISG: abc';

describe('mtaReaderFor()', () => {
  const cases: {
    name: string;
    headers: string;
    diagnostic: string;
    context?: string;
    reason: string | null;
    command?: string | null;
  }[] = [
    {
      name: "reads McAfee's unknown user",
      headers: MCAFEE,
      diagnostic: '(Unknown user jane@example.net)',
      reason: 'userunknown',
    },
    {
      name: "reads MessageLabs' 542",
      headers: MESSAGELABS,
      diagnostic: '542 jane@example.net Rejected',
      reason: 'userunknown',
    },
    {
      name: "reads MessageLabs' no such user",
      headers: MESSAGELABS,
      diagnostic: '550 jane@example.net... No such user',
      reason: 'userunknown',
    },
    {
      name: "reads Google Workspace's prose around the remote reply",
      headers: GSUITE,
      diagnostic: '550 <jane@example.net>: User unknown',
      context:
        "Your message wasn't delivered to jane@example.net because the address couldn't be found. Check for typos or unnecessary spaces and try again.",
      reason: 'userunknown',
    },
    {
      name: "reads Amazon SES inbound's missing receipt rule as a filter",
      headers: SES,
      diagnostic: '550 5.1.1 Mailbox does not exist',
      reason: 'filtered',
    },
    {
      name: "reads Facebook's RCP-P2 code",
      headers: FACEBOOK,
      diagnostic: '550 5.1.1 RCP-P2 Refused due to recipient preferences',
      reason: 'filtered',
    },
    {
      name: "reads Facebook's RCP-P1 code",
      headers: FACEBOOK,
      diagnostic: '550 5.1.1 RCP-P1 Recipient address does not exist',
      reason: 'userunknown',
    },
    {
      name: 'takes an angle-bracketed address in a Yahoo reply for RCPT',
      headers: YAHOO,
      diagnostic: '550: <jane@example.net>: User unknown',
      reason: null,
      command: 'RCPT',
    },
    {
      name: 'leaves a wording it does not know to the generic rules',
      headers: MCAFEE,
      diagnostic: '552 Mailbox full',
      reason: null,
    },
  ];
  for (const c of cases)
    it(`mtaReaderFor() ${c.name}`, () => {
      const read = mtaReaderFor(parseHeaderBlock(c.headers));
      expect(read).not.toBeNull();
      const reading = read?.(c.diagnostic, c.context ?? '');
      expect(reading).toEqual({ reason: c.reason, smtpCommand: c.command ?? null });
    });

  it('mtaReaderFor() recognises no MTA from ordinary headers', () => {
    expect(mtaReaderFor(parseHeaderBlock('From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail'))).toBeNull();
  });
});
