import { BOUNCE_LIMITS } from './limits.js';
import type { HeaderField } from './mime.js';
import { headerValues } from './mime.js';
import type { RawRecipient } from './raw-recipient.js';
import { cleanAddress, emptyRaw } from './raw-recipient.js';

/**
 * Where the error text of a non-DSN bounce stops and the returned message begins: qmail's "--- Below this
 * line is a copy of the message.", Exim's "------ This is a copy of the message", Gmail's "----- Original
 * message -----", Sendmail's "----- Original message follows -----", Yahoo and others alike.
 */
const ORIGINAL_MARKER =
  /^[ \t]*(?:[-=_*]{2,}.*(?:below this line|copy of|original message|returned message|message follows|undelivered message|message header|original mail|headers? (?:of|follow))|(?:original message|returned message|message headers?) follows?[.:]?[ \t]*$|content-type: message\/rfc822)/im;

/** Two consecutive header lines: the returned message quoted inline without any marker. */
const INLINE_HEADERS =
  /^(?:received|return-path|from|to|subject|date|message-id|mime-version|dkim-signature|x-[\w-]+): [^\n]*\n(?:[ \t][^\n]*\n)*(?:received|return-path|from|to|subject|date|message-id|mime-version|content-type|x-[\w-]+): /im;

// Stricter than RFC 5322 on purpose: in free text, "/", "&" and "=" before an "@" are URL or VERP debris.
// Local parts bounded (RFC 5321 4.5.3.1.1: 64 octets): a megabyte of letters must not cost a quadratic scan.
const ADDRESS_G = /[\w.+%'-]{1,64}@[\w-]+(?:\.[\w-]+)+/g;

/** Local parts that are Message-IDs or queue ids quoted in the text (`200904290210.0000@mx`). */
const ID_LIKE = /^\d{8,}[.\w$-]*$|^[\w.-]*\d{6,}\.[\w.]*\d{4,}/;

/** Local parts that are never the failed recipient: the bounce's own senders and helpdesks. */
const NOT_A_RECIPIENT =
  /^(?:mailer-daemon|postmaster|abuse|hostmaster|webmaster|noreply|no-reply|root|mail-daemon|mailerdaemon|double-bounce)$/i;

/** The error text of a bounce: the top, up to the returned message. */
export function errorSection(text: string): string {
  let end = Math.min(text.length, BOUNCE_LIMITS.MAX_TEXT_CHARS);
  const marker = ORIGINAL_MARKER.exec(text);
  if (marker !== null && marker.index < end) end = marker.index;
  const inline = INLINE_HEADERS.exec(text.slice(0, end));
  if (inline !== null) end = inline.index;
  return text.slice(0, end);
}

/**
 * Reads recipients and their error out of a bounce without a message/delivery-status part (qmail, Exim,
 * Gmail, Yahoo, Japanese carriers...): each address in the error text, minus the bounce's own parties, with
 * the paragraph that follows it. Exim's X-Failed-Recipients, when present, is the list.
 */
export function scanPlainBounce(text: string, headers: readonly HeaderField[]): RawRecipient[] {
  const section = errorSection(text);
  const found = scanSection(section, headers, false);
  if (found.length > 0) return found;
  // The failed address may also be the bounce's own To (a forward bouncing back), and the error may sit
  // below a quoted header block (iMail): try again more leniently.
  const wider = text.slice(0, BOUNCE_LIMITS.MAX_TEXT_CHARS);
  const marker = ORIGINAL_MARKER.exec(wider);
  return scanSection(marker === null ? wider : wider.slice(0, marker.index), headers, true);
}

function scanSection(section: string, headers: readonly HeaderField[], lenient: boolean): RawRecipient[] {
  const own = new Set<string>();
  // The lenient pass only rules out the bounce's senders: a forward can bounce back to the failed address.
  const ownHeaders = lenient
    ? ['from', 'reply-to', 'return-path', 'sender']
    : ['from', 'to', 'cc', 'reply-to', 'return-path', 'sender', 'delivered-to', 'x-original-to', 'envelope-to'];
  for (const name of ownHeaders)
    for (const value of headerValues(headers, name))
      for (const address of value.match(ADDRESS_G) ?? []) own.add(address.toLowerCase());

  const failedHeader = headerValues(headers, 'x-failed-recipients').join(',');
  let listed = (failedHeader.match(ADDRESS_G) ?? []).map((a) => a.toLowerCase());
  // A header that names none of the addresses in the text was rewritten on the way; trust the text.
  const lowerSection = section.toLowerCase();
  const textAddresses = (section.match(ADDRESS_G) ?? []).map((a) => a.toLowerCase()).filter((a) => !own.has(a));
  if (!listed.some((address) => lowerSection.includes(address)) && textAddresses.length > 0) listed = [];
  const order: string[] = [];
  const summarised = new Set<string>();
  const paragraphs = new Map<string, string[]>();
  const lines = section.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    for (const found of line.match(ADDRESS_G) ?? []) {
      const address = (cleanAddress(found) ?? found).toLowerCase();
      if (listed.length > 0 ? !listed.includes(address) : own.has(address)) continue;
      const local = address.split('@')[0] ?? '';
      // Verizon and Apache James summarise the envelope ("RCPT TO: 0123456789@vtext.com"): an SMS gateway's
      // all-digit local part is then a phone number, not a message id.
      const isEnvelopeRecipient = /^\s*rcpt to:/i.test(line);
      if (NOT_A_RECIPIENT.test(local) || (ID_LIKE.test(local) && !isEnvelopeRecipient)) continue;
      // The same summaries quote the sender and copies: "MAIL FROM:", "From:", "CC:" never name the failed one.
      if (/^\s*(?:mail from|from|sender|reply-to|cc|bcc|return-path):/i.test(line)) continue;
      if (isEnvelopeRecipient) summarised.add(address);
      // Exim's "(generated from x)" names the address before a redirect; "contact <x>" is a helpdesk.
      const before = line.slice(0, line.indexOf(found)).toLowerCase();
      if (/(?:generated from|contact)\s*<?$/.test(before)) continue;
      // In the lenient pass, quoted header lines (To:, From:) belong to the original message.
      if (lenient && /^\s*[\w-]+:\s/.test(line) && !/^\s*(?:remote host said|diagnostic|reason|error|to):?/i.test(line))
        continue;
      // Message-IDs and Received lines quote ids that look like addresses.
      if (/^\s*(?:message-id|in-reply-to|references|received|by |with |id |for |\(envelope-from)/i.test(line)) continue;
      if (!paragraphs.has(address)) {
        if (order.length >= BOUNCE_LIMITS.MAX_RECIPIENTS) break;
        order.push(address);
        paragraphs.set(address, []);
      }
      const list = paragraphs.get(address) ?? [];
      if (list.length < 3) list.push(paragraphAt(lines, i));
    }
  }
  for (const address of listed)
    if (!paragraphs.has(address)) {
      order.push(address);
      paragraphs.set(address, []);
    }

  const errorLine = firstErrorLine(section);
  return order.map((address) => {
    let diagnostic = (paragraphs.get(address) ?? []).filter((p) => p !== '').join(' ');
    // Gmail and GMX put the address alone on its line and the error paragraphs below: take the whole text.
    // Gmail: only what the remote server said counts, not Google's own framing around it.
    const remote = /the error that the other server returned was:([\s\S]*)/i.exec(section)?.[1]?.trim();
    if (remote !== undefined && remote !== '' && order.length === 1) diagnostic = remote.replace(/\s+/g, ' ');
    else if (diagnostic.replace(address, '').replace(/[<>:\s]/g, '').length < 8 && order.length === 1)
      diagnostic = (errorParagraph(section) ?? section)
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, BOUNCE_LIMITS.MAX_DIAGNOSTIC_CHARS);
    if (!/\b[245]\d\d\b|\b[245]\.\d{1,3}\.\d{1,3}\b/.test(diagnostic) && errorLine !== null && order.length === 1)
      diagnostic = `${diagnostic} ${errorLine}`.trim();
    // The envelope summary around "RCPT TO:" says nothing of the error, written above it.
    if (summarised.has(address) && errorLine !== null) diagnostic = errorLine;
    if (diagnostic === '')
      diagnostic = section.replace(/\s+/g, ' ').trim().slice(0, BOUNCE_LIMITS.MAX_DIAGNOSTIC_CHARS);
    return { ...emptyRaw(address), diagnostic: diagnostic === '' ? null : diagnostic };
  });
}

