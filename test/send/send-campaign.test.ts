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
    [{ code: 'EPROTOCOL', responseCode: 554, response: '554 5.7.1 No SMTP service here', command: 'CONN' }, 'stop'],
    [{ code: 'EPROTOCOL', responseCode: 550, response: '550 5.7.1 Go away', command: 'HELO' }, 'stop'],
    [{ code: 'ETLS', responseCode: 502, response: '502 5.5.1 Not implemented', command: 'STARTTLS' }, 'stop'],
    [{ code: 'ETLS', responseCode: 454, response: '454 4.7.0 TLS not available', command: 'STARTTLS' }, 'deferred'],
  ])('sorts %o as %s', (fields, kind) => {
    const error = Object.assign(new Error((fields as { message?: string }).message ?? 'error'), fields);
    expect(classifyError(error).kind).toBe(kind);
  });

  it.each([
    [{ code: 'ECONNECTION', responseCode: 421, response: '421 4.3.2 Shutting down', command: 'EHLO' }],
    [{ code: 'ETLS', responseCode: 454, response: '454 4.7.0 TLS not available', command: 'STARTTLS' }],
    [{ code: 'EPROTOCOL', responseCode: 421, response: '421 4.7.0 Slow down', command: 'CONN' }],
  ])('counts a 4xx reply while opening the session, %o, as a connection failure', (fields) => {
    const error = Object.assign(new Error('error'), fields);
    expect(classifyError(error)).toMatchObject({ kind: 'deferred', isConnectionFailure: true });
  });

  it('says what to check when the server refuses the login, in English and French', () => {
    const error = Object.assign(new Error('Invalid login'), {
      code: 'EAUTH',
      responseCode: 535,
      response: '535 5.7.8 Authentication credentials invalid',
      command: 'AUTH PLAIN',
    });
    const outcome = classifyError(error);
    expect(outcome.kind === 'stop' && outcome.text).toEqual({
      en: 'The server refused the login: 535 5.7.8 Authentication credentials invalid; check "smtp.user" and the password that "smtp.passwordEnv" or "smtp.passwordFile" gives',
      fr: 'Le serveur a refusé l’authentification : 535 5.7.8 Authentication credentials invalid ; vérifiez « smtp.user » et le mot de passe que donne « smtp.passwordEnv » ou « smtp.passwordFile »',
    });
  });

  it('says a refused STARTTLS is what security "starttls" needs, in English and French', () => {
    const error = Object.assign(new Error('Error upgrading connection with STARTTLS'), {
      code: 'ETLS',
      responseCode: 502,
      response: '502 5.5.1 Not implemented',
      command: 'STARTTLS',
    });
    const outcome = classifyError(error);
    expect(outcome.kind === 'stop' && outcome.text).toEqual({
      en: expect.stringContaining('does not offer STARTTLS') as string,
      fr: expect.stringContaining('ne propose pas STARTTLS') as string,
    });
  });

  it.each(['self-signed certificate', 'unable to verify the first certificate'])(
    'stops on a certificate that cannot be verified (%s), saying how to trust it',
    (message) => {
      const outcome = classifyError(Object.assign(new Error(message), { code: 'ESOCKET', command: 'CONN' }));
      expect(outcome.kind).toBe('stop');
      if (outcome.kind !== 'stop') return;
      for (const text of [outcome.text.en, outcome.text.fr]) {
        expect(text).toContain(message);
        expect(text).toContain('NODE_EXTRA_CA_CERTS');
        expect(text).toContain('tlsRejectUnauthorized');
      }
    },
  );

  it('stops on an expired certificate, saying to renew it, not to trust another authority', () => {
    const message = 'certificate has expired';
    const outcome = classifyError(Object.assign(new Error(message), { code: 'ESOCKET', command: 'CONN' }));
    expect(outcome.kind).toBe('stop');
    if (outcome.kind !== 'stop') return;
    expect(outcome.text.en).toContain(`(${message}): its certificate has expired; renew the server’s certificate`);
    expect(outcome.text.fr).toContain(`(${message}) : son certificat a expiré ; renouvelez le certificat du serveur`);
    for (const text of [outcome.text.en, outcome.text.fr]) {
      expect(text).toContain('tlsRejectUnauthorized');
      expect(text).not.toContain('NODE_EXTRA_CA_CERTS');
    }
  });

  it('stops on a certificate for another name, saying to write one it carries in smtp.host', () => {
    const message = "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ";
    const outcome = classifyError(Object.assign(new Error(message), { code: 'ESOCKET', command: 'CONN' }));
    expect(outcome.kind === 'stop' && outcome.text).toEqual({
      en: expect.stringContaining('is not for the name in "smtp.host"') as string,
      fr: expect.stringContaining('n’est pas au nom donné dans « smtp.host »') as string,
    });
  });

  it('stops when implicit TLS meets a server greeting in plain text, pointing to "starttls"', () => {
    const message =
      '80CC0D1F1E7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
    const outcome = classifyError(Object.assign(new Error(message), { code: 'ESOCKET', command: 'CONN' }));
    expect(outcome.kind === 'stop' && outcome.text).toEqual({
      en: expect.stringContaining('set "starttls"') as string,
      fr: expect.stringContaining('indiquez « starttls »') as string,
    });
  });

  it('defers a connection reset during TLS, which a retry may get past', () => {
    const error = Object.assign(new Error('read ECONNRESET'), { code: 'ESOCKET', command: 'CONN' });
    expect(classifyError(error)).toMatchObject({ kind: 'deferred', isConnectionFailure: true });
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
