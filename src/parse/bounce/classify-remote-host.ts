import type { BounceReason } from './types.js';

/** What a recipient's bounce says about the remote host that refused it. */
export interface RemoteHostInput {
  /** The Remote-MTA, or the host named in the diagnostic ("host mx.example.net said"). */
  remoteMta: string | null;
  /** The failed recipient: its domain stands for the host when no Remote-MTA is known (Sisimai's destination). */
  address: string;
  diagnostic: string | null;
  status: string | null;
  replyCode: string | null;
  smtpCommand: string | null;
}

/** One provider's own error vocabulary: its hosts, and how its codes and wordings map to reasons. */
interface RemoteHostRule {
  hosts: RegExp;
  /** A reason, 'undefined' when the provider's code is known to say nothing, or '' to fall back to the generic rules. */
  classify: (input: RemoteHostInput, text: string) => BounceReason | '';
}

/** Cox's "AUP#CODE" error codes (cox.com, "Email error codes"), as Sisimai::Rhost::Cox reads them. */
const COX_CODES: Record<string, BounceReason> = {
  CXBL: 'blocked',
  CXTHRT: 'securityerror',
  CXMJ: 'securityerror',
  CXDNS: 'blocked',
  CXSNDR: 'rejected',
  CXSMTP: 'rejected',
  CXCNCT: 'toomanyconn',
  CXMXRT: 'toomanyconn',
  CDRBL: 'blocked',
  URLBL011: 'spamdetected',
  URLBL101: 'spamdetected',
  URLBL110: 'spamdetected',
  URLBL1001: 'spamdetected',
};

const COX_TEXTS: readonly (readonly [BounceReason, readonly string[]])[] = [
  [
    'blocked',
    [
      'rejected - no rdns',
      'cox too many bad commands from',
      'dns check failure - try again later',
      'too many invalid recipients',
    ],
  ],
  ['notaccept', ['esmtp server temporarily not available']],
  ['policyviolation', ['esmtp no data before greeting', 'attachment extension is forbidden']],
  ['rejected', ['sender rejected']],
  [
    'toomanyconn',
    ['too many sessions from', 'requested action aborted: try again later', 'message threshold exceeded'],
  ],
  ['userunknown', ['recipient rejected']],
];

/**
 * Orange and La Poste's "OFR_506" / "LPN007_416" codes (Sisimai::Rhost::FrancePTT): the last three digits name
 * the cause. A code listed as null is documented without a cause, and Sisimai reports it as "undefined".
 */
const FRANCE_PTT_CODES: Record<string, BounceReason | null> = {
  '101': 'blocked',
  '102': 'blocked',
  '103': 'blocked',
  '104': 'toomanyconn',
  '105': null,
  '107': null,
  '108': null,
  '109': null,
  '201': null,
  '305': 'securityerror',
  '401': 'blocked',
  '402': 'securityerror',
  '403': 'rejected',
  '405': 'rejected',
  '415': 'rejected',
  '416': 'userunknown',
  '417': 'mailboxfull',
  '418': 'userunknown',
  '420': 'suspend',
  '421': 'rejected',
  '423': null,
  '424': null,
  '426': 'suspend',
  '505': 'systemerror',
  '506': 'spamdetected',
  '510': 'blocked',
  '513': null,
  '514': 'mesgtoobig',
  '517': 'policyviolation',
  '630': 'policyviolation',
  '999': 'blocked',
};

/** Spectrum (Charter)'s "AUP#In-1310" codes (spectrum.net, "Understanding email error codes"). */
const SPECTRUM_CODES: readonly (readonly [number, number, BounceReason])[] = [
  [1000, 1000, 'blocked'],
  [1010, 1010, 'rejected'],
  [1020, 1080, 'rejected'],
  [1090, 1090, 'systemerror'],
  [1100, 1150, 'blocked'],
  [1160, 1190, 'policyviolation'],
  [1200, 1250, 'blocked'],
  [1260, 1260, 'networkerror'],
  [1300, 1490, 'toomanyconn'],
  [1500, 1520, 'rejected'],
  [1530, 1530, 'mesgtoobig'],
  [1540, 1550, 'toomanyconn'],
  [1560, 1560, 'policyviolation'],
];

/** Mimecast's documented replies (community.mimecast.com, "SMTP error codes"): reply code and wording. */
const MIMECAST_REPLIES: readonly (readonly [BounceReason, number, string])[] = [
  ['blocked', 421, 'sender address blocked'],
  ['blocked', 451, 'ip temporarily blacklisted'],
  ['blocked', 550, 'local ct ip reputation - (reject)'],
  ['blocked', 550, 'spf sender invalid - envelope rejected'],
  ['blocked', 550, 'dkim sender invalid - envelope rejected'],
  ['blocked', 550, 'dmarc sender invalid - envelope rejected'],
  ['mesgtoobig', 554, 'maximum email size exceeded'],
  ['networkerror', 554, 'mail loop detected'],
  ['norelaying', 451, 'open relay not allowed'],
  ['notaccept', 451, 'account inbounds disabled'],
  ['policyviolation', 550, 'anti-spoofing policy - inbound not allowed'],
  ['policyviolation', 550, 'rejected by header-based anti-spoofing policy'],
  ['policyviolation', 550, 'message bounced due to content examination policy'],
  ['policyviolation', 554, 'host network not allowed'],
  ['rejected', 550, 'administrative prohibition envelope blocked'],
  ['rejected', 550, 'envelope rejected - block policy for envelope from address'],
  ['securityerror', 535, 'incorrect authentication data'],
  ['securityerror', 553, 'this route requires encryption (tls)'],
  ['securityerror', 553, 'this route requires tls version 1.2 or greater'],
  ['systemerror', 451, 'unable to process connection at this time'],
  ['systemerror', 451, 'message ended early'],
  ['systemerror', 451, 'unable to process command'],
  ['toomanyconn', 451, 'account service is temporarily unavailable'],
  ['toomanyconn', 452, 'too many recipients'],
  ['toomanyconn', 550, 'exceeding outbound thread limit'],
  ['userunknown', 501, 'invalid address'],
  ['userunknown', 503, 'user unknown'],
  ['userunknown', 550, 'invalid recipient'],
  ['virusdetected', 554, 'email rejected due to security policies'],
];

