import { classifyReason, isHardBounce } from './classify-reason.js';
import { mtaReaderFor } from './classify-mta.js';
import type { MtaReading } from './classify-mta.js';
import { classifyRemoteHost } from './classify-remote-host.js';
import type { VerpKeyLookup } from '../verp.js';
import { decodeFacteurVerp, findVerp } from './decode-verp.js';
import { BOUNCE_LIMITS } from './limits.js';
import type { HeaderField, MimePart } from './mime.js';
import {
  decodeEncodedWords,
  headerValue,
  headerValues,
  normalizeInput,
  parseHeaderBlock,
  parseMime,
  partText,
  splitEntity,
  walkParts,
} from './mime.js';
import type { RawRecipient } from './raw-recipient.js';
import { cleanAddress, emptyRaw } from './raw-recipient.js';
import { parseSesNotification } from './parse-ses-notification.js';
import { errorSection as errorSectionOf, scanPlainBounce } from './scan-plain-bounce.js';
import type { BounceReason, BounceRecipient, BounceReport, NotMail, VerpInfo } from './types.js';
import type { Text } from '../../i18n.js';

export type { BounceReport, BounceRecipient, BounceReason, BounceKind, VerpInfo } from './types.js';

/** What the MIME walk found in a message. */
interface Sections {
  deliveryStatus: string[];
  feedbackReport: string | null;
  texts: string[];
  returnedHeaders: HeaderField[];
}

/** Pulls an RFC 3463 status out of text, preferring one whose class agrees with the SMTP reply code. */
export function statusFromText(text: string, replyCode: string | null): string | null {
  const re = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/g;
  let other: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // "5.0.0" says nothing beyond the reply class; keep searching for a real one.
    if (m[2] === '0' && m[3] === '0') continue;
    const status = `${m[1]}.${m[2]}.${m[3]}`;
    if (replyCode === null || m[1] === replyCode[0]) return status;
    other ??= status;
  }
  return other;
}

/** The SMTP reply code (550, 421, ...) at the head of a diagnostic, or null. */
export function replyCodeOf(text: string | null): string | null {
  if (text === null) return null;
  const m = /(?:^|[\s:;(])([245][0-5]\d)(?:[\s-]|$)/.exec(text);
  return m?.[1] ?? null;
}

/** The SMTP command a diagnostic answered, from the MTAs' usual wordings. */
export function smtpCommandOf(text: string): string | null {
  const m =
    /in reply to (?:the )?(?:end of )?(RCPT|MAIL|DATA|HELO|EHLO|STARTTLS|AUTH|BDAT)\b/i.exec(text) ??
    /(?:>>>|after|following) (RCPT|MAIL|DATA|HELO|EHLO|STARTTLS|end of data)\b/i.exec(text) ??
    /after (initial connection|connect)\b/i.exec(text) ??
    // qmail: "does not like recipient" is its wording for a RCPT-time refusal.
    /does not like (recipient)\b/i.exec(text) ??
    /\b(?:SMTP:)?(RCPT)[ _]TO\b|SMTP:(RCPT)\b/i.exec(text) ??
    /\b(MAIL) FROM\b/i.exec(text);
  const found = m?.[1] ?? m?.[2];
  if (found === undefined) return null;
  const command = found.toUpperCase();
  if (command === 'INITIAL CONNECTION' || command === 'CONNECT') return 'CONN';
  if (command === 'RECIPIENT') return 'RCPT';
  return command === 'END OF DATA' || command === 'BDAT' ? 'DATA' : command;
}

function collectSections(root: MimePart): Sections {
  const sections: Sections = { deliveryStatus: [], feedbackReport: null, texts: [], returnedHeaders: [] };
  let textChars = 0;
  walkParts(root, (part, depth) => {
    const type = part.contentType;
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      sections.deliveryStatus.push(partText(part));
    } else if (type === 'message/feedback-report') {
      sections.feedbackReport ??= partText(part);
    } else if ((type === 'message/rfc822' || type === 'message/global') && part.children[0] !== undefined) {
      if (sections.returnedHeaders.length === 0) sections.returnedHeaders = part.children[0].headers;
    } else if (type === 'text/rfc822-headers' || type === 'text/rfc822-header') {
      if (sections.returnedHeaders.length === 0)
        sections.returnedHeaders = parseHeaderBlock(splitEntity(partText(part)).head);
    } else if (
      (type === 'text/plain' || type === 'text/html' || (type.startsWith('text/') && depth === 0)) &&
      textChars < BOUNCE_LIMITS.MAX_TEXT_CHARS &&
      !isInsideReturned(root, part)
    ) {
      let text = partText(part);
      if (type === 'text/html') text = htmlToText(text);
      text = text.slice(0, BOUNCE_LIMITS.MAX_TEXT_CHARS - textChars);
      textChars += text.length;
      sections.texts.push(text);
    }
  });
  return sections;
}

