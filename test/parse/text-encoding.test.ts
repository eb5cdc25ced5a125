import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeText, decodingStream, encodingNotice, fileEncoding } from '../../src/parse/text-encoding.js';

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

  it('keeps UTF-8 with a few bad bytes as UTF-8, naming the line of the first, rather than garble every accent', () => {
    const mixed = Buffer.concat([Buffer.from('domain,member\nvelo.example,Vélo\n'), WINDOWS_1252, Buffer.from('\n')]);
    expect(decodeText(mixed)).toEqual({
      text: 'domain,member\nvelo.example,Vélo\nV\uFFFDlo l\uFFFD\uFFFDuf 5 \uFFFD \uFFFD\n',
      encoding: 'utf-8',
      invalidLine: 3,
    });
  });

  it('takes a multi-byte character cut short, at the end or by a new line, for a bad byte', () => {
    expect(decodeText(Buffer.from([0x61, 0x0a, 0x62, 0xc3]))).toMatchObject({ encoding: 'windows-1252' });
    expect(decodeText(Buffer.from([0xc3, 0xa9, 0x0a, 0xc3, 0x0a, 0x61]))).toMatchObject({ invalidLine: 2 });
  });
});

describe('encodingNotice()', () => {
  it('says nothing of plain UTF-8, and what was done otherwise, in the reader’s language', () => {
    expect(encodingNotice('m.csv', { encoding: 'utf-8' }, 'en')).toBeUndefined();
    expect(encodingNotice('m.csv', { encoding: 'windows-1252' }, 'en')).toMatch(
      /^facteur: "m\.csv" is not UTF-8: read as Windows-1252/,
    );
    expect(encodingNotice('m.csv', { encoding: 'utf-8', invalidLine: 7 }, 'fr')).toBe(
      'facteur : « m.csv » est en UTF-8 sauf quelques octets, le premier à la ligne 7 : ils se lisent « \uFFFD » ; corrigez cette ligne\n',
    );
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
    expect(await fileEncoding(file)).toEqual({ encoding: 'windows-1252' });
  });

  it('keeps a UTF-8 file whose multi-byte letters straddle the chunks it is read in', async () => {
    const file = join(dir, 'utf8.csv');
    // 'é' is two bytes: shifted by one ASCII byte, the letters cross every 64 KiB chunk boundary at some point.
    writeFileSync(file, `x${'é'.repeat(200_000)}`);
    expect(await fileEncoding(file)).toEqual({ encoding: 'utf-8' });
  });

  it('decodes a stream of Windows-1252 bytes into text, chunk by chunk', async () => {
    const chunks = [WINDOWS_1252.subarray(0, 7), WINDOWS_1252.subarray(7)];
    let text = '';
    for await (const part of Readable.from(chunks).pipe(decodingStream('windows-1252'))) text += String(part);
    expect(text).toBe('Vélo l’Œuf 5 € …');
  });
});
