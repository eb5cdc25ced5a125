import type { BounceReason } from './types.js';

/**
 * Diagnostic phrases of real MTAs, one list per Sisimai reason. Patterns run on lower-cased text with
 * runs of spaces collapsed; they are checked in the orders below, the same precedence Sisimai 4.25 uses.
 */
const PATTERNS: Record<string, RegExp> = {
  mailboxfull:
    /mailbox exceeds allowed size|mailbox (?:is )?full|mailbox (?:size )?limit exceeded|over ?quota|quota (?:exceeded|violation|full)|exceeded (?:storage|the quota|quota)|user(?:'s)? (?:mailbox|disk quota) (?:is )?(?:full|exceeded)|disk quota|insufficient (?:disk )?(?:space|storage)|mailfolder is full|mail box full|account is full|would be over the allowed quota|not enough (?:storage|disk) space|too much mail data|mailbox has exceeded|exceeds? (?:the )?(?:recipient'?s? )?(?:mailbox|storage|account) (?:quota|limit|size)|is over (?:its|the|their) (?:storage|quota)|recipient'?s? mailbox is full|maildir over quota|mailbox (?:is )?over|storage quota|space (?:on|in) (?:the )?mailbox|user is over quota|quota has been exceeded|no space left on device|the user's space has been used up|enough space/,
  mesgtoobig:
    /message (?:size )?(?:is )?(?:too (?:big|large)|exceeds?)|size (?:exceeds|limit)|exceeds? (?:the )?(?:maximum|max|fixed maximum|size|message size)|(?:message|mail) (?:size )?limit|message length exceeds|too large|(?:mail|message) is too large|larger than (?:the )?(?:allowed|maximum)|size of (?:the )?message|exceeded maximum inbound message size|taille/,
  exceedlimit: /message too large for this recipient|(?:message|mail) (?:size )?exceeds (?:the )?recipient'?s? limit/,
  suspend:
    /account that you tried to reach is disabled|disabled recipient|recipient account is blocked|compte du destinataire est bloque|mailbox is frozen|(?:mailbox|account|recipient|user|address) (?:is |has been |was )?(?:temporarily )?(?:disabled|suspended|inactive|deactivated|locked|blocked for)|(?:account|mailbox) (?:is )?not active|boite du destinataire archivee|this account has been (?:disabled|discontinued|suspended)|is a deactivated mailbox|inactive (?:account|user|mailbox)|mailbox currently suspended|mailbox unavailable or access denied|recipient suspended|user suspended|account (?:is )?(?:expired|frozen)|dormant/,
  hasmoved:
    /address (?:has )?changed|has been replaced by|no longer (?:on server|at this)|recipient has moved|user has moved/,
  norelaying:
    /relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed))|not (?:permitted|allowed) to relay|relaying (?:mail )?(?:to .+ )?(?:is )?not (?:permitted|allowed)|unable to relay|we do not relay|no relaying|relay not permitted|relaying denied|we do not accept mail for .+ as a relay|not a gateway|cannot relay/,
  userunknown:
    /invalid final delivery userid|not a registered gateway user|user (?:is )?unknown|(?:name|address) is not recognized|not listed in (?:public name|domino directory)|unknown (?:user|recipient|local part|address|mailbox|e-?mail)|no such (?:user|mailbox|recipient|address|account|local user|person)|(?:user|recipient|mailbox|address|account|e-?mail address)(?: name)? (?:does not|doesn't|did not) exist|(?:recipient|user|mailbox|address) (?:not|unknown) (?:found|listed|known|valid)|(?:invalid|unrouteable|bad|unknown|disabled or invalid) (?:recipient|mailbox|address|user)|(?:user|mailbox|recipient) (?:is )?not (?:found|known|exist|valid)|not (?:a )?(?:valid|known) (?:user|recipient|mailbox)|mailbox (?:unavailable|not available|not found)|(?<!sender |recipient )address (?:rejected|unknown|invalid)|recipient address rejected: (?:access denied|invalid user)|recipient (?:address )?rejected(?!: ?\w)|unknown or illegal alias|addressee unknown|user not (?:found|local)|no mailbox|no account by that name|doesn't have a .+ account|account that you tried to reach does not exist|does not have an account|not our customer|sorry, no mailbox here|the email account that you tried to reach|destination addresses were unknown|no valid recipients|mailbox (?:name )?(?:is )?(?:invalid|disabled)|is not a valid mailbox|recipient not found|undeliverable address|no such address|unknown address|invalid mailbox|utilisateur inconnu|destinataire inconnu|adresse inconnue|no existe|cuenta inexistente|unbekannt|the recipient's e-mail address was not found|was not found in|no such recipient|address not present in directory|this user doesn't have|requested action not taken: mailbox unavailable|user doesn't exist|the user you are trying to contact is not receiving mail/,
  filtered:
    /due to extended inactivity|has restricted sms e-?mail|is not accepting (?:any )?mail|mail (?:for|to) .+ is not accepted|message filtered|rejected by recipient|refused by recipient|user refuses|recipient refuses|this message has been blocked by recipient|sender address has been blacklisted|recipients? (?:has|have) (?:blocked|rejected)|your message was declined|has been blocked by the recipient|message has been rejected by filter|blocked by (?:the )?user|content filter|user reject/,
  rejected:
    /email address is not verified|sender (?:address )?(?:rejected|refused|denied|verify failed|not (?:allowed|authorized|accepted))|(?:address|domain) of sender|invalid sender|sender verification|rejected by sender|bad sender|domain (?:of sender address )?(?:does not|doesn't) exist|sender domain|mail from .+ (?:rejected|refused)|return path|envelope sender|your (?:email )?address has been (?:blacklisted|blocked)|from address|sender is (?:on|in) .+ (?:list|block)|sender is not allowed|unknown sender|was rejected by sender|administrative prohibition|not accepting mail from|we do not accept mail from|mail from .+ not accepted|your domain has been|domain is not allowed|domain not allowed|senders? (?:is )?(?:blacklisted|blocked)|mail from your address|the sender's address|no such sender|spoof/,
  hostunknown:
    /host (?:or domain name )?not found|dns lookup failure: host [\w.-]+ not found|host unknown|unknown host|domain (?:name )?(?:not found|does not exist|unknown|is not hosted|isn't in my list)|no such domain|unrouteable (?:mail )?domain|unknown domain|name service error|domain (?:must|should) exist|invalid domain|nxdomain|host not found|address resolution failed|domain is not valid|illegal host|domain not (?:found|valid)/,
  spamdetected:
    /spam(?!haus|cop)|\bube\b|unsolicited|junk mail|bulk mail|message (?:content|looks like) .*(?:rejected|spam)|content rejected|score exceeded|rejected as bulk|message (?:was )?rejected due to content|classified as|identified as|high probability|rbl|considered unsolicited|filter rejected|blacklisted url|url in .+ is blacklisted|suspicious|phish/,
  toomanyconn:
    /too many recipients|too many (?:connections|concurrent|simultaneous|sessions)|connection (?:limit|rate)|(?:rate|frequency) limit|too many (?:smtp )?connections|throttl|exceeded (?:the )?(?:connection|rate)|too many errors|please try again later|deferred due to|temporarily (?:deferred|rate)|too many messages|try again later|sending rate/,
  blocked:
    /service refuse|not accepting connections|mismatches client ip|can't determine purported responsible address|blocked|block ?list|black ?list|denyl?i?s?t?ed|dnsbl|(?:ip|client|host|your ip|connecting ip|sending ip) (?:address )?(?:is )?(?:blocked|not allowed|rejected|listed|banned|denied|blacklisted)|(?:rejected|refused|denied) (?:because|due to|by) .*\b(?:ip|reputation|rbl|dnsbl|blacklist)\b|reputation|banned|not allowed to send|ptr|reverse (?:dns|lookup|hostname)|rdns|no (?:reverse|ptr)|helo|ehlo|client host|access denied.*ip|connection (?:refused|rejected|denied)|refused to talk|your ip|spamhaus|spamcop|barracuda|sorbs|mail server ip|ip address|listed (?:at|on|in)|rejected by (?:dns|rbl)|dynamic|dialup|residential|open proxy/,
  policyviolation:
    /policy|not authorized to send|you are not allowed to post|an illegal attachment on your message|email not accepted|has exceeded .+ daily|exceeded the permitted|dmarc|spf|dkim|violat|prohibited|not permitted to send|restricted/,
  virusdetected: /virus|malware|infected|worm|trojan|dangerous attachment|harmful/,
  securityerror:
    /authentication|auth(?:entication)? (?:failed|required)|must (?:be authenticated|authenticate|issue a starttls)|tls|ssl|certificate|encryption|insecure|security|unauthenticated|starttls|sender not authenticated|unauthorized/,
  systemerror:
    /system (?:error|failure|config)|server (?:error|failure)|internal (?:error|server error)|local (?:error|problem)|temporary (?:failure|error|local problem|system)|service (?:is )?(?:not available|unavailable|temporarily)|mail loop|loop(?:s)? back to myself|routing loop|configuration error|unavailable|not available|resources|i\/o error|cannot (?:process|deliver)|problem with the recipient's mail server|mailbox busy|busy|try again|transaction failed/,
  networkerror:
    /connection (?:dropped|lost|closed|reset)|lost connection|too many hops|hop count|network (?:error|failure)|no route to host|unable to connect|could not connect|connection refused|connect to .+ failed|name server|dns (?:failure|timeout|problem|error)|host is unreachable|unreachable|malformed or unexpected name server reply|all mail servers? (?:must have been )?unavailable|mail exchangers?|mx (?:servers|host)|no mx|delivery to the following recipient has been delayed|remote host|network/,
  expired:
    /all hosts have been failing|delivery failed \d+ attempts|failed \d+ attempts|expired|timed? ?out|did not accept our requests to connect|retry time|too long|delivery (?:time|period) expired|undelivered for|could not be delivered for|has not been (?:delivered|able to be delivered) for|queue(?:d)? (?:too long|for|lifetime)|giving up|multiple retries|delivery attempts will continue|gave up|retry timeout exceeded|message timed out|timeout exceeded|delivery (?:has been )?delayed|delayed|deferred|have not been able to deliver|maximum (?:time|lifetime)|not (?:been )?delivered within|time limit|was not delivered for \d+ days|unable to deliver.+within/,
  contenterror:
    /content|header|8-?bit|mime|message (?:is )?malformed|invalid (?:message|data)|improper|format|characters|line (?:too long|length)|encoding|attachment|charset|bare (?:lf|cr)|syntax error in (?:body|header)/,
  systemfull:
    /mail system (?:is )?full|system (?:is )?full|disk (?:is )?full|out of (?:disk|storage)|insufficient system storage/,
  notaccept:
    /(?:does not|doesn't) receive (?:any )?e-?mail|no mx record|no (?:valid )?mx (?:or a )?record|no smtp service|indicated no smtp|does not accept (?:any )?mail|not accept(?:ing)? (?:any )?(?:mail|e-?mail|messages)|no mail (?:is )?accepted|null mx|host does not receive any mail|domain (?:does not|doesn't) accept mail|mx points to (?:localhost|127)|this server does not receive mail/,
  mailererror:
    /\/[\w./-]+ generated by|x-unix|mailer(?:-daemon)? (?:error|failure)|command (?:died|failed|output|not found)|exit (?:code|status|\d)|pipe to .+ failed|permission denied|procmail|unknown mailer|local delivery failed|execution failed|program exited|\|\/|lmtp|mail delivery failure|maildrop/,
  syntaxerror:
    /syntax error|command unrecognized|unrecognized command|command not (?:recognized|implemented)|invalid command|bad command|improper use of|bad sequence|out of sequence|line too long|parameter/,
};

/**
 * Phrases that settle the reason before the ordered passes, because a broader pattern met earlier in the
 * order would take them (a DNSBL hit mentions "spam", an expired message mentions "connection refused").
 */
const DECISIVE: readonly (readonly [BounceReason, RegExp])[] = [
  ['mailboxfull', /mailbox is full/],
  ['notaccept', /(?:does not|doesn't) receive (?:any )?e-?mail|no mx record|indicated no smtp|null mx/],
  // EZweb: "Your message was not delivered within 0 days and 1 hours."
  [
    'expired',
    /message expired|delivery time expired|retry time(?:out)? exceeded|this is a warning message only|not delivered within \d+ days?/,
  ],
  [
    'networkerror',
    /establish an smtp connection|hop count|name server reply|name service error.*try again|host not found, try again|dns error.*nxdomain/,
  ],
  ['hostunknown', /\bhost unknown\b|unrouteable address|domain (?:does not|doesn't) exist|domain is not reachable/],
  ['norelaying', /relay(?:ing)? (?:access )?denied|not configured to relay|unable to relay/],
  [
    'blocked',
    /client host (?:\[[^\]]*\] )?(?:rejected|blocked)|blocked using|banned sending ip|reputation|my name was rejected|access denied.{0,40}\bip\b|ip name lookup failed|bloquee|refused to talk to me|unverifyable sending ips?|please use the smtp server of your isp/,
  ],
  ['toomanyconn', /too many recipients|receiving mail at a rate|rate limited/],
  // Sisimai SecurityError: an authentication demand is about the sending side, not a policy on the content.
  ['securityerror', /unauthenticated senders not allowed|authentication required|sender is unauthenticated/],
  ['virusdetected', /virus/],
  ['spamdetected', /spam classification|flagged as spam/],
  ['syntaxerror', /improper sequence|bad sequence of commands|out of sequence|command unrecognized/],
  [
    'policyviolation',
    /(?:per|owner|domain'?s?) dmarc policy|for policy reasons|policy violation|multiple addresses in from|denied by policy|header error|an illegal attachment on your message|unauthenticated email/,
  ],
  ['rejected', /sender (?:was |address )?rejected|sender rejected/],
  ['systemfull', /insufficient (?:disk|system) (?:space|storage)/],
  ['contenterror', /headers? too (?:large|long)|too many headers/],
  // SPF and DMARC failures turn the sending host away as a whole (Sisimai: blocked), as does Yahoo's TSS04
  // (the sending IP's volume or complaints) unless qmail says the sender itself was rejected.
  ['blocked', /\bspf\b|\bdmarc\b|deferred due to unexpected volume or user complaints/],
];

/** First pass, for SMTP diagnostics (Sisimai Reason::get): the status code or the text may decide. */
const FIRST_ORDER = [
  'mailboxfull',
  'mesgtoobig',
  'exceedlimit',
  'suspend',
  'hasmoved',
  'norelaying',
  'userunknown',
  'filtered',
  'rejected',
  'hostunknown',
  'spamdetected',
  'toomanyconn',
  'blocked',
] as const;

/** Second pass when the status code is missing or generic (Sisimai Reason::anotherone). */
const SECOND_ORDER = [
  'mailboxfull',
  'spamdetected',
  'policyviolation',
  'virusdetected',
  'securityerror',
  'systemerror',
  'networkerror',
  'suspend',
  'expired',
  'contenterror',
  'systemfull',
  'notaccept',
  'mailererror',
] as const;

/** Mailbox-directory misses, reported by groupware gateways that never look at the content. */
const DIRECTORY_MISS =
  /not listed in (?:domino directory|public name|the directory)|name is not recognized|invalid final delivery userid|no valid recipients|address couldn't be found|check if (?:the )?address is correct|ディレクトリ.{0,12}(?:ありません|見つかりません)/;

/** RFC 3463 enhanced status codes and the reason each names on its own. */
const STATUS_REASONS: Record<string, BounceReason> = {
  '1.0': 'userunknown',
  '1.1': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.4': 'userunknown',
  '1.5': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.9': 'rejected',
  '2.0': 'filtered',
  '2.1': 'filtered',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '2.4': 'systemerror',
  '3.0': 'systemerror',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.3': 'systemerror',
  '3.4': 'mesgtoobig',
  '3.5': 'systemerror',
  '4.0': 'networkerror',
  '4.1': 'networkerror',
  '4.2': 'networkerror',
  '4.3': 'systemerror',
  '4.4': 'hostunknown',
  '4.5': 'networkerror',
  '4.6': 'networkerror',
  '4.7': 'expired',
  '5.3': 'syntaxerror',
  '6.0': 'contenterror',
  '7.0': 'securityerror',
  '7.1': 'securityerror',
  '7.2': 'securityerror',
  '7.7': 'securityerror',
  '7.8': 'securityerror',
  '7.9': 'securityerror',
};

/** Reasons a status code gives too vaguely to trust over the text (Sisimai Reason::retry, plus userunknown). */
const RETRY_REASONS = new Set<string>(['', 'undefined', 'onhold', 'systemerror', 'securityerror', 'networkerror']);

/** Reason named by an enhanced status code alone, or "" (the class digit is ignored: 4.2.2 is mailboxfull too). */
export function reasonOfStatus(status: string | null): BounceReason | '' {
  if (status === null) return '';
  const m = /^[245]\.(\d{1,3}\.\d{1,3})$/.exec(status);
  if (m === null) return '';
  if (status.startsWith('2.')) return 'delivered';
  const detail = m[1] ?? '';
  // Exchange's 5.1.10 and 5.1.351 are address errors like any other X.1.N.
  return STATUS_REASONS[detail] ?? (detail.startsWith('1.') ? 'userunknown' : '');
}

/** The first reason whose phrases match the text, in the given order. */
function matchText(text: string, order: readonly string[]): BounceReason | '' {
  if (text === '') return '';
  for (const reason of order) if (PATTERNS[reason]?.test(text) === true) return reason as BounceReason;
  return '';
}

/** Inputs to classifyReason(): what one recipient's bounce says. */
export interface ReasonInput {
  status: string | null;
  diagnostic: string | null;
  diagnosticType: string | null;
  action: string | null;
  smtpCommand: string | null;
  replyCode: string | null;
  /** A reason an MTA-specific rule already settled, if any. */
  hint?: BounceReason | null;
  /** The reason the remote provider's own error code gives (classifyRemoteHost()), '' when none. */
  remoteHostReason?: BounceReason | '';
}

/** Does the text alone name this reason? Used by MTA rules whose wording is unambiguous. */
export function textSays(reason: string, text: string): boolean {
  return PATTERNS[reason]?.test(normalizeText(text)) === true;
}

function normalizeText(text: string): string {
  // Multi-line replies repeat "550-5.7.1" on each line; drop the repeats so phrases read whole again.
  const joined = text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/(\S) [245]\d\d[- ](?:#?[245]\.\d{1,3}\.\d{1,3} )?(?=[a-z[(<])/g, '$1 ');
  // An address is no wording: "expired@example.org" or "spam-reports@…" must not name a reason.
  return joined.includes('@') ? joined.replace(/[\w.+%'-]{1,64}@[\w-]+(?:\.[\w-]+)+/g, '<@>') : joined;
}

/**
 * Classifies one failed recipient with Sisimai 4.25's reason names. The diagnostic text outranks an
 * over-generic status code: a 5.1.1 saying "mailbox full" is mailboxfull, a bare 5.7.1 is read from its text.
 */
export function classifyReason(input: ReasonInput): BounceReason {
  if (input.hint !== undefined && input.hint !== null && !RETRY_REASONS.has(input.hint)) return input.hint;
  if (input.status?.startsWith('2.') === true) return 'delivered';
  // A provider's documented code is more precise than any generic phrase (Sisimai::Rhost runs before Reason).
  if (input.remoteHostReason !== undefined && input.remoteHostReason !== '') return input.remoteHostReason;
  const text = normalizeText(input.diagnostic ?? '');
  const fromStatus = reasonOfStatus(input.status);
  const command = input.smtpCommand ?? '';
  const dtype = (input.diagnosticType ?? '').toUpperCase();

  for (const [reason, re] of DECISIVE) if (re.test(text)) return reason;
  // Directory lookups (Domino, Exchange, iMail) answer before any content is seen: never a filter.
  if (command !== 'DATA' && DIRECTORY_MISS.test(text)) return 'userunknown';
  if (dtype === 'SMTP' || dtype === '') {
    for (const reason of FIRST_ORDER) {
      if (reason === 'userunknown') {
        // An address error answered to MAIL FROM is about the sender, not the recipient.
        if (fromStatus === 'userunknown' && command === 'MAIL') return 'rejected';
        if (fromStatus === 'userunknown') {
          // A 5.1.1 whose text names another cause is that cause (Sisimai UserUnknown::true prematches).
          const other = matchText(text, ['norelaying', 'blocked', 'mailboxfull', 'hasmoved', 'rejected', 'notaccept']);
          if (other !== '') return other;
          return 'userunknown';
        }
        // Without a 5.1.x status, "user unknown" means a bad mailbox only when RCPT drew it: answered to DATA
        // or to an unknown command it is a content filter in disguise (Japanese carriers; Sisimai UserUnknown::true).
        if (command === 'RCPT' && PATTERNS.userunknown?.test(text) === true) return 'userunknown';
        continue;
      }
      if (reason === 'filtered') {
        // "User unknown" answered to DATA is a filter in disguise (Japanese carriers, Sisimai Filtered::true).
        if (fromStatus === 'filtered') return 'filtered';
        if (/^(?:CONN|EHLO|HELO|MAIL|RCPT)$/.test(command)) continue;
        if (PATTERNS.filtered?.test(text) === true) return 'filtered';
        if (PATTERNS.userunknown?.test(text) === true && (fromStatus === '' || RETRY_REASONS.has(fromStatus)))
          return 'filtered';
        continue;
      }
      // A 5.2.3 is the recipient's own size limit, whatever the text says about size.
      if (reason === 'mesgtoobig' && fromStatus === 'exceedlimit') continue;
      if (fromStatus === reason || (text !== '' && PATTERNS[reason]?.test(text) === true)) return reason;
    }
  }

  let reason: BounceReason | '' = fromStatus;
  if (command === 'MAIL' && RETRY_REASONS.has(reason)) return 'rejected';
  // Sisimai Reason::anotherone also reads the text when the diagnostic is not an SMTP reply (Postfix's X-Postfix
  // wraps the remote reply: "554 5.6.0 scored as spam" is spamdetected, not the 5.6.0's contenterror).
  if (RETRY_REASONS.has(reason) || reason === 'userunknown' || (dtype !== 'SMTP' && dtype !== '')) {
    const fromText = matchText(text, SECOND_ORDER);
    if (fromText !== '') reason = fromText;
    else if (reason === '' || RETRY_REASONS.has(reason)) {
      const cls = (input.status ?? '').slice(2, 3);
      if (input.status !== null && cls === '6') reason = 'contenterror';
      else if (input.status !== null && cls === '7') reason = 'securityerror';
      else if (dtype === 'X-UNIX' || dtype === 'X-POSTFIX') reason = 'mailererror';
      else if (/^50[0-4]$/.test(input.replyCode ?? '') || matchText(text, ['syntaxerror']) !== '')
        reason = 'syntaxerror';
    }
  }
  if (reason === '') {
    if (/^(?:delayed|expired)/.test(input.action ?? '')) return 'expired';
    // Refused before any recipient: the connecting host was turned away; refused at MAIL: the sender was.
    if (command === 'CONN' || command === 'EHLO' || command === 'HELO') return 'blocked';
    if (command === 'MAIL') return 'rejected';
    if (text !== '') return 'onhold';
    return 'undefined';
  }
  return reason;
}

/** Sisimai's narrow hard bounce: the address itself is bad (notaccept only with a 5xx). */
export function isHardBounce(reason: BounceReason, permanent: boolean): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  return reason === 'notaccept' && permanent;
}
