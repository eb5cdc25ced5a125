import type { HeaderField } from './mime.js';
import { headerValue } from './mime.js';
import type { BounceReason } from './types.js';

/** A bounce generator recognised by the headers it always writes, and the wordings it uses for some reasons. */
interface MtaRule {
  detect: (headers: readonly HeaderField[]) => boolean;
  reasons: readonly (readonly [BounceReason, RegExp])[];
  /** The SMTP command its diagnostics answered, when the MTA's wording implies one. */
  smtpCommand?: (diagnostic: string) => string | null;
}

const has = (headers: readonly HeaderField[], name: string, needle: string): boolean =>
  (headerValue(headers, name) ?? '').toLowerCase().includes(needle);

/** Facebook's response codes (postmaster.facebook.com/response_codes), as Sisimai::Lhost::Facebook reads them. */
const FACEBOOK_CODES: Record<string, BounceReason> = {
  'RCP-P1': 'userunknown',
  'INT-P1': 'userunknown',
  'INT-P3': 'userunknown',
  'INT-P4': 'userunknown',
  'RCP-P2': 'filtered',
  'RCP-P3': 'filtered',
  'POL-P1': 'blocked',
  'POL-P2': 'blocked',
  'MSG-P1': 'mesgtoobig',
  'INT-P2': 'mesgtoobig',
  'MSG-P2': 'contenterror',
  'MSG-P3': 'contenterror',
  'POL-P6': 'contenterror',
  'POL-P7': 'contenterror',
  'POL-P3': 'notaccept',
  'POL-P4': 'notaccept',
  'POL-T1': 'notaccept',
  'POL-T2': 'notaccept',
  'POL-T3': 'notaccept',
  'DNS-P1': 'rejected',
  'DNS-P2': 'rejected',
  'DNS-T1': 'rejected',
  'DNS-P3': 'rejected',
  'DNS-T2': 'rejected',
  'CON-T1': 'systemerror',
  'RCP-T1': 'systemerror',
  'CON-T2': 'toomanyconn',
  'CON-T3': 'toomanyconn',
  'POL-P5': 'virusdetected',
  'RCP-T4': 'suspend',
};

/**
 * Gateways whose own wording names the reason better than the generic phrases (Sisimai's Lhost modules): without
 * a status code or SMTP command, "No such user" is read as a content filter in disguise, yet these gateways say it
 * only of a mailbox that does not exist.
 */
const RULES: readonly MtaRule[] = [
  {
    // McAfee Email Gateway: "X-NAI-Header: Modified by McAfee Email and Web Security".
    detect: (headers) => has(headers, 'x-nai-header', 'modified by mcafee'),
    reasons: [
      [
        'userunknown',
        / user \([^()]{1,64}@[^()]{1,255}\) unknown\. |unknown user [^ ]{1,64}@[^ ]+|550 <[^<>]{1,64}@[^<>]{1,255}>\.+ user not exist|no such user/i,
      ],
    ],
  },
  {
    // Symantec MessageLabs answers for the customer's mail server: 542 is its "no such recipient".
    detect: (headers) => has(headers, 'from', 'mailer-daemon@messagelabs.com'),
    reasons: [
      ['userunknown', /542 .+ rejected|no such user/i],
      ['securityerror', /please turn on smtp authentication in your mail client/i],
    ],
  },
  {
    // Google Workspace's own DSN text (From mailer-daemon@googlemail.com, with X-Gm-Message-State).
    detect: (headers) =>
      has(headers, 'from', 'mailer-daemon@googlemail.com') && headerValue(headers, 'x-gm-message-state') !== null,
    reasons: [
      ['userunknown', /because the address couldn't be found\. check for typos or unnecessary spaces/i],
      ['notaccept', /null mx/i],
      ['networkerror', / had no relevant answers\.| responded with code nxdomain/i],
    ],
  },
  {
    // Amazon SES inbound answers "Mailbox does not exist" when no receipt rule takes the address: a filter.
    detect: (headers) => headerValue(headers, 'x-ses-outgoing') !== null,
    reasons: [
      ['filtered', /mailbox does not exist/i],
      ['mesgtoobig', /message too large/i],
      ['mailboxfull', /mailbox full/i],
      ['contenterror', /message content rejected/i],
    ],
  },
  {
    // Yahoo quotes the recipient in angle brackets only in replies to RCPT TO.
    detect: (headers) => headerValue(headers, 'x-ymailisg') !== null,
    reasons: [],
    smtpCommand: (diagnostic) => (/<[^<>\s]{1,64}@[^<>\s]{1,255}>/.test(diagnostic) ? 'RCPT' : null),
  },
];

/** What a recognised MTA says about one recipient's diagnostic (and, for a one-recipient bounce, its error text). */
export interface MtaReading {
  reason: BounceReason | null;
  smtpCommand: string | null;
}

/**
 * The reading of diagnostics by the MTA that wrote this bounce, recognised from its headers; null for a bounce of
 * an MTA without its own vocabulary (the generic rules then apply alone).
 */
export function mtaReaderFor(
  headers: readonly HeaderField[],
): ((diagnostic: string | null, context: string) => MtaReading) | null {
  if (has(headers, 'from', 'mailer-daemon@mx.facebook.com'))
    return (diagnostic) => {
      const code = /\b((?:RCP|INT|POL|MSG|DNS|CON)-[PT]\d)\b/.exec(diagnostic ?? '')?.[1] ?? '';
      return { reason: FACEBOOK_CODES[code] ?? null, smtpCommand: null };
    };
  const rule = RULES.find((r) => r.detect(headers));
  if (rule === undefined) return null;
  return (diagnostic, context) => {
    const text = (diagnostic ?? '').replace(/\s+/g, ' ');
    // Google Workspace states the reason in its own prose and quotes the remote reply apart: read both.
    const wider = `${text} ${context.replace(/\s+/g, ' ')}`;
    const reason =
      rule.reasons.find(([, re]) => re.test(text))?.[0] ?? rule.reasons.find(([, re]) => re.test(wider))?.[0];
    return { reason: reason ?? null, smtpCommand: rule.smtpCommand?.(text) ?? null };
  };
}
