import { createHash, randomBytes } from 'node:crypto';
import base64 from 'nodemailer/lib/base64/index.js';
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js';
import qp from 'nodemailer/lib/qp/index.js';
import { InputError } from '../errors.js';
import type { Mailbox } from './campaign-config.js';
import { returnPathOf, TEST_RECIPIENT_ID, type MailContext, type MailInput } from './mail-context.js';
import {
  escapeHtml,
  HEADER_UNSAFE,
  headerValue,
  renderTemplate,
  type RowLocation,
  type Template,
} from './render-message.js';

/** A header as nodemailer's DKIM code reads it: the lowercase name, and the folded line without its final CRLF. */
export interface HeaderLine {
  key: string;
  line: string;
}

/** One recipient's message, ready to sign and send. */
export interface BuiltMessage {
  envelope: { from: string; to: string };
  headers: HeaderLine[];
  /** The body as sent: 7-bit (quoted-printable or base64 parts), CRLF line ends. */
  body: string;
  /** DKIM `bh=` (RFC 6376 3.7): SHA-256 of the relaxed canonical body, base64. */
  bodyHash: string;
}

/** A piece of a quoted-printable part: lines encoded once per campaign, or one template line encoded per recipient. */
type Segment = { fixed: string; canonical: string } | { line: Template };

/** A text or HTML part, with everything that does not depend on the recipient encoded once. */
interface PreparedPart {
  /** `Content-Type` and `Content-Transfer-Encoding`. */
  headers: HeaderLine[];
  /** Inside a multipart body: the delimiter and the part's headers, as sent and canonicalized. */
  head: { text: string; canonical: string };
  encoding: 'quoted-printable' | 'base64';
  template: Template;
  escape: (value: string) => string;
  /** For quoted-printable: the part's lines. */
  segments: Segment[];
}

/** A campaign's message skeleton: built once per run, filled once per recipient. */
export interface PreparedMessage {
  context: MailContext;
  /** Headers every message carries as they are: From and Reply-To first, then MIME and one-click headers. */
  firstHeaders: HeaderLine[];
  lastHeaders: HeaderLine[];
  /** `List-Unsubscribe` when it holds no placeholder. */
  fixedUnsubscribe: HeaderLine | null;
  parts: PreparedPart[];
  /** The multipart/alternative boundary, or null for a single part. */
  boundary: string | null;
}

/** RFC 2045 6.7 (5): encoded lines are at most 76 characters; RFC 2047 2 words at most 75 (nodemailer's 52 leaves room). */
const MAX_LINE = 76;
const MAX_WORD = 52;

/** Line breaks of a template or a field, whatever system wrote them. */
const LINE_BREAK = /\r\n|\r|\n/;

