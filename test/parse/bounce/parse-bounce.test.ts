import { describe, expect, it } from 'vitest';
import { parseBounce } from '../../../src/parse/bounce/parse-bounce.js';
import { decodeSympaVerp } from '../../../src/parse/bounce/decode-verp.js';

const dsn = (recipientBlock: string, text = 'Delivery failed.'): string =>
  [
    'From: MAILER-DAEMON@mx.example.org',
    'To: bounce+jane==a==example.net==news@lists.example.org',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    text,
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    recipientBlock,
    '',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    'From: news@lists.example.org',
    'X-surveyid: 42',
    '',
    '--B--',
    '',
  ].join('\n');

describe('parseBounce() RFC 3464 DSNs', () => {
  const cases = [
    {
      name: 'Postfix unknown user',
      block:
        'Original-Recipient: rfc822;Jane@example.net\nFinal-Recipient: rfc822; jane@example.net\nAction: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 550 5.1.1 <jane@example.net>: Recipient address rejected: User unknown in local recipient table',
      reason: 'userunknown',
      hard: true,
    },
    {
      name: 'mailbox full under a generic 5.0.0',
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 552 mailbox full',
      reason: 'mailboxfull',
      hard: false,
    },
    {
      name: 'delayed delivery',
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: delayed\nStatus: 4.4.7\nDiagnostic-Code: smtp; 451 queue lifetime exceeded',
      reason: 'expired',
      hard: false,
    },
    {
      name: 'Facebook fields written before Final-Recipient',
      block:
        'Diagnostic-Code: SMTP; 550 5.1.1 RCP-P1 Recipient address does not exist\nStatus: 5.1.1\nFinal-Recipient: rfc822; bob@example.net\nAction: failed',
      reason: 'userunknown',
      hard: true,
    },
    {
      name: "PowerMTA's bounce category over a 5.2.1",
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.2.1\nDiagnostic-Code: smtp; 550 5.2.1 <bob@example.net>... User Unknown\nX-PowerMTA-BounceCategory: bad-mailbox',
      reason: 'userunknown',
      hard: true,
    },
    {
      name: 'the same 5.2.1 "User Unknown" without a category as a filter',
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.2.1\nDiagnostic-Code: smtp; 550 5.2.1 <bob@example.net>... User Unknown',
      reason: 'filtered',
      hard: false,
    },
    {
      name: "a generic Status 5.0.0 by the remote server's 5.1.1",
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown',
      reason: 'userunknown',
      hard: true,
    },
    {
      name: 'an X-Postfix diagnostic by its text, not its 5.6.0',
      block:
        'Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.6.0\nDiagnostic-Code: X-Postfix; host mta.example.com said: 554 5.6.0 This message has been scored as spam',
      reason: 'spamdetected',
      hard: false,
    },
  ];
  for (const c of cases)
    it(`parseBounce() classifies ${c.name}`, () => {
      const report = parseBounce(dsn(c.block));
      expect(report.kind).toBe('bounce');
      expect(report.recipients[0]?.reason).toBe(c.reason);
      expect(report.recipients[0]?.hardbounce).toBe(c.hard);
    });

  it('parseBounce() keeps Original-Recipient apart and decodes both VERPs', () => {
    const r = parseBounce(dsn(cases[0]?.block ?? '')).recipients[0];
    expect(r?.address).toBe('jane@example.net');
    expect(r?.originalRecipient).toBe('jane@example.net');
    expect(r?.status).toBe('5.1.1');
    expect(r?.permanent).toBe(true);
    expect(r?.remoteMta).toBe('mx.example.net');
    expect(r?.verp).toEqual({
      scheme: 'sympa',
      address: 'jane@example.net',
      list: 'news',
      listDomain: 'lists.example.org',
      kind: 'bounce',
    });
  });

  it("parseBounce() keeps each recipient's own line of an OpenSMTPD list", () => {
    const blocks =
      'Final-Recipient: rfc822; ann@example.net\nAction: failed\nStatus: 5.0.0\n\nFinal-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.0.0';
    const text =
      'ann@example.net: 550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown\nbob@example.net: 552 5.2.2 <bob@example.net>: Recipient address rejected: Mailbox full';
    const report = parseBounce(dsn(blocks, text));
    expect(report.recipients.map((r) => [r.address, r.reason, r.status])).toEqual([
      ['ann@example.net', 'userunknown', '5.1.1'],
      ['bob@example.net', 'mailboxfull', '5.2.2'],
    ]);
  });

  it('parseBounce() reads CRLF and CR-only line endings alike', () => {
    const lf = dsn(cases[0]?.block ?? '');
    expect(parseBounce(lf.replace(/\n/g, '\r\n'))).toEqual(parseBounce(lf));
    expect(parseBounce(lf.replace(/\n/g, '\r'))).toEqual(parseBounce(lf));
  });
});