/** True when the part sits inside a returned message/rfc822: its text is the original mail, not the bounce. */
function isInsideReturned(root: MimePart, target: MimePart): boolean {
  let found = false;
  const visit = (part: MimePart, inside: boolean): void => {
    if (found) return;
    if (part === target) {
      found = inside;
      return;
    }
    const nowInside = inside || part.contentType === 'message/rfc822' || part.contentType === 'message/global';
    for (const child of part.children) visit(child, nowInside);
  };
  visit(root, false);
  return found;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(?:br|p|div|tr|li)[^>]{0,200}>/gi, '\n')
    .replace(/<[^>]{0,500}>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/** PowerMTA's X-PowerMTA-BounceCategory (its per-recipient DSN extension) and the Sisimai reason of each. */
const POWERMTA_CATEGORIES: Record<string, BounceReason> = {
  'bad-domain': 'hostunknown',
  'bad-mailbox': 'userunknown',
  'message-expired': 'expired',
  'no-answer-from-host': 'networkerror',
  'policy-related': 'policyviolation',
  'quota-issues': 'mailboxfull',
  'routing-errors': 'systemerror',
  'spam-related': 'spamdetected',
};

/**
 * The fields of a delivery-status body, group by group (RFC 3464 §2.1: blank lines separate them). Facebook writes
 * Diagnostic-Code and Status before Final-Recipient: in a group naming one recipient, every field is that one's.
 */
function deliveryStatusFields(body: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const group of body.split(/\n[ \t]*\n/)) {
    const groupFields = parseHeaderBlock(group.replace(/^\n+/, ''));
    const isHead = (f: HeaderField): boolean => f.name === 'final-recipient' || f.name === 'original-recipient';
    if (groupFields.filter((f) => f.name === 'final-recipient').length === 1)
      fields.push(...groupFields.filter(isHead), ...groupFields.filter((f) => !isHead(f)));
    else fields.push(...groupFields);
  }
  return fields;
}

