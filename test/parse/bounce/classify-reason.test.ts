import { describe, expect, it } from 'vitest';
import type { ReasonInput } from '../../../src/parse/bounce/classify-reason.js';
import { classifyReason } from '../../../src/parse/bounce/classify-reason.js';

const input = (fields: Partial<ReasonInput>): ReasonInput => ({
  status: null,
  diagnostic: null,
  diagnosticType: 'SMTP',
  action: 'failed',
  smtpCommand: null,
  replyCode: null,
  ...fields,
});

describe('classifyReason()', () => {
  const cases: { name: string; input: ReasonInput; reason: string }[] = [
    {
      name: 'reads no reason into an address ("expired@…")',
      input: input({ diagnostic: 'There was an error delivering your mail to <expired@example.org>.' }),
      reason: 'onhold',
    },
    {
      name: 'reads the cause after Postfix\'s "Recipient address rejected:" prefix',
      input: input({
        status: '5.3.0',
        smtpCommand: 'RCPT',
        replyCode: '554',
        diagnostic: '554 5.3.0 <jane@example.org>: Recipient address rejected: Mailer error',
      }),
      reason: 'mailererror',
    },
    {
      name: 'reads a failed reverse DNS check behind the prefix as blocked',
      input: input({
        status: '5.7.25',
        smtpCommand: 'RCPT',
        replyCode: '550',
        diagnostic: '550 5.7.25 <jane@example.org>: Recipient address rejected: Reverse DNS validation failed',
      }),
      reason: 'blocked',
    },
    {
      name: 'reads a bare "Recipient address rejected." at RCPT as userunknown',
      input: input({
        status: '5.0.0',
        smtpCommand: 'RCPT',
        replyCode: '550',
        diagnostic: '550 <jane@example.org>: Recipient address rejected.',
      }),
      reason: 'userunknown',
    },
    {
      name: "reads DragonFly's DNS lookup failure as hostunknown",
      input: input({ diagnostic: 'DNS lookup failure: host cx.example.org not found' }),
      reason: 'hostunknown',
    },
    {
      name: 'reads "Unauthenticated senders not allowed" as securityerror (Sisimai SecurityError)',
      input: input({ status: '5.0.0', smtpCommand: 'MAIL', diagnostic: '550 Unauthenticated senders not allowed' }),
      reason: 'securityerror',
    },
    {
      name: "reads Exchange's AuthRequired as securityerror, not a policy",
      input: input({ status: '5.7.1', diagnostic: '550 5.7.1 RESOLVER.RST.AuthRequired; authentication required' }),
      reason: 'securityerror',
    },
    {
      name: "reads Gmail's illegal attachment as policyviolation, not a virus",
      input: input({
        status: '5.7.0',
        smtpCommand: 'DATA',
        diagnostic: '552-5.7.0 Our system detected an illegal attachment on your message.',
      }),
      reason: 'policyviolation',
    },
    {
      name: "reads Exim's unverifiable sending IPs as blocked",
      input: input({ smtpCommand: 'MAIL', diagnostic: '450 service permits 2 unverifyable sending IPs' }),
      reason: 'blocked',
    },
    {
      name: "reads Yahoo's TSS04 deferral as blocked",
      input: input({
        status: '4.7.0',
        smtpCommand: 'MAIL',
        diagnostic:
          '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints',
      }),
      reason: 'blocked',
    },
    {
      name: 'reads the same deferral as rejected when qmail says the sender was',
      input: input({
        status: '4.7.0',
        diagnostic:
          'Connected to 192.0.2.2 but sender was rejected. Remote host said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints',
      }),
      reason: 'rejected',
    },
    {
      name: "reads EZweb's delivery window as expired",
      input: input({ diagnostic: 'Your message was not delivered within 0 days and 1 hours.' }),
      reason: 'expired',
    },
  ];
  for (const c of cases)
    it(`classifyReason() ${c.name}`, () => {
      expect(classifyReason(c.input)).toBe(c.reason);
    });
});