describe('parseBounce() non-DSN MTA bounces', () => {
  const plain = (headers: string, body: string): string => `${headers}\n\n${body}\n`;
  const cases = [
    {
      name: 'qmail',
      raw: plain(
        'From: MAILER-DAEMON@mx.example.org\nTo: owner@example.org\nSubject: failure notice',
        "Hi. This is the qmail-send program at mx.example.org.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<tom@example.net>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 <tom@example.net>... User unknown (in reply to RCPT TO command)\n\n--- Below this line is a copy of the message.\n\nFrom: owner@example.org\nTo: tom@example.net",
      ),
      address: 'tom@example.net',
      reason: 'userunknown',
      status: '5.1.1',
    },
    {
      name: 'Exim with X-Failed-Recipients',
      raw: plain(
        'From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: owner@example.org\nX-Failed-Recipients: ann@example.net\nSubject: Mail delivery failed',
        'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  ann@example.net\n    SMTP error from remote mail server after RCPT TO:<ann@example.net>:\n    552 5.2.2 Mailbox full\n\n------ This is a copy of the message, including all the headers. ------\n',
      ),
      address: 'ann@example.net',
      reason: 'mailboxfull',
      status: '5.2.2',
    },
    {
      name: 'Gmail',
      raw: plain(
        'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: owner@example.org\nSubject: Delivery Status Notification (Failure)',
        'Delivery to the following recipient failed permanently:\n\n     lea@example.net\n\nTechnical details of permanent failure:\nThe error that the other server returned was:\n550 5.7.1 Client host rejected: blocked using zen.spamhaus.org\n\n----- Original message -----\n',
      ),
      address: 'lea@example.net',
      reason: 'blocked',
      status: '5.7.1',
    },
    {
      name: 'DragonFly Mail Agent',
      raw: plain(
        'From: MAILER-DAEMON@df.example.org\nTo: owner@example.org\nSubject: Mail delivery failed',
        'This is the DragonFly Mail Agent v0.13 at df.example.org.\n\nThere was an error delivering your mail to <neko@example.net>.\n\nCould not deliver for the last 432000 seconds. Giving up.\n\nMessage headers follow.\n\nTo: <neko@example.net>\nFrom: <owner@example.org>',
      ),
      address: 'neko@example.net',
      reason: 'expired',
      status: null,
    },
    {
      name: 'Verizon envelope summary',
      raw: plain(
        'From: post_master@vtext.example.com\nTo: owner@example.org\nSubject: Re:Test message',
        'Error: Invalid user address\n\nError message below:\n550 - Requested action not taken: no such user here\n\nMessage details:\n  Subject: Test message\n  MAIL FROM: owner@example.org\n  RCPT TO: 0123456789@vtext.example.com\n  From: editor@example.org\n  Size (in bytes): 222',
      ),
      address: '0123456789@vtext.example.com',
      reason: 'filtered',
      status: null,
    },
  ];
  for (const c of cases)
    it(`parseBounce() reads a ${c.name} bounce`, () => {
      const report = parseBounce(c.raw);
      expect(report.kind).toBe('bounce');
      expect(report.recipients.map((r) => r.address)).toEqual([c.address]);
      expect(report.recipients[0]?.reason).toBe(c.reason);
      expect(report.recipients[0]?.status).toBe(c.status);
    });
});