/** Providers whose own codes outrank the generic phrases (Sisimai::Rhost, consulted before Sisimai::Reason). */
const RULES: readonly RemoteHostRule[] = [
  {
    hosts: /cox\.net/,
    classify: (input, text) => {
      const code = /aup#([0-9a-z]+)/.exec(text)?.[1]?.toUpperCase() ?? '';
      if (COX_CODES[code] !== undefined) return COX_CODES[code];
      if (/^IPBL\d+$/.test(code)) return 'blocked';
      for (const [reason, phrases] of COX_TEXTS) if (phrases.some((p) => text.includes(p))) return reason;
      return '';
    },
  },
  {
    hosts: /\b(?:laposte\.net|(?:orange|wanadoo)\.fr)$/,
    classify: (_input, text) => {
      const m = /\b(?:lpn|lpnaaa|ofr|ouk)(?:_(\d{3})|\d{3}[-_](\d{3}))\b/.exec(text);
      if (m === null) return '';
      return FRANCE_PTT_CODES[m[1] ?? m[2] ?? ''] ?? 'undefined';
    },
  },
  {
    // NTT docomo answers every refusal with a bare 5.0.0: RCPT means no such user, end of DATA its content filter.
    hosts: /mfsmax\.docomo\.ne\.jp$/,
    classify: (input, text) => {
      if (input.status === '5.1.1') return 'userunknown';
      if (input.status === '5.2.0') return 'filtered';
      if (text.includes('552 too much mail data')) return 'mailboxfull';
      if (text.includes('552 too many recipients')) return 'toomanyconn';
      if (/503 bad sequence of commands|504 command parameter not implemented/.test(text)) return 'syntaxerror';
      if (input.status === '5.0.0' && input.smtpCommand === 'RCPT') return 'userunknown';
      if (input.status === '5.0.0' && input.smtpCommand === 'DATA') return 'rejected';
      return '';
    },
  },
  {
    hosts: /charter\.net/,
    classify: (_input, text) => {
      const code = Number(/aup#[a-z-]*(\d{4})/.exec(text)?.[1] ?? 0);
      return SPECTRUM_CODES.find(([low, high]) => code >= low && code <= high)?.[2] ?? '';
    },
  },
  {
    hosts: /\.mimecast\.com$/,
    classify: (input, text) => {
      const reply = Number(input.replyCode ?? 0);
      return MIMECAST_REPLIES.find(([, code, phrase]) => code === reply && text.includes(phrase))?.[0] ?? '';
    },
  },
];

/** Any of the hosts of RULES, anywhere in a string. */
const ANY_HOST = /cox\.net|laposte\.net|orange\.fr|wanadoo\.fr|docomo\.ne\.jp|charter\.net|mimecast\.com/i;

/** The hosts a bounce names for a recipient: its Remote-MTA, hosts quoted in the diagnostic, its domain. */
function hostsOf(input: RemoteHostInput, text: string): string[] {
  const hosts: string[] = [];
  if (input.remoteMta !== null) hosts.push(input.remoteMta.toLowerCase().replace(/[\s[\]].*$/, ''));
  // Exim and Postfix write "host smtp.wanadoo.fr [192.0.2.1]" or "host: smtp-in.orange.fr (…)".
  for (const m of text.matchAll(/\bhost:? ([a-z0-9-]+(?:\.[a-z0-9-]+)+)/g)) if (m[1] !== undefined) hosts.push(m[1]);
  const domain = input.address.toLowerCase().split('@')[1];
  if (domain !== undefined) hosts.push(domain);
  return hosts;
}

/**
 * The reason a provider's own error code gives (Cox, Orange and La Poste, NTT docomo, Spectrum, Mimecast), or ''
 * when the bounce does not come from one of them or carries none of their codes.
 */
export function classifyRemoteHost(input: RemoteHostInput): BounceReason | '' {
  if (input.diagnostic === null || input.diagnostic === '') return '';
  // Most bounces come from none of these providers: one cheap look before any per-rule work.
  if (!ANY_HOST.test(`${input.remoteMta ?? ''} ${input.address} ${input.diagnostic}`)) return '';
  const text = input.diagnostic.toLowerCase().replace(/\s+/g, ' ');
  const hosts = hostsOf(input, text);
  for (const rule of RULES) {
    if (!hosts.some((host) => rule.hosts.test(host))) continue;
    const reason = rule.classify(input, text);
    if (reason !== '') return reason;
  }
  return '';
}
