import { describe, expect, it } from 'vitest';
import { campaignNameOf, classifyError } from '../../src/send/send-campaign.js';

describe('classifyError()', () => {
  it.each([
    [{ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 User unknown', command: 'RCPT TO' }, 'failed'],
    [{ code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 Spam', command: 'DATA' }, 'failed'],
    [{ code: 'EENVELOPE', responseCode: 451, response: '451 4.7.1 Greylisted', command: 'RCPT TO' }, 'deferred'],
    [{ code: 'EPROTOCOL', responseCode: 421, response: '421 4.7.0 Slow down', command: 'CONN' }, 'deferred'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly', command: 'CONN' }, 'deferred'],
    [{ code: 'ETIMEDOUT', message: 'Timeout', command: 'CONN' }, 'deferred'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Bad credentials', command: 'AUTH PLAIN' }, 'stop'],
    [{ code: 'EENVELOPE', responseCode: 553, response: '553 5.7.1 Sender not owned', command: 'MAIL FROM' }, 'stop'],
  ])('sorts %o as %s', (fields, kind) => {
    const error = Object.assign(new Error((fields as { message?: string }).message ?? 'error'), fields);
    expect(classifyError(error).kind).toBe(kind);
  });

  it('keeps the server reply of a permanent failure', () => {
    const error = Object.assign(new Error('Message failed'), {
      code: 'EENVELOPE',
      responseCode: 550,
      response: '550 5.1.1 <x@example.net>: User unknown ',
      command: 'RCPT TO',
    });
    expect(classifyError(error)).toEqual({
      kind: 'failed',
      replyCode: 550,
      reply: '550 5.1.1 <x@example.net>: User unknown',
      isConnectionFailure: false,
    });
  });
});

describe('campaignNameOf()', () => {
  it('names a campaign after its config file', () => {
    expect(campaignNameOf('/srv/campagnes/consultation-velo.json')).toBe('consultation-velo');
  });
});