describe('parseBounce() Sendmail transcripts', () => {
  it('parseBounce() gives each recipient of a Sendmail transcript its own error line', () => {
    const raw = [
      'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
      'To: owner@example.org',
      'Subject: Returned mail: Host unknown',
      '',
      '   ----- Transcript of session follows -----',
      '554 <ann@example.edu>... Remote protocol error: Connection reset by peer',
      '550 example.net (smtp)... 550 Host unknown',
      '554 <bob@example.net>... 550 Host unknown (Authoritative answer from name server)',
      'While talking to mail.example.com:',
      '>>> QUIT',
      '',
      '   ----- Unsent message follows -----',
      'From: owner@example.org',
      '',
    ].join('\n');
    const report = parseBounce(raw);
    expect(report.recipients.map((r) => [r.address, r.reason, r.diagnostic])).toEqual([
      ['ann@example.edu', 'networkerror', '554 <ann@example.edu>... Remote protocol error: Connection reset by peer'],
      [
        'bob@example.net',
        'hostunknown',
        '554 <bob@example.net>... 550 Host unknown (Authoritative answer from name server)',
      ],
    ]);
  });
});

describe('parseBounce() Amazon SES notifications', () => {
  const sns = (json: string): string =>
    `From: no-reply@sns.amazonaws.com\nTo: owner@example.org\nSubject: AWS Notification Message\n\n${json}\n`;

  it('parseBounce() reads a bounce notification, line-wrapped by SNS', () => {
    const report = parseBounce(
      sns(
        '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"ivy@example.net","action":"failed","status":"5.1.1",\n "diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"source":"owner@example.org"}}',
      ),
    );
    expect(report.kind).toBe('bounce');
    expect(report.recipients[0]).toMatchObject({ address: 'ivy@example.net', status: '5.1.1', reason: 'userunknown' });
  });

  it('parseBounce() reads a complaint notification as feedback', () => {
    const report = parseBounce(
      sns(
        '{"Message":"{\\"notificationType\\":\\"Complaint\\",\\"complaint\\":{\\"complainedRecipients\\":[{\\"emailAddress\\":\\"ned@example.net\\"}],\\"complaintFeedbackType\\":\\"abuse\\"}}"}',
      ),
    );
    expect(report).toMatchObject({
      kind: 'feedback',
      feedbackType: 'abuse',
      recipients: [{ address: 'ned@example.net', reason: 'feedback' }],
    });
  });
});

describe('parseBounce() auto-replies and feedback', () => {
  it('parseBounce() reports an RFC 3834 auto-reply as autoreply/vacation', () => {
    const report = parseBounce(
      'From: Kim <kim@example.net>\nTo: news@example.org\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nBack on Monday.\n',
    );
    expect(report.kind).toBe('autoreply');
    expect(report.recipients[0]).toMatchObject({ address: 'kim@example.net', reason: 'vacation', hardbounce: false });
  });

  it('parseBounce() reports an ARF report as feedback with its type', () => {
    const raw = [
      'From: fbl@isp.example',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="F"',
      '',
      '--F',
      'Content-Type: text/plain',
      '',
      'This is an abuse report',
      '--F',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'Original-Rcpt-To: <max@example.net>',
      '--F--',
    ].join('\n');
    const report = parseBounce(raw);
    expect(report.kind).toBe('feedback');
    expect(report.feedbackType).toBe('abuse');
    expect(report.recipients[0]).toMatchObject({ address: 'max@example.net', reason: 'feedback' });
  });

  it('parseBounce() reports a Microsoft JMRP complaint (no ARF part) as feedback', () => {
    const raw = [
      'From: staff@hotmail.com',
      'Subject: complaint about message from 192.0.2.1',
      'Content-Type: multipart/mixed; boundary="J"',
      '',
      '--J',
      'Content-Type: message/rfc822',
      '',
      'X-HmXmrOriginalRecipient: <zoe@example.net>',
      'From: news@example.org',
      'To: zoe@example.net',
      '',
      'Hello',
      '--J--',
    ].join('\n');
    expect(parseBounce(raw)).toMatchObject({ kind: 'feedback', recipients: [{ address: 'zoe@example.net' }] });
  });

  it('parseBounce() finds no recipient in an ordinary message', () => {
    expect(
      parseBounce('From: a@example.org\nTo: b@example.net\nSubject: lunch?\n\nNoon at the usual place.\n'),
    ).toEqual({ kind: 'other', recipients: [] });
  });
});

