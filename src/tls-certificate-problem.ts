import { render, type Lang, type Text } from './i18n.js';

/** Why a server's certificate was not accepted, one name per cause whatever the library reporting it. */
export type CertificateCause =
  | 'self_signed'
  | 'untrusted_authority'
  | 'unknown_authority'
  | 'expired'
  | 'not_yet_valid'
  | 'name_mismatch'
  | 'unverified';

/** A certificate failure in words: the cause, what it means and what to do about it. */
export interface CertificateProblem {
  cause: CertificateCause;
  /** Node's code when the error kept it (`CERT_HAS_EXPIRED`), else the library's message: the technical reason. */
  detail: string;
  /** What is wrong, of the server: "its certificate is self-signed". */
  problem: Text;
  /** What to do, naming the caller's own settings. */
  advice: Text;
}

/** The settings an advice names: where the server's name is written, and the switch that turns the check off. */
export interface CertificateSettings {
  /** `smtp.host`, `bounces.imap.host`. */
  host: string;
  /** `smtp.tlsRejectUnauthorized`, `bounces.imap.tlsRejectUnauthorized`. */
  rejectUnauthorized: string;
}

/** Node's verification codes (OpenSSL's X509_V_ERR names without the prefix, and Node's own name check), by cause. */
const CAUSE_BY_CODE: Readonly<Record<string, CertificateCause>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self_signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_authority',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'name_mismatch',
};

/**
 * The same causes read from the message, for a library that replaces Node's code with its own (nodemailer's
 * `ESOCKET`) and keeps the message: OpenSSL's X509_verify_cert_error_string() for each code ("self signed" before
 * OpenSSL 3, "self-signed" since), and Node's altname check. Most specific first: the chain's sentence contains the
 * leaf's.
 */
const CAUSE_BY_MESSAGE: readonly (readonly [RegExp, CertificateCause])[] = [
  [/self[- ]signed certificate in certificate chain/i, 'untrusted_authority'],
  [/self[- ]signed certificate/i, 'self_signed'],
  [/unable to get (?:local )?issuer certificate|unable to verify the first certificate/i, 'unknown_authority'],
  [/certificate has expired/i, 'expired'],
  [/certificate is not yet valid/i, 'not_yet_valid'],
  [/does not match certificate's altnames/i, 'name_mismatch'],
  [/certificate/i, 'unverified'],
];

const PROBLEMS: Record<CertificateCause, Text> = {
  self_signed: { en: 'its certificate is self-signed', fr: 'son certificat est auto-signé' },
  untrusted_authority: {
    en: 'its certificate comes from an authority this machine does not trust',
    fr: 'son certificat vient d’une autorité à laquelle cette machine ne fait pas confiance',
  },
  unknown_authority: {
    en: 'its certificate comes from an authority this machine does not know (or the server does not send the intermediate certificate)',
    fr: 'son certificat vient d’une autorité que cette machine ne connaît pas (ou le serveur n’envoie pas le certificat intermédiaire)',
  },
  expired: { en: 'its certificate has expired', fr: 'son certificat a expiré' },
  not_yet_valid: {
    en: 'its certificate is not valid yet, or the clock of this machine is wrong',
    fr: 'son certificat n’est pas encore valide, ou l’horloge de cette machine est fausse',
  },
  name_mismatch: {
    en: 'its certificate is not for the name in "{host}"',
    fr: 'son certificat n’est pas au nom donné dans « {host} »',
  },
  unverified: { en: 'its certificate cannot be verified', fr: 'son certificat ne peut être vérifié' },
};

/** A private authority is fine: trust it rather than stop verifying. */
const TRUST_AUTHORITY: Text = {
  en: 'if your own authority signed it, give its certificate to facteur with NODE_EXTRA_CA_CERTS=/path/to/ca.pem',
  fr: 's’il est signé par votre propre autorité, donnez son certificat à facteur avec NODE_EXTRA_CA_CERTS=/chemin/vers/ac.pem',
};

/** The last resort, with its price: verification off lets anyone on the way read the password and the mail. */
const TURN_OFF: Text = {
  en: 'on a network you trust, setting "{rejectUnauthorized}" to false turns the check off, and anyone on the way could then read the password and the mail',
  fr: 'sur un réseau de confiance, mettre « {rejectUnauthorized} » à false supprime la vérification, et quiconque sur le chemin pourrait alors lire le mot de passe et le courrier',
};

const ADVICE: Record<CertificateCause, readonly Text[]> = {
  self_signed: [TRUST_AUTHORITY, TURN_OFF],
  untrusted_authority: [TRUST_AUTHORITY, TURN_OFF],
  unknown_authority: [
    {
      en: 'have the server send its intermediate certificate with its own',
      fr: 'faites envoyer au serveur son certificat intermédiaire avec le sien',
    },
    TRUST_AUTHORITY,
    TURN_OFF,
  ],
  expired: [{ en: 'renew the server’s certificate', fr: 'renouvelez le certificat du serveur' }, TURN_OFF],
  // Turning the check off would hide a clock that is wrong for every other certificate too.
  not_yet_valid: [
    {
      en: 'check the date and time of this machine and of the server',
      fr: 'vérifiez la date et l’heure de cette machine et du serveur',
    },
  ],
  // The certificate is trusted: the right name is the whole fix.
  name_mismatch: [
    { en: 'write there a name the certificate carries', fr: 'indiquez-y un nom que porte le certificat' },
  ],
  unverified: [TRUST_AUTHORITY, TURN_OFF],
};

/**
 * Node's code of a certificate failure, or null. Node names each after its OpenSSL code: most say CERT, but not all
 * (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`), hence the table first.
 */
function certificateCode(failure: { code?: unknown; message?: unknown }): string | null {
  const { code } = failure;
  if (typeof code !== 'string') return null;
  return Object.hasOwn(CAUSE_BY_CODE, code) || /CERT/.test(code) ? code : null;
}

/** The cause of a certificate failure, from Node's code when there is one, else from the message; null for another failure. */
export function certificateCause(failure: { code?: unknown; message?: unknown }): CertificateCause | null {
  const code = certificateCode(failure);
  if (code !== null) return CAUSE_BY_CODE[code] ?? 'unverified';
  const message = typeof failure.message === 'string' ? failure.message : '';
  return CAUSE_BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? null;
}

/**
 * A certificate failure as facteur tells it, whichever client met it (nodemailer for `send`, imapflow for
 * `bounces fetch`): the cause, what it means and what to do, naming the caller's settings. Null when the error is not
 * about the certificate.
 */
export function tlsCertificateProblem(error: unknown, settings: CertificateSettings): CertificateProblem | null {
  if (!(error instanceof Error)) return null;
  const cause = certificateCause(error);
  if (cause === null) return null;
  const values = { host: settings.host, rejectUnauthorized: settings.rejectUnauthorized };
  const advice = (lang: Lang): string =>
    ADVICE[cause].map((text) => render(text, lang, values)).join(lang === 'en' ? '; ' : ' ; ');
  return {
    cause,
    detail: certificateCode(error) ?? error.message,
    problem: { en: render(PROBLEMS[cause], 'en', values), fr: render(PROBLEMS[cause], 'fr', values) },
    advice: { en: advice('en'), fr: advice('fr') },
  };
}
