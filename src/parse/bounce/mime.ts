import { BOUNCE_LIMITS } from './limits.js';

/** One header field, name lower-cased, value unfolded and trimmed. */
export interface HeaderField {
  name: string;
  value: string;
}

/** A MIME entity: its headers, content type, raw body (one char per byte, LF line ends) and subparts. */
export interface MimePart {
  headers: HeaderField[];
  /** Lower-cased `type/subtype`; `text/plain` when absent (RFC 2045 §5.2). */
  contentType: string;
  params: Record<string, string>;
  body: string;
  children: MimePart[];
}

/** Returns the first value of a header, or null. */
export function headerValue(headers: readonly HeaderField[], name: string): string | null {
  for (const field of headers) if (field.name === name) return field.value;
  return null;
}

/** Returns every value of a header, in order. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  return headers.filter((field) => field.name === name).map((field) => field.value);
}

/**
 * Turns the input into a "binary string" (one char per byte) with LF line ends: CRLF (dos/) and CR-only
 * (old Mac, mac/) messages then parse the same as LF ones, and bytes survive until their charset is known.
 */
export function normalizeInput(raw: Buffer | string): string {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const cut = bytes.length > BOUNCE_LIMITS.MAX_INPUT_BYTES ? bytes.subarray(0, BOUNCE_LIMITS.MAX_INPUT_BYTES) : bytes;
  return cut.toString('latin1').replace(/\r\n?/g, '\n');
}

/** Parses a header block (RFC 5322 §2.2, folding per §2.2.3); stops at the limits instead of failing. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const text =
    block.length > BOUNCE_LIMITS.MAX_HEADER_BLOCK_BYTES ? block.slice(0, BOUNCE_LIMITS.MAX_HEADER_BLOCK_BYTES) : block;
  const fields: HeaderField[] = [];
  let current: HeaderField | null = null;
  for (const line of text.split('\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== null) {
      if (current.value.length < BOUNCE_LIMITS.MAX_HEADER_VALUE_CHARS) current.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    // A line without a colon is not a field: some MTAs write free text among DSN fields; skip it.
    if (colon <= 0 || colon > 76) {
      current = null;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      current = null;
      continue;
    }
    if (fields.length >= BOUNCE_LIMITS.MAX_HEADER_FIELDS) break;
    current = { name, value: line.slice(colon + 1).trim() };
    fields.push(current);
  }
  for (const field of fields)
    if (field.value.length > BOUNCE_LIMITS.MAX_HEADER_VALUE_CHARS)
      field.value = field.value.slice(0, BOUNCE_LIMITS.MAX_HEADER_VALUE_CHARS);
  return fields;
}

/** Splits an entity at its first empty line into header text and body. */
export function splitEntity(text: string): { head: string; body: string } {
  if (text.startsWith('\n')) return { head: '', body: text.slice(1) };
  const end = text.indexOf('\n\n');
  if (end < 0) return { head: text, body: '' };
  return { head: text.slice(0, end), body: text.slice(end + 2) };
}

/** Parses `type/subtype; a=b; c="d"` into a lower-cased type and its parameters (RFC 2045 §5.1). */
export function parseContentType(value: string | null): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (value === null || value === '') return { type: 'text/plain', params };
  // Some gateways fold the parameters without the ";" (`text/plain\n   charset=...`): read the type token alone.
  const typeMatch = /^\s*([\w.+-]+\/[\w.+-]+)/.exec(value);
  const type = (typeMatch?.[1] ?? 'text/plain').toLowerCase();
  const rest = value.slice(typeMatch?.[0].length ?? 0);
  const re = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    const key = (m[1] ?? '').toLowerCase();
    if (!(key in params)) params[key] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { type, params };
}

interface WalkState {
  parts: number;
}

/** Parses a whole message into a MIME tree, bounded by BOUNCE_LIMITS; never throws on malformed structure. */
export function parseMime(text: string): MimePart {
  return parseEntity(text, 0, { parts: 0 });
}

function parseEntity(text: string, depth: number, state: WalkState): MimePart {
  state.parts += 1;
  const { head, body } = splitEntity(text);
  const headers = parseHeaderBlock(head);
  const { type, params } = parseContentType(headerValue(headers, 'content-type'));
  const part: MimePart = { headers, contentType: type, params, body, children: [] };
  if (depth >= BOUNCE_LIMITS.MAX_DEPTH) return part;
  const boundary = type.startsWith('multipart/') ? params.boundary || guessBoundary(body) : undefined;
  if (boundary !== undefined && boundary !== '') {
    for (const chunk of splitMultipart(body, boundary)) {
      if (state.parts >= BOUNCE_LIMITS.MAX_PARTS) break;
      part.children.push(parseEntity(chunk, depth + 1, state));
    }
  } else if (type === 'message/rfc822' || type === 'message/global') {
    if (state.parts < BOUNCE_LIMITS.MAX_PARTS) part.children.push(parseEntity(decodeTransfer(part), depth + 1, state));
  }
  return part;
}

