import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeText, decodingStream, fileEncoding } from '../../src/parse/text-encoding.js';

/** "Vélo l’Œuf 5 € …" as Excel's "CSV" writes it on a French Windows: one byte a letter, Windows-1252. */
const WINDOWS_1252 = Buffer.from([
  0x56, 0xe9, 0x6c, 0x6f, 0x20, 0x6c, 0x92, 0x8c, 0x75, 0x66, 0x20, 0x35, 0x20, 0x80, 0x20, 0x85,
]);

describe('decodeText()', () => {
  it('reads UTF-8 as UTF-8, dropping the byte order mark spreadsheets write', () => {
    expect(decodeText(Buffer.from('\uFEFFdomain,member\nvelo.example,Vélo l’Œuf\n'))).toEqual({
      text: 'domain,member\nvelo.example,Vélo l’Œuf\n',
      encoding: 'utf-8',
    });
    expect(decodeText(Buffer.from('plain ASCII'))).toEqual({ text: 'plain ASCII', encoding: 'utf-8' });
  });

  it('reads what is not UTF-8 as Windows-1252, its curly apostrophe, Œ and euro included', () => {
    expect(decodeText(WINDOWS_1252)).toEqual({ text: 'Vélo l’Œuf 5 € …', encoding: 'windows-1252' });
  });
});

describe('fileEncoding() and decodingStream()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-encoding-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a Windows-1252 byte far past the first chunk of a file', async () => {
    const file = join(dir, 'late.csv');
    writeFileSync(file, Buffer.concat([Buffer.from('a,b\n'.repeat(100_000)), WINDOWS_1252]));
    expect(await fileEncoding(file)).toBe('windows-1252');
  });

  it('keeps a UTF-8 file whose multi-byte letters straddle the chunks it is read in', async () => {
    const file = join(dir, 'utf8.csv');
    // 'é' is two bytes: shifted by one ASCII byte, the letters cross every 64 KiB chunk boundary at some point.
    writeFileSync(file, `x${'é'.repeat(200_000)}`);
    expect(await fileEncoding(file)).toBe('utf-8');
  });

  it('decodes a stream of Windows-1252 bytes into text, chunk by chunk', async () => {
    const chunks = [WINDOWS_1252.subarray(0, 7), WINDOWS_1252.subarray(7)];
    let text = '';
    for await (const part of Readable.from(chunks).pipe(decodingStream('windows-1252'))) text += String(part);
    expect(text).toBe('Vélo l’Œuf 5 € …');
  });
});
