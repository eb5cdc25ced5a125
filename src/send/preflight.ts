import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { DnsLookupError, lookup, txtTexts, type DnsResolver } from '../dns/types.js';
import { InputError } from '../errors.js';
import { organisationalDomain } from '../facts/dmarc.js';
import { reverseDns, type ReverseDns } from '../facts/mx.js';
import { evaluateSpfIp } from '../facts/spf.js';
import { closestMatch } from '../config/closest-match.js';
import { render, type Lang, type Text } from '../i18n.js';
import { parseDkimKey } from '../parse/parse-dkim-key.js';
import type { CampaignConfig, DkimConfig } from './campaign-config.js';
import { buildMessage, prepareMessage } from './build-message.js';
import { loadMailContext, type MailContext } from './mail-context.js';
import type { EncodingVerdict } from '../parse/text-encoding.js';
import { readRecipients } from './read-recipients.js';
import { recipientKey } from './recipient-key.js';
import { scanHtmlTemplate, scanTextTemplate } from './scan-tracking.js';

/** How a preflight problem weighs: an error refuses the run (unless --force); unknown means DNS did not answer. */
export type PreflightSeverity = 'error' | 'warning' | 'unknown';

/** One preflight problem. */
export interface PreflightFinding {
  id: string;
  severity: PreflightSeverity;
  /** What it is about: a domain, an IP, a DNS name or a recipients file line. */
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
}

/** What `send preflight` reports (`--json` prints it). */
export interface PreflightReport {
  schemaVersion: 1;
  campaign: string;
  findings: PreflightFinding[];
  summary: { errors: number; warnings: number; unknown: number };
  /**
   * `checked`: rows read and rendered; `distinct`: the recipients among them, a repeated address counted once, as
   * many as a run queues messages; `skipped`: rows without a usable address.
   */
  recipients: { checked: number; distinct: number; skipped: number; renderErrors: number };
}

/** Who a mail says it is from, as receivers will check it in DNS. */
export interface SenderIdentity {
  /** The envelope sender's domain: receivers check SPF on it (RFC 7208 2.4), and the replies and bounces go there. */
  envelopeDomain: string;
  /** The organisation's server's public addresses (smtp.sendingIps): SPF must authorise them. */
  sendingIps: readonly string[];
  fromDomain: string;
  dkim: DkimConfig | null;
}

/** Rows whose templates fail that are listed one by one; past this the rest are counted (the first show the pattern). */
const MAX_RENDER_FINDINGS = 20;

/** Repeated rows named by line: the first few show whether the list was pasted twice or a few people signed up twice. */
const MAX_DUPLICATES_LISTED = 5;

