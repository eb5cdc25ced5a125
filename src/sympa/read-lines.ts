import { createReadStream } from 'node:fs';
import type { Text } from '../i18n.js';
import { unreadableFile } from '../file-failure.js';

/**
 * The longest line kept. A dump line holds one field of one member (a gecos, an encoded custom attribute); a
 * doveadm line one user and one value. A megabyte is far above any of them and keeps a damaged file from
 * filling memory with a single line.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** One line of a text file, numbered from 1, without its CR LF or LF. */
export interface Line {
  number: number;
  text: string;
  /** The bytes were not UTF-8; `text` holds U+FFFD where they failed. */
  isInvalidUtf8: boolean;
  /** The line was longer than MAX_LINE_BYTES; `text` is empty and the rest of the line was skipped. */
  isTooLong: boolean;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const lenient = new TextDecoder('utf-8', { ignoreBOM: false });

function decode(bytes: Buffer, number: number, isTooLong: boolean): Line {
  if (isTooLong) return { number, text: '', isInvalidUtf8: false, isTooLong };
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  const body = bytes.subarray(0, end);
  try {
    return { number, text: strict.decode(body), isInvalidUtf8: false, isTooLong };
  } catch {
    return { number, text: lenient.decode(body), isInvalidUtf8: true, isTooLong };
  }
}

/** Streams the lines of a file with bounded memory; a file that cannot be opened or read is an InputError naming `what`. */
export async function* readLines(file: string, what: Text): AsyncGenerator<Line> {
  try {
    yield* readLinesUnchecked(file);
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string')
      throw unreadableFile(what, file, error);
    throw error;
  }
}

async function* readLinesUnchecked(file: string): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let isTooLong = false;
  let number = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      number += 1;
      const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      yield decode(bytes, number, isTooLong || bytes.length > MAX_LINE_BYTES);
      pending = [];
      pendingBytes = 0;
      isTooLong = false;
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    if (isTooLong || pendingBytes + rest.length > MAX_LINE_BYTES) {
      isTooLong = true;
      pending = [];
      pendingBytes = 0;
    } else if (rest.length > 0) {
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || isTooLong) yield decode(Buffer.concat(pending), number + 1, isTooLong);
}