/** The line of an address (iMail writes the error before it) and the lines below, up to a blank line or the next address. */
function paragraphAt(lines: readonly string[], index: number): string {
  const parts = [(lines[index] ?? '').replace(/^[>:*\s-]+/, '').trim()];
  let start = index + 1;
  // DragonFly and others end a sentence with the address ("…your mail to <a@b>.") and give the error in the
  // next paragraph: step over the blank line once.
  // A line holding the address alone is Gmail's layout, handled by the caller.
  const first = parts[0] ?? '';
  const sentence = first.replace(/<?[^\s<>@]{1,64}@[^\s<>@]{1,255}>?[.:]?\s*$/, '').trim();
  if (sentence.length >= 8 && sentence !== first && (lines[start] ?? '').trim() === '') start += 1;
  for (let j = start; j < lines.length && j < start + 11; j++) {
    const next = lines[j] ?? '';
    if (next.trim() === '') break;
    // The next recipient's own line (alone, or "addr: error" as OpenSMTPD and Zoho write it).
    if (/^\s*<?[^\s<>@]{1,64}@[^\s<>@]{1,255}>?(?::|\s*$)/.test(next)) break;
    // Sendmail's transcript gives each recipient its own "554 <addr>... error" line, each host its own
    // "550 host (smtp)... error" line and each connection a "While talking to host:" line.
    if (/^[245]\d\d (?:<[^\s<>@]{1,64}@[^\s<>@]{1,255}>|[\w.-]+ \(\w+\))\.\.\.|^while talking to /i.test(next)) break;
    parts.push(next.trim());
  }
  return parts.join(' ').trim();
}

/** The paragraph holding the first SMTP reply: Gmail's "The error that the other server returned was:". */
function errorParagraph(section: string): string | null {
  const m = /^.*(?:\b[45]\d\d[\s-]|\b[45]\.\d{1,3}\.\d{1,3}\b)[\s\S]*?(?:\n\s*\n|$)/m.exec(section);
  return m === null ? null : m[0];
}

/** The first line carrying an SMTP reply or status code: the error a one-recipient bounce reports. */
function firstErrorLine(section: string): string | null {
  const m = /^.*(?:\b[45]\d\d[\s-]|\b[45]\.\d{1,3}\.\d{1,3}\b).*$/m.exec(section);
  return m === null ? null : m[0].trim();
}
