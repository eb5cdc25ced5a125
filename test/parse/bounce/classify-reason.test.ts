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
  ];
  for (const c of cases)
    it(`classifyReason() ${c.name}`, () => {
      expect(classifyReason(c.input)).toBe(c.reason);
    });
});
