import { describe, expect, it } from 'vitest';
import type { RemoteHostInput } from '../../../src/parse/bounce/classify-remote-host.js';
import { classifyRemoteHost } from '../../../src/parse/bounce/classify-remote-host.js';

const input = (fields: Partial<RemoteHostInput>): RemoteHostInput => ({
  remoteMta: null,
  address: 'jane@example.net',
  diagnostic: null,
  status: null,
  replyCode: null,
  smtpCommand: null,
  ...fields,
});

describe('classifyRemoteHost()', () => {
  const cases: { name: string; input: RemoteHostInput; expected: string }[] = [
    {
      name: "reads Cox's AUP code",
      input: input({ address: 'jane@cox.net', diagnostic: '550 5.1.0 <a@b.example> sender rejected. AUP#CDRBL' }),
      expected: 'blocked',
    },
    {
      name: "falls back to Cox's wording without a code",
      input: input({ address: 'jane@cox.net', diagnostic: '550 5.1.0 <a@b.example> sender rejected' }),
      expected: 'rejected',
    },
    {
      name: "reads La Poste's LPN code on its Remote-MTA",
      input: input({ remoteMta: 'smtpz4.laposte.net', diagnostic: '550 5.5.0 Invalid recipient. LPN007_416' }),
      expected: 'userunknown',
    },
    {
      name: "reads Orange's OFR code from the host quoted in an Exim diagnostic",
      input: input({
        address: 'jane@example.fr',
        diagnostic:
          'SMTP error from remote server, host: smtp-in.orange.fr (193.252.22.65) reason: 550 5.2.0 Mail rejete. ofr_506 [506]',
      }),
      expected: 'spamdetected',
    },
    {
      name: 'calls an Orange code without a documented cause undefined',
      input: input({ address: 'jane@laposte.net', diagnostic: '421 4.2.1 Service refuse. LPN006_107' }),
      expected: 'undefined',
    },
    {
      name: "reads NTT docomo's bare 5.0.0 at DATA as rejected",
      input: input({
        remoteMta: 'mfsmax.docomo.ne.jp',
        diagnostic: '550 Unknown user jane@docomo.example',
        status: '5.0.0',
        smtpCommand: 'DATA',
      }),
      expected: 'rejected',
    },
    {
      name: "reads NTT docomo's bare 5.0.0 at RCPT as userunknown",
      input: input({
        remoteMta: 'mfsmax.docomo.ne.jp',
        diagnostic: '550 Unknown user',
        status: '5.0.0',
        smtpCommand: 'RCPT',
      }),
      expected: 'userunknown',
    },
    {
      name: "reads Spectrum's AUP code range",
      input: input({ address: 'jane@charter.net', diagnostic: '550 5.1.0 sender rejected. AUP#In-1310' }),
      expected: 'toomanyconn',
    },
    {
      name: "matches Mimecast's reply code and wording together",
      input: input({
        remoteMta: 'service1.mimecast.com',
        diagnostic: '554 email rejected due to security policies',
        replyCode: '554',
      }),
      expected: 'virusdetected',
    },
    {
      name: 'ignores a Mimecast wording under another reply code',
      input: input({
        remoteMta: 'service1.mimecast.com',
        diagnostic: '550 email rejected due to security policies',
        replyCode: '550',
      }),
      expected: '',
    },
    {
      name: "ignores a provider's code seen on another host",
      input: input({ remoteMta: 'mx.example.net', diagnostic: '550 5.5.0 Invalid recipient. LPN007_416' }),
      expected: '',
    },
    { name: 'answers nothing without a diagnostic', input: input({ address: 'jane@cox.net' }), expected: '' },
  ];
  for (const c of cases)
    it(`classifyRemoteHost() ${c.name}`, () => {
      expect(classifyRemoteHost(c.input)).toBe(c.expected);
    });
});