/** Reads the per-recipient fields of RFC 3464 §2.3 out of one message/delivery-status body. */
function parseDeliveryStatus(body: string): RawRecipient[] {
  const fields = deliveryStatusFields(body);
  const recipients: RawRecipient[] = [];
  let pendingOriginal: string | null = null;
  let current: RawRecipient | null = null;
  for (const { name, value } of fields) {
    if (name === 'original-recipient') {
      // RFC 3464 puts Original-Recipient before Final-Recipient; some MTAs write it just after.
      if (current !== null && current.originalRecipient === null && current.action === null) {
        current.originalRecipient = cleanAddress(value);
      } else pendingOriginal = cleanAddress(value);
      continue;
    }
    if (name === 'final-recipient') {
      const address = cleanAddress(value);
      if (address === null) {
        current = null;
        continue;
      }
      if (recipients.length >= BOUNCE_LIMITS.MAX_RECIPIENTS) break;
      current = { ...emptyRaw(address), originalRecipient: pendingOriginal };
      pendingOriginal = null;
      recipients.push(current);
      continue;
    }
    if (current === null) continue;
    if (name === 'action') current.action = value.toLowerCase().split(/[\s(;]/)[0] ?? null;
    else if (name === 'status') current.status = /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(value)?.[0] ?? null;
    else if (name === 'remote-mta') current.remoteMta = value.replace(/^\s*[\w-]+\s*;\s*/, '').trim() || null;
    else if (name === 'diagnostic-code') {
      const m = /^\s*([\w-]+)\s*;\s*([\s\S]*)$/.exec(value);
      current.diagnosticType = m?.[1]?.toUpperCase() ?? null;
      const text = (m?.[2] ?? value).trim();
      if (text !== '') current.diagnostic = text;
    } else if (name === 'x-powermta-bouncecategory') {
      current.hint ??= POWERMTA_CATEGORIES[value.trim().toLowerCase()] ?? null;
    } else if (name === 'x-actual-recipient' && /x-unix/i.test(value) && current.diagnosticType === null)
      current.diagnosticType = 'X-UNIX';
  }
  return recipients;
}

/** Subjects of RFC 3834 auto-replies in the languages seen in the wild. */
const AUTOREPLY_SUBJECT =
  /auto(?:matic)?[ _-]?(?:reply|response|respon[sd]|antwort|réponse|reponse)|out of (?:the )?office|vacation|on holiday|on leave|away from|\baway\b|absence|absent|abwesen|congés|conges|ausente|fuori sede|不在/i;

const DAEMON_SENDER = /mailer-daemon|postmaster|mail delivery|mailerdaemon|bounce|dsn|delivery/i;

const FAILURE_SUBJECT =
  /undeliver|delivery (?:status|failure|fail|report|notification|problem)|returned mail|failure notice|mail delivery|non[- ]?delivery|could not be delivered|unable to deliver|not delivered|rejected|bounce|nicht zugestellt|error|warning: could not|delayed mail|mail system error|non remis|échec|unzustellbar|失敗|エラー/i;

/** Text that only a delivery failure report says. */
const FAILURE_TEXT =
  /could not be delivered|couldn't be delivered|undeliverable|unable to deliver|delivery (?:has )?failed|failed permanently|permanent error|not (?:be )?delivered|following (?:address|recipient)|returned mail|delivery to the following|was not delivered|delivery status|rejected|user unknown|transcript of session|qmail-send|mailbox (?:is )?(?:full|unavailable)|did not reach|no such user|message delivery|error/i;

/** A message worth scanning for failed recipients: sent by a mailer daemon, titled as a failure, or saying so. */
function looksLikeBounce(headers: readonly HeaderField[], text: string): boolean {
  const from = headerValue(headers, 'from') ?? '';
  const subject = decodeEncodedWords(headerValue(headers, 'subject') ?? '');
  if (/(?:^|[<\s"])(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i.test(from)) return true;
  if ((headerValue(headers, 'return-path') ?? '').replace(/\s/g, '') === '<>') return true;
  return FAILURE_SUBJECT.test(subject) || FAILURE_TEXT.test(errorSectionOf(text).slice(0, 4000));
}

function isAutoReply(headers: readonly HeaderField[]): boolean {
  const from = headerValue(headers, 'from') ?? '';
  // Mail.ru and Exim bounces carry "Auto-Submitted: auto-replied" too; a mailer daemon never goes on vacation.
  if (/(?:^|[<\s"])(?:mailer-daemon|postmaster)@/i.test(from)) return false;
  const subject = decodeEncodedWords(headerValue(headers, 'subject') ?? '');
  if (FAILURE_SUBJECT.test(subject) && DAEMON_SENDER.test(from)) return false;
  const autoSubmitted = (headerValue(headers, 'auto-submitted') ?? '').toLowerCase();
  if (autoSubmitted.startsWith('auto-replied') && !FAILURE_SUBJECT.test(subject)) return true;
  if (headerValue(headers, 'x-autoreply') !== null || headerValue(headers, 'x-autorespond') !== null) return true;
  const precedence = (headerValue(headers, 'precedence') ?? '').toLowerCase();
  if (precedence === 'auto_reply') return true;
  return AUTOREPLY_SUBJECT.test(subject) && !FAILURE_SUBJECT.test(subject);
}

function finish(whole: RawRecipient, verp: VerpInfo | null, fallbackAction: string | null): BounceRecipient {
  const raw = { ...whole, diagnostic: whole.diagnostic?.slice(0, BOUNCE_LIMITS.MAX_CLASSIFIED_CHARS) ?? null };
  const replyCode = replyCodeOf(raw.diagnostic);
  const fromText = raw.diagnostic === null ? null : statusFromText(raw.diagnostic, replyCode);
  // OpenSMTPD and others write Status: 5.0.0 for every failure; the remote server's own code says more.
  const generic = raw.status !== null && /^[45]\.0\.0$/.test(raw.status);
  const status = generic && fromText?.[0] === raw.status?.[0] ? fromText : (raw.status ?? fromText);
  const smtpCommand = raw.smtpCommand ?? (raw.diagnostic === null ? null : smtpCommandOf(raw.diagnostic));
  const action = raw.action ?? fallbackAction;
  // Google Groups answers posts from non-members and to missing groups alike, in the poster's language.
  const groupHint = /@googlegroups\.com$/i.test(raw.address) && raw.status === null ? 'rejected' : null;
  const reason = classifyReason({
    status,
    diagnostic: raw.diagnostic,
    diagnosticType: raw.diagnosticType,
    action,
    smtpCommand,
    replyCode,
    hint: raw.hint ?? groupHint,
    remoteHostReason: classifyRemoteHost({
      remoteMta: raw.remoteMta,
      address: raw.address,
      diagnostic: raw.diagnostic,
      status,
      replyCode,
      smtpCommand,
    }),
  });
  const temporary =
    status?.startsWith('4.') === true ||
    action === 'delayed' ||
    (status === null && replyCode?.startsWith('4') === true) ||
    reason === 'vacation' ||
    reason === 'feedback' ||
    reason === 'delivered';
  const permanent = !temporary && (status?.startsWith('5.') === true || action === 'failed' || status === null);
  return {
    address: raw.address.toLowerCase(),
    originalRecipient: raw.originalRecipient?.toLowerCase() ?? null,
    status,
    action,
    reason,
    hardbounce: isHardBounce(reason, permanent),
    permanent,
    diagnostic:
      raw.diagnostic === null
        ? null
        : raw.diagnostic.replace(/\s+/g, ' ').trim().slice(0, BOUNCE_LIMITS.MAX_DIAGNOSTIC_CHARS),
    remoteMta: raw.remoteMta,
    smtpCommand,
    verp,
  };
}

/** Fills a DSN recipient's missing diagnostic from the human-readable part, where the MTA wrote the error. */
function diagnosticFromText(texts: readonly string[], address: string): string | null {
  for (const text of texts) {
    const at = text.toLowerCase().indexOf(address.toLowerCase());
    if (at < 0) continue;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const paragraphEnd = text.indexOf('\n\n', at);
    let chunk = text.slice(lineStart, paragraphEnd < 0 ? lineStart + 1000 : Math.min(paragraphEnd, lineStart + 1000));
    // OpenSMTPD lists "addr: error" one recipient a line, without blank lines between them.
    const nextRecipient = /\n\s*<?[^\s<>@]{1,64}@[^\s<>@]{1,255}>?:/.exec(chunk);
    if (nextRecipient !== null) chunk = chunk.slice(0, nextRecipient.index);
    const after = chunk.replace(/^[^\n]*?<?[^\s<>@]{1,64}@[^\s<>]{1,255}>?:?/, '').trim();
    if (after !== '') return after;
  }
  return null;
}

/** A mail begins with a header field (RFC 5322 2.2), after an mbox "From " line if it was cut from a mailbox. */
const FIRST_FIELD = /^\s*(?:From [^\n]*\n)?[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/** Why an input is not a mail, for people. */
export const NOT_MAIL: Record<NotMail, Text> = {
  empty: { en: 'Not a mail message: the file is empty', fr: 'Pas un message : le fichier est vide' },
  binary: { en: 'Not a mail message: binary data', fr: 'Pas un message : des données binaires' },
  no_header_field: {
    en: 'Not a mail message: it does not begin with a header field ("Name: value")',
    fr: 'Pas un message : il ne commence pas par un champ d’en-tête (« Nom: valeur »)',
  },
};

/** The report of a text that does not begin as a mail: kind other, and why. */
function notMailReport(text: string): BounceReport {
  // eslint-disable-next-line no-control-regex -- a NUL byte is what tells binary data
  const why: NotMail = text.trim() === '' ? 'empty' : /\u0000/.test(text.slice(0, 1024)) ? 'binary' : 'no_header_field';
  return { kind: 'other', recipients: [], error: NOT_MAIL[why].en, notMail: why };
}

/** Options of parseBounce(). */
export interface ParseBounceOptions {
  /** Keys of facteur's campaigns, to decode its VERP tokens; without them `verp` is never `facteur`. */
  verpKeys?: VerpKeyLookup;
}

/**
 * Parses a bounce, auto-reply or ARF report into recipients classified with Sisimai's reason names.
 * Pure and total: hostile input (truncated, huge, broken MIME, bad charsets) yields a report, never a throw.
 */
export function parseBounce(raw: Buffer | string, options: ParseBounceOptions = {}): BounceReport {
  try {
    const keys = options.verpKeys ?? null;
    const text = normalizeInput(raw);
    // Addresses and failure words found in a file that is no mail (a PDF, a log) would make up a bounce.
    if (!FIRST_FIELD.test(text)) return notMailReport(text);
    const report = parseNormalized(text, keys);
    return keys === null ? report : withRecipientVerp(report, keys);
  } catch (error) {
    // Defence in depth: a parser bug on one odd message must not stop a run over a mailbox.
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'other', recipients: [], error: `Cannot parse bounce: ${reason}` };
  }
}

/**
 * A bounce whose only trace of facteur's Return-Path is a recipient address (a forwarder that bounced the bounce
 * back to the VERP address, or a DSN about the VERP mailbox itself): the token names the campaign message.
 */
function withRecipientVerp(report: BounceReport, keys: VerpKeyLookup): BounceReport {
  if (report.recipients.some((r) => r.verp?.scheme === 'facteur')) return report;
  const addresses = report.recipients.flatMap((r) =>
    r.originalRecipient === null ? [r.address] : [r.address, r.originalRecipient],
  );
  const verp = decodeFacteurVerp(addresses, keys);
  if (verp === null) return report;
  return { ...report, recipients: report.recipients.map((r) => ({ ...r, verp })) };
}

function parseNormalized(text: string, keys: VerpKeyLookup | null): BounceReport {
  const root = parseMime(text);
  const headers = root.headers;
  const sections = collectSections(root);
  const allText = sections.texts.join('\n');
  let returnedHeaders = sections.returnedHeaders;
  if (returnedHeaders.length === 0) returnedHeaders = inlineReturnedHeaders(allText);
  const verp = findVerp(headers, returnedHeaders, allText, keys);
  const reportType = (root.params['report-type'] ?? '').toLowerCase();

  // Microsoft's JMRP complaints are not ARF: the reported message alone, tagged with X-HmXmrOriginalRecipient.
  const jmrp = cleanAddress(headerValue(sections.returnedHeaders, 'x-hmxmroriginalrecipient'));
  if (jmrp !== null && sections.deliveryStatus.length === 0 && sections.feedbackReport === null) {
    const diagnostic = decodeEncodedWords(headerValue(headers, 'subject') ?? '') || null;
    return {
      kind: 'feedback',
      feedbackType: 'abuse',
      recipients: [finish({ ...emptyRaw(jmrp), diagnostic, hint: 'feedback' }, verp, null)],
    };
  }

  if (sections.feedbackReport !== null || reportType === 'feedback-report') {
    const report = parseHeaderBlock((sections.feedbackReport ?? '').replace(/^\n+/, ''));
    const feedbackType = (headerValue(report, 'feedback-type') ?? 'other').toLowerCase().trim();
    // RFC 6650 §5 allows one Original-Rcpt-To per recipient of the reported message.
    let addresses = headerValues(report, 'original-rcpt-to').map(cleanAddress);
    if (addresses.length === 0) addresses = [cleanAddress(headerValue(report, 'removal-recipient'))];
    if (addresses[0] === null) addresses = [cleanAddress(headerValue(returnedHeaders, 'to'))];
    const diagnostic = sections.texts[0]?.trim() || null;
    const recipients = [...new Set(addresses.filter((a): a is string => a !== null))]
      .slice(0, BOUNCE_LIMITS.MAX_RECIPIENTS)
      .map((address) => finish({ ...emptyRaw(address), diagnostic, hint: 'feedback' }, verp, null));
    return { kind: 'feedback', feedbackType, recipients };
  }

  const ses = parseSesNotification(allText);
  if (ses !== null && ses.recipients.length > 0) {
    if (ses.type === 'Complaint') {
      const recipients = ses.recipients.map((r) => finish({ ...r, hint: 'feedback' }, verp, null));
      return { kind: 'feedback', feedbackType: ses.feedbackType ?? 'abuse', recipients };
    }
    const recipients = ses.recipients.map((r) => finish(r, verp, null));
    if (ses.type === 'Delivery') return { kind: 'delivered', recipients: recipients.map(asDelivered) };
    return { kind: 'bounce', recipients };
  }

  let dsn: RawRecipient[] = [];
  for (const body of sections.deliveryStatus) dsn = dsn.concat(parseDeliveryStatus(body));
  if (dsn.length === 0) {
    // Amazon WorkMail and some gateways paste the DSN fields into the text part instead of a
    // message/delivery-status part.
    const start = /^(?:original|final)-recipient:/im.exec(allText);
    if (start !== null) dsn = parseDeliveryStatus(errorSectionOf(allText.slice(start.index)));
  }
  if (dsn.length > 0) {
    const wholeCommand = smtpCommandOf(errorSectionOf(allText).replace(/\s+/g, ' '));
    for (const recipient of dsn) {
      const paragraph = diagnosticFromText(sections.texts, recipient.address);
      recipient.diagnostic ??= paragraph;
      // Postfix and Sendmail name the SMTP command in the human-readable part only.
      recipient.smtpCommand ??=
        smtpCommandOf((recipient.diagnostic ?? '').replace(/\s+/g, ' ')) ??
        smtpCommandOf((paragraph ?? '').replace(/\s+/g, ' ')) ??
        (dsn.length === 1 ? wholeCommand : null);
      if (recipient.diagnostic === null) {
        const scanned = scanPlainBounce(allText, headers);
        const same = scanned.find((r) => r.address.toLowerCase() === recipient.address.toLowerCase());
        if (same !== undefined) recipient.diagnostic = same.diagnostic;
      }
    }
    const recipients = withMtaReading(dsn.slice(0, BOUNCE_LIMITS.MAX_RECIPIENTS), headers, allText).map((r) =>
      finish(r, verp, null),
    );
    const delivered = recipients.every(
      (r) => /^(?:delivered|relayed|expanded)$/.test(r.action ?? '') || r.status?.startsWith('2.') === true,
    );
    return {
      kind: delivered ? 'delivered' : 'bounce',
      recipients: delivered ? recipients.map(asDelivered) : recipients,
    };
  }

  if (isAutoReply(headers)) {
    const address = cleanAddress(headerValue(headers, 'from')) ?? cleanAddress(headerValue(headers, 'reply-to'));
    if (address === null) return { kind: 'autoreply', recipients: [] };
    const subject = decodeEncodedWords(headerValue(headers, 'subject') ?? '');
    return {
      kind: 'autoreply',
      recipients: [finish({ ...emptyRaw(address), diagnostic: subject || null, hint: 'vacation' }, verp, null)],
    };
  }

  if (!looksLikeBounce(headers, allText)) return { kind: 'other', recipients: [] };
  let scanned = scanPlainBounce(allText, headers);
  if (scanned.length === 0) {
    // Old Sendmail (v5) and some gateways name the recipient only in the returned message's To.
    const address = cleanAddress(headerValue(returnedHeaders, 'to'));
    const section = errorSectionOf(allText).replace(/\s+/g, ' ').trim();
    if (address !== null) scanned = [{ ...emptyRaw(address), diagnostic: section === '' ? null : section }];
  }
  if (scanned.length === 0) return { kind: 'other', recipients: [] };
  return {
    kind: 'bounce',
    recipients: withMtaReading(scanned.slice(0, BOUNCE_LIMITS.MAX_RECIPIENTS), headers, allText).map((r) =>
      finish(r, verp, null),
    ),
  };
}

/** Adds what the bounce's own MTA says (classify-mta.ts) to what the message itself settled. */
function withMtaReading(raws: RawRecipient[], headers: readonly HeaderField[], text: string): RawRecipient[] {
  const read = mtaReaderFor(headers);
  if (read === null) return raws;
  // The error text speaks of every recipient at once: it names the reason of a lone one only.
  const context = raws.length === 1 ? errorSectionOf(text) : '';
  return raws.map((raw) => {
    const reading: MtaReading = read(
      raw.diagnostic?.slice(0, BOUNCE_LIMITS.MAX_CLASSIFIED_CHARS) ?? null,
      context.slice(0, BOUNCE_LIMITS.MAX_CLASSIFIED_CHARS),
    );
    return { ...raw, hint: raw.hint ?? reading.reason, smtpCommand: raw.smtpCommand ?? reading.smtpCommand };
  });
}

function asDelivered(recipient: BounceRecipient): BounceRecipient {
  return { ...recipient, reason: 'delivered', hardbounce: false, permanent: false };
}

/** The header block of an original message quoted inline after the error text (non-MIME bounces). */
function inlineReturnedHeaders(text: string): HeaderField[] {
  const m = /^(?:received|return-path|message-id|from|to|subject|date|x-[\w-]+):[^\n]*\n(?:[^\n]+\n)*/im.exec(text);
  return m === null ? [] : parseHeaderBlock(m[0]);
}