const TEXTS = {
  'spf.sending_ip_not_authorized': {
    en: 'SPF of the Return-Path domain "{domain}" gives "{result}" for the sending IP {ip}: {reason}',
    fr: 'Le SPF du domaine de Return-Path « {domain} » donne « {result} » pour l’IP d’envoi {ip} : {reason}',
  },
  'spf.sending_ip_undecidable': {
    en: 'SPF of "{domain}" for {ip} depends on the message and cannot be checked in advance: {reason}',
    fr: 'Le SPF de « {domain} » pour {ip} dépend du message et ne peut être vérifié à l’avance : {reason}',
  },
  'spf.sending_ip_not_configured': {
    en: 'No smtp.sendingIps in the config: cannot check that SPF of "{domain}" authorises the server',
    fr: 'Pas de smtp.sendingIps dans la configuration : impossible de vérifier que le SPF de « {domain} » autorise le serveur',
  },
  'ptr.missing': {
    en: 'The sending IP {ip} has no reverse DNS (PTR): Gmail and many other receivers refuse mail from it (550 5.7.25)',
    fr: 'L’IP d’envoi {ip} n’a pas de DNS inverse (PTR) : Gmail et bien d’autres destinataires refusent son courrier (550 5.7.25)',
  },
  'ptr.fcrdns_mismatch': {
    en: 'The reverse DNS of the sending IP {ip} names {names}, which does not resolve back to it: receivers treat it as having none',
    fr: 'Le DNS inverse de l’IP d’envoi {ip} donne {names}, qui ne renvoie pas vers elle : les destinataires font comme s’il n’y en avait pas',
  },
  'dkim.not_configured': {
    en: 'No DKIM key configured: messages leave unsigned, and DMARC rests on SPF alone',
    fr: 'Aucune clé DKIM configurée : les messages partent sans signature et DMARC ne repose que sur SPF',
  },
  'dkim.key_missing': {
    en: 'No DKIM key published at "{name}": receivers cannot verify the signature',
    fr: 'Aucune clé DKIM publiée à « {name} » : les destinataires ne peuvent vérifier la signature',
  },
  'dkim.key_invalid': {
    en: 'The DKIM record at "{name}" cannot be used: {reason}',
    fr: 'L’enregistrement DKIM à « {name} » est inutilisable : {reason}',
  },
  'dkim.key_mismatch': {
    en: 'The DKIM key published at "{name}" does not match the private key "{file}": signatures will fail',
    fr: 'La clé DKIM publiée à « {name} » ne correspond pas à la clé privée « {file} » : les signatures échoueront',
  },
  'dmarc.not_aligned': {
    en: 'Neither DKIM d= "{dkim}" nor the Return-Path domain "{returnPath}" aligns with From "{from}": DMARC will fail',
    fr: 'Ni le d= DKIM « {dkim} » ni le domaine de Return-Path « {returnPath} » ne sont alignés sur From « {from} » : DMARC échouera',
  },
  'dmarc.dkim_not_aligned': {
    en: 'DKIM d= "{dkim}" is not aligned with From "{from}": DMARC rests on SPF alone',
    fr: 'Le d= DKIM « {dkim} » n’est pas aligné sur From « {from} » : DMARC ne repose que sur SPF',
  },
  'dmarc.spf_not_aligned': {
    en: 'The Return-Path domain "{returnPath}" is not aligned with From "{from}": DMARC rests on DKIM alone',
    fr: 'Le domaine de Return-Path « {returnPath} » n’est pas aligné sur From « {from} » : DMARC ne repose que sur DKIM',
  },
  'mx.return_path_missing': {
    en: 'The Return-Path domain "{domain}" has no MX and no address: bounces cannot come home',
    fr: 'Le domaine de Return-Path « {domain} » n’a ni MX ni adresse : les retours ne peuvent pas revenir',
  },
  'mx.return_path_implicit': {
    en: 'The Return-Path domain "{domain}" has no MX: bounces go to its A/AAAA address (RFC 5321 5.1), make sure it receives mail',
    fr: 'Le domaine de Return-Path « {domain} » n’a pas de MX : les retours vont à son adresse A/AAAA (RFC 5321 5.1), vérifiez qu’elle reçoit le courrier',
  },
  'mx.return_path_null_mx': {
    en: 'The Return-Path domain "{domain}" publishes a null MX (RFC 7505): it refuses all mail, bounces included',
    fr: 'Le domaine de Return-Path « {domain} » publie un MX nul (RFC 7505) : il refuse tout courrier, retours compris',
  },
  'template.unknown_field': {
    en: 'The template "{template}" uses {{{field}}}, which no column of "{file}" names (its columns: {columns}){hint}',
    fr: 'Le modèle « {template} » utilise {{{field}}}, qu’aucune colonne de « {file} » ne nomme (ses colonnes : {columns}){hint}',
  },
  'template.render_error': {
    en: '{reason}',
    fr: '{reason}',
  },
  'template.tracking_pixel': {
    en: 'Line {line} of "{file}" has an image no one can see, from {url}: a tracking pixel, which tells its server who opened the mail and when',
    fr: 'La ligne {line} de « {file} » contient une image invisible, venant de {url} : un pixel espion, qui dit à son serveur qui a ouvert le courriel et quand',
  },
  'template.remote_image': {
    en: 'Line {line} of "{file}" loads an image from {host} when the mail is opened: that server learns who reads it and when',
    fr: 'La ligne {line} de « {file} » charge une image depuis {host} à l’ouverture du courriel : ce serveur apprend qui le lit et quand',
  },
  'template.tracking_link': {
    en: 'Line {line} of "{file}" links through {host}, which logs each click before redirecting: link to the page itself',
    fr: 'La ligne {line} de « {file} » passe par {host}, qui enregistre chaque clic avant de rediriger : mettez le lien vers la page elle-même',
  },
  'template.more_render_errors': {
    en: '{count} more rows cannot be rendered',
    fr: '{count} lignes de plus ne peuvent être rendues',
  },
  'recipients.windows_1252': {
    en: '"{file}" is not UTF-8: read as Windows-1252, the encoding of Excel\'s "CSV"; send yourself a message with --test-to and check its accents, or save the file as "CSV UTF-8"',
    fr: '« {file} » n’est pas en UTF-8 : lu comme Windows-1252, l’encodage du « CSV » d’Excel ; envoyez-vous un message avec --test-to et vérifiez ses accents, ou enregistrez le fichier en « CSV UTF-8 »',
  },
  'recipients.invalid_utf8': {
    en: '"{file}" is UTF-8 but for some bytes, the first on line {line}: they read as "\uFFFD" in the messages; mend that line',
    fr: '« {file} » est en UTF-8 sauf quelques octets, le premier à la ligne {line} : ils se lisent « \uFFFD » dans les messages ; corrigez cette ligne',
  },
  'recipients.duplicate_addresses': {
    en: '{count|line|lines} of "{file}" {count:repeats|repeat} the address of an earlier line: {lines}{more}; each address is sent one message, with the fields of its first line',
    fr: '{count|ligne|lignes} de « {file} » {count:reprend|reprennent} l’adresse d’une ligne précédente : {lines}{more} ; chaque adresse reçoit un seul message, avec les champs de sa première ligne',
  },
  'dns.unknown': {
    en: 'Cannot check {what}: {reason}',
    fr: 'Impossible de vérifier {what} : {reason}',
  },
} satisfies Record<string, Text>;