describe('parseBounce() hostile input', () => {
  it('parseBounce() survives truncation at every 97th byte', () => {
    const raw = dsn('Final-Recipient: rfc822; jane@example.net\nAction: failed\nStatus: 5.1.1');
    for (let i = 0; i < raw.length; i += 97) expect(() => parseBounce(raw.slice(0, i))).not.toThrow();
  });

  it('parseBounce() handles a 10 MB message, a giant header and a broken boundary', () => {
    const huge =
      'Subject: x\nTo: ' +
      'a@example.net, '.repeat(1_000_000) +
      '\nContent-Type: multipart/report; boundary="nope"\n\n' +
      'x'.repeat(10_000_000);
    const report = parseBounce(Buffer.from(huge));
    expect(report.recipients.length).toBeLessThanOrEqual(1000);
  });

  it('parseBounce() reads no bounce into a file that is no mail, and says why', () => {
    const failure = 'Delivery to the following recipient failed permanently:\n\n  jane@example.net\n\nUser unknown\n';
    expect(parseBounce(`Subject: Delivery Status Notification (Failure)\n\n${failure}`)).toMatchObject({
      kind: 'bounce',
      recipients: [{ address: 'jane@example.net' }],
    });
    expect(parseBounce(`From MAILER-DAEMON Thu Dec  3 10:00:00 2026\nSubject: Failure\n\n${failure}`).kind).toBe(
      'bounce',
    );
    expect(parseBounce(`2026-12-03 10:00 ${failure}`)).toEqual({
      kind: 'other',
      recipients: [],
      error: 'Not a mail message: it does not begin with a header field ("Name: value")',
      notMail: 'no_header_field',
    });
    expect(parseBounce(Buffer.concat([Buffer.from('%PDF-1.7\n\u0000\u0001'), Buffer.from(failure)])).error).toBe(
      'Not a mail message: binary data',
    );
    expect(parseBounce(' \n\n').error).toBe('Not a mail message: the file is empty');
  });

  it('parseBounce() accepts an unknown charset and invalid base64', () => {
    const raw = 'Content-Type: text/plain; charset=x-klingon\nContent-Transfer-Encoding: base64\n\n!!!***\xff\xfe';
    expect(parseBounce(Buffer.from(raw, 'latin1')).kind).toBe('other');
  });
});

describe('decodeSympaVerp()', () => {
  it('decodeSympaVerp() reads the welcome and remind suffixes', () => {
    expect(decodeSympaVerp('bounce+a.b==a==example.net==list==w@lists.example.org')).toMatchObject({
      address: 'a.b@example.net',
      list: 'list',
      kind: 'welcome',
    });
    expect(decodeSympaVerp('bounce+a==a==example.net==list==r@lists.example.org')).toMatchObject({ kind: 'remind' });
    expect(decodeSympaVerp('owner@lists.example.org')).toBeNull();
  });
});