/**
 * The boundary of a multipart whose Content-Type lost it (a gateway that rewrote the header): the first line
 * "--token" (RFC 2046 §5.1.1: 1 to 70 characters) that comes back later in the body, or undefined.
 */
function guessBoundary(body: string): string | undefined {
  const m = /^--([^\s]{1,70})[ \t]*$/m.exec(body.slice(0, BOUNCE_LIMITS.MAX_HEADER_BLOCK_BYTES));
  const token = m?.[1];
  if (token === undefined || m === null) return undefined;
  return body.includes(`\n--${token}`, m.index + 1) ? token.replace(/--$/, '') : undefined;
}

/**
 * Splits a multipart body at its boundary lines (RFC 2046 §5.1.1). A missing closing boundary (truncated
 * bounce) keeps the last part; a body without any boundary line becomes one part so its text is still read.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const marker = '--' + boundary;
  const chunks: string[] = [];
  let start = -1;
  let pos = body.startsWith(marker) ? 0 : body.indexOf('\n' + marker);
  if (pos < 0) return ['\n' + body];
  if (pos > 0) pos += 1;
  while (pos >= 0) {
    const lineEnd = body.indexOf('\n', pos);
    const line = body.slice(pos, lineEnd < 0 ? body.length : lineEnd);
    const isClose = line.startsWith(marker + '--');
    if (start >= 0) chunks.push(body.slice(start, pos > 0 ? pos - 1 : 0));
    if (isClose || lineEnd < 0) {
      start = -1;
      break;
    }
    start = lineEnd + 1;
    const next = body.indexOf('\n' + marker, lineEnd);
    pos = next < 0 ? -1 : next + 1;
  }
  if (start >= 0) chunks.push(body.slice(start));
  return chunks;
}

/** Undoes the Content-Transfer-Encoding (base64, quoted-printable); other encodings pass through. */
export function decodeTransfer(part: MimePart): string {
  const cte = (headerValue(part.headers, 'content-transfer-encoding') ?? '').toLowerCase().trim();
  if (cte === 'base64') return Buffer.from(part.body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

/** Decodes quoted-printable (RFC 2045 §6.7) into a binary string; bad escapes are kept as they are. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/=\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Converts a binary string to text with its charset; unknown charsets fall back to UTF-8, then Latin-1. */
export function decodeCharset(binary: string, charset: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(binary) && !/\x1b/.test(binary)) return binary;
  const bytes = Buffer.from(binary, 'latin1');
  let label = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8';
  // Japanese carriers and Domino send ISO-2022-JP text without declaring it (or in a DSN header field).
  // eslint-disable-next-line no-control-regex
  if (/\x1b\$[@B]/.test(binary) && !label.startsWith('iso-2022')) label = 'iso-2022-jp';
  try {
    const text = new TextDecoder(label).decode(bytes);
    if (!text.includes('\ufffd') || !/^(?:iso-2022-jp|euc-jp|shift_jis|sjis|x-sjis|cp932)$/.test(label)) return text;
    // Japanese carriers (au/EZweb) label EUC-JP or Shift_JIS text as ISO-2022-JP: try the other Japanese encodings.
    for (const other of ['euc-jp', 'shift_jis', 'utf-8']) {
      const retry = new TextDecoder(other).decode(bytes);
      if (!retry.includes('\ufffd')) return retry;
    }
    return text;
  } catch {
    const utf8 = new TextDecoder('utf-8').decode(bytes);
    return utf8.includes('\ufffd') ? binary : utf8;
  }
}

/** Returns a part's body decoded to text (transfer encoding, then charset). */
export function partText(part: MimePart): string {
  return decodeCharset(decodeTransfer(part), part.params.charset);
}

/** Decodes RFC 2047 encoded words in a header value (`=?UTF-8?Q?...?=`). */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (_, charset: string, enc: string, data: string) => {
      const binary =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('latin1')
          : data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return decodeCharset(binary, charset.split('*')[0]);
    });
}

/** Visits every part of the tree depth-first, parents before children. */
export function walkParts(root: MimePart, visit: (part: MimePart, depth: number) => void, depth = 0): void {
  visit(root, depth);
  for (const child of root.children) walkParts(child, visit, depth + 1);
}