/** Why a published DKIM key cannot be used, in `dkim.key_invalid`. */
const KEY_PROBLEMS = {
  manyRecords: { en: '{count} TXT records at one selector', fr: '{count} enregistrements TXT sous un même sélecteur' },
  revoked: { en: 'the key is revoked (empty p=)', fr: 'la clé est révoquée (p= vide)' },
} satisfies Record<string, Text>;

/** One repeated row, in the list of `recipients.duplicate_addresses`. */
const DUPLICATE_LINE: Text = { en: 'line {line} (as line {first})', fr: 'ligne {line} (comme la ligne {first})' };

/** The repeated rows past those listed. */
const MORE_DUPLICATES: Text = { en: ', and {count} more', fr: ', et {count} de plus' };

const NEAREST_FIELD: Text = {
  en: '; did you mean {{{nearest}}}?',
  fr: ' ; vouliez-vous dire {{{nearest}}} ?',
};

type FindingId = keyof typeof TEXTS;

class Findings {
  readonly list: PreflightFinding[] = [];
  readonly lang: Lang;

  constructor(lang: Lang) {
    this.lang = lang;
  }

  add(
    id: FindingId,
    severity: PreflightSeverity,
    subject: string,
    values: Record<string, string | number>,
    evidence: Record<string, unknown> = {},
  ): void {
    this.list.push({ id, severity, subject, message: render(TEXTS[id], this.lang, values), evidence: { ...evidence } });
  }