/** Anything RFC 2047 has to encode in a header: nodemailer's own test before it encodes words. */
const NEEDS_ENCODED_WORD = /["\u0080-\uFFFF]/;

/** nodemailer's mime-funcs, with the `encodeAll` argument of encodeWords its typings leave out. */
const mime = mimeFuncs as Omit<typeof mimeFuncs, 'encodeWords'> & {
  encodeWords(value: string, encoding: 'Q' | 'B', maxLength: number, encodeAll: boolean): string;
};

/** nodemailer's choice between Q and B encodings: Q while Latin letters outnumber the rest, so text stays readable. */
function wordEncodingOf(value: string): 'Q' | 'B' {
  // eslint-disable-next-line no-control-regex -- counting control characters is the point
  const other = value.match(/[\x00-\x08\x0B\x0C\x0E-\x1F\u0080-\uFFFF]/g)?.length ?? 0;
  const latin = value.match(/[a-z]/gi)?.length ?? 0;
  return other < latin ? 'Q' : 'B';
}

/** A header line folded at 76 columns (RFC 5322 2.2.3), with the name DKIM knows it by. */
function header(name: string, value: string): HeaderLine {
  return { key: name.toLowerCase(), line: mime.foldLines(`${name}: ${value}`, MAX_LINE) };
}

/**
 * An unstructured header value (RFC 5322 3.6.5) with non-ASCII text as RFC 2047 encoded words, as nodemailer's
 * MimeNode writes it: every word once one needs it (some clients, Zimbra among them, drop the spaces between encoded
 * and plain words).
 */
function textHeader(name: string, value: string): HeaderLine {
  return header(
    name,
    NEEDS_ENCODED_WORD.test(value) ? mime.encodeWords(value, wordEncodingOf(value), MAX_WORD, true) : value,
  );
}

/** `Name <address>` as nodemailer writes it: a plain name as is, a printable one quoted, anything else encoded. */
function formatMailbox(mailbox: Mailbox): string {
  const name = mailbox.name;
  if (name === null || name === '') return mailbox.address;
  let display: string;
  if (/^[\w ]*$/.test(name)) display = name;
  else if (/^[\x20-\x7e]*$/.test(name)) display = `"${name.replace(/([\\"])/g, '\\$1')}"`;
  else display = mime.encodeWord(name, wordEncodingOf(name), MAX_WORD);
  return `${display} <${mailbox.address}>`;
}

/**
 * RFC 6376 3.4.4 relaxed body canonicalization of complete lines: runs of spaces and tabs become one space, and none
 * is left at a line's end. Trailing empty lines are the whole body's business (`canonicalBodyEnd`).
 */
function canonicalLines(lines: string): string {
  return lines.replace(/[ \t]+/g, ' ').replace(/ \r\n/g, '\r\n');
}

/** RFC 6376 3.4.4: empty lines at the end of the body are ignored; a non-empty body ends with one CRLF. */
function canonicalBodyEnd(body: string): string {
  let end = body.length;
  while (end >= 2 && body.charCodeAt(end - 2) === 13 && body.charCodeAt(end - 1) === 10) end -= 2;
  return end === 0 ? '' : `${body.slice(0, end)}\r\n`;
}

/** One line of text as quoted-printable (nodemailer's codec), soft-wrapped at 76 columns, ending with CRLF. */
function encodeQpLine(text: string): string {
  return `${qp.wrap(qp.encode(text), MAX_LINE)}\r\n`;
}

/** Splits a compiled template into lines of parts; the line break that ends the template starts no empty line. */
function templateLines(template: Template): Template[] {
  const lines: Template['parts'][number][][] = [[]];
  for (const part of template.parts) {
    if ('field' in part) {
      lines[lines.length - 1]?.push(part);
      continue;
    }
    part.text.split(LINE_BREAK).forEach((piece, index) => {
      if (index > 0) lines.push([]);
      if (piece !== '') lines[lines.length - 1]?.push({ text: piece });
    });
  }
  if (lines.length > 1 && lines[lines.length - 1]?.length === 0) lines.pop();
  return lines.map((parts) => ({
    source: template.source,
    parts,
    fields: parts.flatMap((part) => ('field' in part ? [part.field] : [])),
  }));
}

/**
 * Quoted-printable keeps text readable while Latin letters dominate; base64 is shorter for other scripts. The choice
 * is made once, on the template, as nodemailer makes it on a whole text.
 */
function prepareParts(context: MailContext, boundary: string): PreparedPart[] {
  const parts: PreparedPart[] = [];
  const { text, html } = context.templates;
  for (const [template, type, escape] of [
    [text, 'text/plain', (value: string) => value],
    [html, 'text/html', escapeHtml],
  ] as const) {
    if (template === null) continue;
    const literal = template.parts.map((part) => ('text' in part ? part.text : '')).join('');
    const encoding = wordEncodingOf(literal) === 'Q' ? 'quoted-printable' : 'base64';
    const segments: Segment[] = [];
    if (encoding === 'quoted-printable') {
      let fixed = '';
      for (const line of templateLines(template)) {
        if (line.fields.length === 0) {
          fixed += encodeQpLine(line.parts.map((part) => ('text' in part ? part.text : '')).join(''));
          continue;
        }
        if (fixed !== '') segments.push({ fixed, canonical: canonicalLines(fixed) });
        fixed = '';
        segments.push({ line });
      }
      if (fixed !== '') segments.push({ fixed, canonical: canonicalLines(fixed) });
    }
    const headers = [header('Content-Type', `${type}; charset=utf-8`), header('Content-Transfer-Encoding', encoding)];
    const head = `--${boundary}\r\n${headers.map((line) => line.line).join('\r\n')}\r\n\r\n`;
    parts.push({
      headers,
      head: { text: head, canonical: canonicalLines(head) },
      encoding,
      template,
      escape,
      segments,
    });
  }
  return parts;
}

/**
 * Prepares a campaign's message once per run: fixed headers formatted, template lines without placeholders encoded
 * and canonicalized for DKIM, so that each recipient costs only what is really theirs. The multipart boundary is
 * random per run (RFC 2046 5.1.1: it must not occur in the parts; `buildMessage` checks the recipient's text).
 */
export function prepareMessage(context: MailContext): PreparedMessage {
  const { config } = context;
  const boundary = `--_facteur_${randomBytes(12).toString('hex')}`;
  const parts = prepareParts(context, boundary);
  const isMultipart = parts.length > 1;
  const firstHeaders = [header('From', formatMailbox(config.from))];
  if (config.replyTo !== null) firstHeaders.push(header('Reply-To', formatMailbox(config.replyTo)));
  const lastHeaders: HeaderLine[] = [];
  // RFC 8058 3.1: one-click is announced only with an https URL; a mailto alone gets no Post header.
  if (context.unsubscribeUrl !== null) lastHeaders.push(header('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'));
  lastHeaders.push(header('MIME-Version', '1.0'));
  if (isMultipart)
    lastHeaders.push(
      header('Content-Type', mime.buildHeaderValue({ value: 'multipart/alternative', params: { boundary } })),
    );
  else lastHeaders.push(...(parts[0]?.headers ?? []));
  const hasUnsubscribeFields = (context.unsubscribeUrl?.fields.length ?? 0) > 0;
  return {
    context,
    firstHeaders,
    lastHeaders,
    fixedUnsubscribe:
      config.listUnsubscribe === null || hasUnsubscribeFields ? null : unsubscribeHeader(context, {}, NO_ROW),
    parts,
    boundary: isMultipart ? boundary : null,
  };
}

const NO_ROW: RowLocation = { file: '', line: 0 };

/** RFC 2369 List-Unsubscribe: the URL with the recipient's fields percent-encoded, and the mailto. */
function unsubscribeHeader(
  context: MailContext,
  fields: Readonly<Record<string, string>>,
  row: RowLocation,
): HeaderLine | null {
  const unsubscribe = context.config.listUnsubscribe;
  if (unsubscribe === null) return null;
  const targets: string[] = [];
  if (context.unsubscribeUrl !== null)
    targets.push(`<${renderTemplate(context.unsubscribeUrl, fields, row, encodeURIComponent)}>`);
  if (unsubscribe.mailto !== null) targets.push(`<mailto:${unsubscribe.mailto}>`);
  return textHeader('List-Unsubscribe', headerValue(targets.join(', '), 'List-Unsubscribe', row));
}

/** One part's body as sent, and its relaxed canonical form. */
function renderPart(
  part: PreparedPart,
  fields: Readonly<Record<string, string>>,
  row: RowLocation,
): { body: string; canonical: string } {
  if (part.encoding === 'base64') {
    const text = renderTemplate(part.template, fields, row, part.escape).split(LINE_BREAK).join('\r\n');
    // base64 has no spaces to canonicalize; wrap() ends a body of whole lines with its own CRLF.
    const body = `${base64.wrap(base64.encode(Buffer.from(text, 'utf8')), MAX_LINE).replace(/\r\n$/, '')}\r\n`;
    return { body, canonical: body };
  }
  let body = '';
  let canonical = '';
  for (const segment of part.segments) {
    if ('fixed' in segment) {
      body += segment.fixed;
      canonical += segment.canonical;
      continue;
    }
    let encoded = '';
    for (const line of renderTemplate(segment.line, fields, row, part.escape).split(LINE_BREAK))
      encoded += encodeQpLine(line);
    body += encoded;
    canonical += canonicalLines(encoded);
  }
  return { body, canonical };
}

/**
 * Builds one recipient's message from the prepared skeleton: VERP envelope sender, the stored Message-ID (a resend
 * after a crash reuses it), To, Subject and List-Unsubscribe from the recipient's fields, each checked for line
 * breaks where it is assigned. Nothing is added for tracking: no pixel, no rewritten link, no per-recipient header
 * beyond the address and the unsubscribe URL. With `testTo`, the message goes to that address instead, with a VERP
 * identity that names no recipient.
 */
export function buildMessage(
  prepared: PreparedMessage,
  input: MailInput,
  row: RowLocation,
  options: { testTo?: string; now: number },
): BuiltMessage {
  const { context } = prepared;
  const to = headerValue(options.testTo ?? input.email, 'To', row);
  const subject = headerValue(renderTemplate(context.templates.subject, input.fields, row), 'Subject', row);
  const headers = [
    ...prepared.firstHeaders,
    header('To', to),
    textHeader('Subject', subject),
    header('Message-ID', input.messageId),
    header('Date', new Date(options.now).toUTCString().replace(/GMT/, '+0000')),
  ];
  const unsubscribe = prepared.fixedUnsubscribe ?? unsubscribeHeader(context, input.fields, row);
  if (unsubscribe !== null) headers.push(unsubscribe);
  headers.push(...prepared.lastHeaders);

  let body: string;
  let canonical: string;
  const { boundary } = prepared;
  if (boundary === null) {
    const part = prepared.parts[0];
    ({ body, canonical } = part === undefined ? { body: '', canonical: '' } : renderPart(part, input.fields, row));
  } else {
    body = '';
    canonical = '';
    for (const part of prepared.parts) {
      const rendered = renderPart(part, input.fields, row);
      if (rendered.body.includes(boundary))
        throw new InputError(
          {
            en: `Cannot build the message for line ${row.line} of "${row.file}": a field holds the MIME boundary`,
            fr: `Impossible de construire le message pour la ligne ${row.line} de « ${row.file} » : un champ contient la frontière MIME`,
          },
          { file: row.file, line: row.line },
        );
      body += part.head.text + rendered.body + '\r\n';
      canonical += part.head.canonical + rendered.canonical + '\r\n';
    }
    body += `--${boundary}--\r\n`;
    canonical += `--${boundary}--\r\n`;
  }
  return {
    envelope: {
      from: returnPathOf(context, options.testTo === undefined ? input.recipientId : TEST_RECIPIENT_ID),
      to,
    },
    headers,
    body,
    bodyHash: createHash('sha256').update(canonicalBodyEnd(canonical)).digest('base64'),
  };
}

/** What a plain text message from one person to one address is made of. */
export interface TextMessageInput {
  from: Mailbox;
  to: string;
  subject: string;
  messageId: string;
  now: number;
  /** The body, lines ending with LF or CRLF. */
  text: string;
}

/**
 * Builds a plain text message from a person's own address to one address, such as a mail of commands to a robot:
 * the envelope sender is From's address, so that any bounce goes back to that person. The headers are the campaign
 * messages' own, from the same helpers (From, To, Subject, Message-ID, Date, MIME), each value checked for line
 * breaks here, where it is assigned; the body is UTF-8 quoted-printable, and its DKIM body hash is computed.
 */
export function buildTextMessage(input: TextMessageInput): BuiltMessage {
  for (const [name, value] of [
    ['To', input.to],
    ['Subject', input.subject],
    ['Message-ID', input.messageId],
  ] as const)
    if (HEADER_UNSAFE.test(value))
      throw new InputError({
        en: `Cannot build the message: its ${name} header would contain a line break or control character`,
        fr: `Impossible de construire le message : son en-tête ${name} contiendrait un saut de ligne ou un caractère de contrôle`,
      });
  const headers = [
    header('From', formatMailbox(input.from)),
    header('To', input.to),
    textHeader('Subject', input.subject),
    header('Message-ID', input.messageId),
    header('Date', new Date(input.now).toUTCString().replace(/GMT/, '+0000')),
    header('MIME-Version', '1.0'),
    header('Content-Type', 'text/plain; charset=utf-8'),
    header('Content-Transfer-Encoding', 'quoted-printable'),
  ];
  const lines = input.text.split(LINE_BREAK);
  // The line break that ends the text starts no empty line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const body = lines.map((line) => encodeQpLine(line)).join('');
  return {
    envelope: { from: input.from.address, to: input.to },
    headers,
    body,
    bodyHash: createHash('sha256')
      .update(canonicalBodyEnd(canonicalLines(body)))
      .digest('base64'),
  };
}

/** The message's bytes as they go after DATA: an optional DKIM-Signature field first, then the headers and the body. */
export function messageBytes(message: BuiltMessage, signature: string | null): Buffer {
  const head = message.headers.map((line) => line.line).join('\r\n');
  return Buffer.from(`${signature === null ? '' : `${signature}\r\n`}${head}\r\n\r\n${message.body}`, 'utf8');
}
