import { describe, expect, it } from 'vitest';
import { certificateCause, tlsCertificateProblem } from '../src/tls-certificate-problem.js';

const SETTINGS = { host: 'smtp.host', rejectUnauthorized: 'smtp.tlsRejectUnauthorized' };

describe('certificateCause()', () => {
  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self_signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted_authority'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown_authority'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown_authority'],
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not_yet_valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'name_mismatch'],
    ['CERT_REVOKED', 'unverified'],
  ])('reads Node code %s as %s', (code, cause) => {
    expect(certificateCause({ code, message: 'whatever the message' })).toBe(cause);
  });

  it.each([
    ['self-signed certificate', 'self_signed'],
    // OpenSSL before 3.0 wrote it without the hyphen.
    ['self signed certificate', 'self_signed'],
    ['self-signed certificate in certificate chain', 'untrusted_authority'],
    ['unable to get local issuer certificate', 'unknown_authority'],
    ['unable to verify the first certificate', 'unknown_authority'],
    ['certificate has expired', 'expired'],
    ['certificate is not yet valid', 'not_yet_valid'],
    ["Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ", 'name_mismatch'],
    ['certificate signature failure', 'unverified'],
  ])('reads the message "%s" as %s when the code is gone', (message, cause) => {
    expect(certificateCause({ code: 'ESOCKET', message })).toBe(cause);
  });

  it('leaves other failures alone', () => {
    expect(certificateCause({ code: 'ECONNRESET', message: 'read ECONNRESET' })).toBeNull();
    expect(certificateCause({ code: 'ESOCKET', message: 'wrong version number' })).toBeNull();
  });
});

describe('tlsCertificateProblem()', () => {
  it('tells a certificate to trust how to trust it, naming the switch that turns the check off and its price', () => {
    const problem = tlsCertificateProblem(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      SETTINGS,
    );
    expect(problem).toEqual({
      cause: 'self_signed',
      detail: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      problem: { en: 'its certificate is self-signed', fr: 'son certificat est auto-signé' },
      advice: {
        en: 'if your own authority signed it, give its certificate to facteur with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; on a network you trust, setting "smtp.tlsRejectUnauthorized" to false turns the check off, and anyone on the way could then read the password and the mail',
        fr: 's’il est signé par votre propre autorité, donnez son certificat à facteur avec NODE_EXTRA_CA_CERTS=/chemin/vers/ac.pem ; sur un réseau de confiance, mettre « smtp.tlsRejectUnauthorized » à false supprime la vérification, et quiconque sur le chemin pourrait alors lire le mot de passe et le courrier',
      },
    });
  });

  it('keeps the message as the detail when the code is gone', () => {
    const error = Object.assign(new Error('certificate has expired'), { code: 'ESOCKET' });
    expect(tlsCertificateProblem(error, SETTINGS)).toMatchObject({
      cause: 'expired',
      detail: 'certificate has expired',
    });
  });

  it('advises per cause: renew an expired one, fix a clock, write a name the certificate carries', () => {
    const advice = (code: string) =>
      tlsCertificateProblem(Object.assign(new Error('x'), { code }), SETTINGS)?.advice.en ?? '';
    expect(advice('CERT_HAS_EXPIRED')).toMatch(/^renew the server’s certificate; /);
    expect(advice('CERT_HAS_EXPIRED')).not.toContain('NODE_EXTRA_CA_CERTS');
    expect(advice('CERT_NOT_YET_VALID')).toBe('check the date and time of this machine and of the server');
    expect(advice('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('write there a name the certificate carries');
    expect(advice('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toMatch(/^have the server send its intermediate certificate/);
    const mismatch = tlsCertificateProblem(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), {
      host: 'bounces.imap.host',
      rejectUnauthorized: 'bounces.imap.tlsRejectUnauthorized',
    });
    expect(mismatch?.problem).toEqual({
      en: 'its certificate is not for the name in "bounces.imap.host"',
      fr: 'son certificat n’est pas au nom donné dans « bounces.imap.host »',
    });
  });

  it('returns null for a failure that is not about the certificate', () => {
    expect(tlsCertificateProblem(new Error('connect ECONNREFUSED 127.0.0.1:25'), SETTINGS)).toBeNull();
    expect(tlsCertificateProblem('certificate', SETTINGS)).toBeNull();
  });
});