  /** A check a DNS failure left undecided: `what` names it in both languages, the lookup's failure says why. */
  unknown(what: Text, subject: string, error: Pick<DnsLookupError, 'failure' | 'reason'>): void {
    const values = { what: what[this.lang], reason: error.reason[this.lang] };
    this.add('dns.unknown', 'unknown', subject, values, { failure: error.failure });
  }
}

async function checkSpf(identity: SenderIdentity, resolver: DnsResolver, findings: Findings): Promise<void> {
  const domain = identity.envelopeDomain;
  if (identity.sendingIps.length === 0) {
    findings.add('spf.sending_ip_not_configured', 'warning', domain, { domain });
    return;
  }
  for (const ip of identity.sendingIps) {
    try {
      const verdict = await evaluateSpfIp(resolver, domain, ip);
      if (verdict.result === 'pass') continue;
      if (verdict.result === 'undecidable')
        findings.add(
          'spf.sending_ip_undecidable',
          'warning',
          ip,
          { domain, ip, reason: verdict.reason[findings.lang] },
          { result: verdict.result, reason: verdict.reason.en },
        );
      else
        findings.add(
          'spf.sending_ip_not_authorized',
          'error',
          ip,
          { domain, ip, result: verdict.result, reason: verdict.reason[findings.lang] },
          { result: verdict.result, reason: verdict.reason.en, domain },
        );
    } catch (error) {
      if (!(error instanceof DnsLookupError)) throw error;
      findings.unknown({ en: `SPF of "${domain}" for ${ip}`, fr: `le SPF de « ${domain} » pour ${ip}` }, ip, error);
    }
  }
}

/**
 * Receivers look up the connecting server's reverse DNS and want it to lead back to the address (forward-confirmed,
 * as Gmail's sender requirements put it): each sending IP needs a PTR whose name resolves to it. The PTR is set by
 * whoever holds the address (the hoster, the access provider), not in the organisation's zone.
 */
async function checkReverseDns(identity: SenderIdentity, resolver: DnsResolver, findings: Findings): Promise<void> {
  for (const ip of identity.sendingIps) {
    const what: Text = { en: `the reverse DNS of ${ip}`, fr: `le DNS inverse de ${ip}` };
    let reverse: ReverseDns;
    try {
      reverse = await reverseDns(resolver, ip);
    } catch (error) {
      if (!(error instanceof DnsLookupError)) throw error;
      findings.unknown(what, ip, error);
      continue;
    }
    const { ptr, confirmed, unknown } = reverse;
    // A PTR name whose forward lookup failed may be the one that leads back.
    const [undecided] = unknown;
    if (ptr.length === 0) findings.add('ptr.missing', 'error', ip, { ip });
    else if (confirmed.length === 0 && undecided !== undefined) findings.unknown(what, ip, undecided);
    else if (confirmed.length === 0)
      findings.add(
        'ptr.fcrdns_mismatch',
        'error',
        ip,
        { ip, names: ptr.map((name) => `"${name}"`).join(', ') },
        { ptr },
      );
  }
}

/** The key as DKIM's p= carries it: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463 4.2). */
function publishedForm(privateKeyPem: string): Buffer {
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return publicKey.asymmetricKeyType === 'ed25519' ? der.subarray(der.length - 32) : der;
}

async function checkDkim(identity: SenderIdentity, resolver: DnsResolver, findings: Findings): Promise<void> {
  const { dkim } = identity;
  if (dkim === null) {
    findings.add('dkim.not_configured', 'warning', identity.fromDomain, {});
    return;
  }
  const name = `${dkim.selector}._domainkey.${dkim.domain}`;
  let records: string[];
  try {
    const answer = await lookup(resolver, name, 'TXT');
    records = txtTexts(answer);
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    findings.unknown({ en: `the DKIM key at "${name}"`, fr: `la clé DKIM de « ${name} »` }, name, error);
    return;
  }
  const [record, ...others] = records;
  if (record === undefined) {
    findings.add('dkim.key_missing', 'error', name, { name });
    return;
  }
  if (others.length > 0) {
    findings.add('dkim.key_invalid', 'error', name, {
      name,
      reason: render(KEY_PROBLEMS.manyRecords, findings.lang, { count: records.length }),
    });
    return;
  }
  let expected: Buffer;
  try {
    expected = publishedForm(dkim.privateKey);
  } catch (error) {
    const reason = (error as Error).message;
    throw new InputError(
      {
        en: `Cannot read DKIM private key "${dkim.privateKeyFile}": ${reason}`,
        fr: `Impossible de lire la clé privée DKIM « ${dkim.privateKeyFile} » : ${reason}`,
      },
      { file: dkim.privateKeyFile },
      'ECONFIG',
    );
  }
  try {
    const key = parseDkimKey(record);
    if (key.revoked) {
      findings.add('dkim.key_invalid', 'error', name, { name, reason: KEY_PROBLEMS.revoked[findings.lang] });
      return;
    }
    const published = Buffer.from((key.tags.p ?? '').replace(/\s+/g, ''), 'base64');
    if (!published.equals(expected))
      findings.add('dkim.key_mismatch', 'error', name, { name, file: dkim.privateKeyFile });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    findings.add('dkim.key_invalid', 'error', name, { name, reason: error.text[findings.lang] });
  }
}

function checkAlignment(identity: SenderIdentity, findings: Findings): void {
  // RFC 7489 3.1 relaxed alignment: the organisational domains must be equal.
  const { fromDomain, envelopeDomain } = identity;
  const from = organisationalDomain(fromDomain);
  const isSpfAligned = organisationalDomain(envelopeDomain) === from;
  const dkimDomain = identity.dkim?.domain ?? null;
  const isDkimAligned = dkimDomain !== null && organisationalDomain(dkimDomain) === from;
  const values = { from: fromDomain, returnPath: envelopeDomain, dkim: dkimDomain ?? '-' };
  if (!isSpfAligned && !isDkimAligned) findings.add('dmarc.not_aligned', 'error', fromDomain, values);
  else if (!isDkimAligned && dkimDomain !== null) findings.add('dmarc.dkim_not_aligned', 'warning', fromDomain, values);
  else if (!isSpfAligned) findings.add('dmarc.spf_not_aligned', 'warning', fromDomain, values);
}

async function checkReturnPathMx(identity: SenderIdentity, resolver: DnsResolver, findings: Findings): Promise<void> {
  const domain = identity.envelopeDomain;
  try {
    const mx = (await lookup(resolver, domain, 'MX')).records.flatMap((r) => (r.type === 'MX' ? [r] : []));
    // RFC 7505 3: a single MX with an empty exchange ("." ) says the domain accepts no mail.
    if (mx.length === 1 && (mx[0]?.exchange ?? '') === '') {
      findings.add('mx.return_path_null_mx', 'error', domain, { domain });
      return;
    }
    if (mx.length > 0) return;
    const [a, aaaa] = await Promise.all([lookup(resolver, domain, 'A'), lookup(resolver, domain, 'AAAA')]);
    if (a.records.length + aaaa.records.length > 0)
      findings.add('mx.return_path_implicit', 'warning', domain, { domain });
    else findings.add('mx.return_path_missing', 'error', domain, { domain });
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    findings.unknown({ en: `the MX of "${domain}"`, fr: `le MX de « ${domain} »` }, domain, error);
  }
}

/** Severity of each tracking trace: a pixel or a redirected link is tracking, a remote image only leaks. */
const TRACKING_SEVERITY = {
  'template.tracking_pixel': 'error',
  'template.tracking_link': 'error',
  'template.remote_image': 'warning',
} as const;

/** Reads the templates for what would track their readers: facteur adds no tracking, and lets none through. */
function checkTracking(context: MailContext, findings: Findings): void {
  const { html, text } = context.templateFiles;
  const scans = [
    { template: html, scan: scanHtmlTemplate },
    { template: text, scan: scanTextTemplate },
  ];
  for (const { template, scan } of scans) {
    if (template === null) continue;
    const { file } = template;
    for (const trace of scan(template.text)) {
      findings.add(
        trace.id,
        TRACKING_SEVERITY[trace.id],
        `${file}:${trace.line}`,
        { file, line: trace.line, url: trace.url, host: trace.host },
        { file, line: trace.line, url: trace.url },
      );
    }
  }
}

/**
 * A field that a template uses and no column of the recipients file names would fail every row: it is said once, with
 * the columns and the nearest of them. Returns a blank for each such field, so that the rows' own problems (a short
 * row, a line break in a header) still show, one by one.
 */
function checkFields(
  context: MailContext,
  file: string,
  columns: { header: readonly string[]; fields: readonly string[] },
  findings: Findings,
): Record<string, string> {
  const { subject, text, html } = context.templates;
  const blanks: Record<string, string> = {};
  for (const template of [subject, text, html, context.unsubscribeUrl]) {
    if (template === null) continue;
    for (const field of template.fields) {
      if (columns.fields.includes(field)) continue;
      blanks[field] = '';
      const nearest = closestMatch(field, columns.fields);
      findings.add(
        'template.unknown_field',
        'error',
        template.source,
        {
          template: template.source,
          field,
          file,
          columns: columns.header.join(', '),
          hint: nearest === null ? '' : render(NEAREST_FIELD, findings.lang, { nearest }),
        },
        { template: template.source, field, columns: columns.header, nearest },
      );
    }
  }
  return blanks;
}

/**
 * The rows the queue will drop as repeats of an earlier row's address (recipientKey(), the queue's own rule), counted
 * while the file streams by: one key per address is kept, as the queue's unique index does.
 */
class DuplicateRows {
  readonly #firstLines = new Map<string, number>();
  readonly #listed: { line: number; firstLine: number; email: string }[] = [];
  #count = 0;

  /** Notes a row's address; true when it is the first row with that address. */
  see(email: string, line: number): boolean {
    const key = recipientKey(email);
    const firstLine = this.#firstLines.get(key);
    if (firstLine === undefined) {
      this.#firstLines.set(key, line);
      return true;
    }
    this.#count++;
    if (this.#listed.length < MAX_DUPLICATES_LISTED) this.#listed.push({ line, firstLine, email });
    return false;
  }

  report(file: string, findings: Findings): void {
    if (this.#count === 0) return;
    const lines = this.#listed
      .map(({ line, firstLine }) => render(DUPLICATE_LINE, findings.lang, { line, first: firstLine }))
      .join(', ');
    const more = this.#count - this.#listed.length;
    findings.add(
      'recipients.duplicate_addresses',
      'warning',
      file,
      {
        count: this.#count,
        file,
        lines,
        more: more > 0 ? render(MORE_DUPLICATES, findings.lang, { count: more }) : '',
      },
      { file, duplicates: this.#count, rows: this.#listed },
    );
  }
}

/** Renders every recipient's message once, streaming the file; a row that cannot be rendered is an error naming it. */
async function checkTemplates(
  config: CampaignConfig,
  context: MailContext,
  findings: Findings,
): Promise<PreflightReport['recipients']> {
  const prepared = prepareMessage(context);
  const counts = { checked: 0, distinct: 0, skipped: 0, renderErrors: 0 };
  const duplicates = new DuplicateRows();
  let verdict: EncodingVerdict = { encoding: 'utf-8' };
  let blanks: Record<string, string> = {};
  const hooks = {
    onEncoding: (read: EncodingVerdict) => (verdict = read),
    onColumns: (columns: { header: readonly string[]; fields: readonly string[] }) =>
      (blanks = checkFields(context, config.recipients, columns, findings)),
  };
  for await (const entry of readRecipients(config.recipients, hooks)) {
    if (entry.kind === 'skipped') {
      counts.skipped++;
      continue;
    }
    counts.checked++;
    if (duplicates.see(entry.email, entry.line)) counts.distinct++;
    const row = { file: config.recipients, line: entry.line };
    try {
      buildMessage(
        prepared,
        { recipientId: entry.line, email: entry.email, fields: { ...blanks, ...entry.fields }, messageId: '<x@x>' },
        row,
        { now: 0 },
      );
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      counts.renderErrors++;
      if (counts.renderErrors <= MAX_RENDER_FINDINGS)
        findings.add(
          'template.render_error',
          'error',
          `${config.recipients}:${entry.line}`,
          { reason: error.text[findings.lang] },
          row,
        );
    }
  }
  if (counts.renderErrors > MAX_RENDER_FINDINGS)
    findings.add('template.more_render_errors', 'error', config.recipients, {
      count: counts.renderErrors - MAX_RENDER_FINDINGS,
    });
  duplicates.report(config.recipients, findings);
  // A name with accents goes out as read, and a wrong encoding shows only there.
  const { encoding, invalidLine } = verdict;
  if (encoding === 'windows-1252')
    findings.add('recipients.windows_1252', 'warning', config.recipients, { file: config.recipients });
  else if (invalidLine !== undefined)
    findings.add(
      'recipients.invalid_utf8',
      'warning',
      `${config.recipients}:${invalidLine}`,
      { file: config.recipients, line: invalidLine },
      { file: config.recipients, line: invalidLine },
    );
  return counts;
}

/** Counts findings by severity. */
export function preflightSummary(findings: readonly PreflightFinding[]): PreflightReport['summary'] {
  const count = (severity: PreflightSeverity): number => findings.filter((f) => f.severity === severity).length;
  return { errors: count('error'), warnings: count('warning'), unknown: count('unknown') };
}

/**
 * Checks in DNS what receivers will check of a sender before anything leaves: SPF of the envelope domain authorises
 * the sending IPs, each of them has forward-confirmed reverse DNS, the DKIM key published at `<selector>._domainkey`
 * matches the private key, From / DKIM d= / envelope align for DMARC (relaxed), and the envelope domain can receive
 * the replies and bounces. A DNS timeout or SERVFAIL is reported as unknown, never as a missing record.
 */
export async function preflightSender(
  identity: SenderIdentity,
  resolver: DnsResolver,
  lang: Lang,
): Promise<PreflightFinding[]> {
  const findings = new Findings(lang);
  await checkSpf(identity, resolver, findings);
  await checkReverseDns(identity, resolver, findings);
  await checkDkim(identity, resolver, findings);
  checkAlignment(identity, findings);
  await checkReturnPathMx(identity, resolver, findings);
  return findings.list;
}

/**
 * Checks a campaign before anything leaves: the sender's DNS as preflightSender (the envelope being the VERP address
 * on returnPathDomain), and every recipient's message renders.
 */
export async function preflightCampaign(
  config: CampaignConfig,
  resolver: DnsResolver,
  options: { campaign: string; lang: Lang },
): Promise<PreflightReport> {
  const identity: SenderIdentity = {
    envelopeDomain: config.returnPathDomain,
    sendingIps: config.smtp.sendingIps,
    fromDomain: config.from.domain,
    dkim: config.dkim,
  };
  const findings = new Findings(options.lang);
  findings.list.push(...(await preflightSender(identity, resolver, options.lang)));
  // Rendering needs a campaign's VERP key only to build the envelope; a throwaway one does for a check.
  const context = loadMailContext(config, 1, randomBytes(32));
  const recipients = await checkTemplates(config, context, findings);
  checkTracking(context, findings);
  return {
    schemaVersion: 1,
    campaign: options.campaign,
    findings: findings.list,
    summary: preflightSummary(findings.list),
    recipients,
  };
}
