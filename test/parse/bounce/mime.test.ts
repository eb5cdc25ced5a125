import { describe, expect, it } from 'vitest';
import { decodeCharset, parseMime } from '../../../src/parse/bounce/mime.js';

describe('decodeCharset()', () => {
  const eucJp = Buffer.from([0xa5, 0xe1, 0xa1, 0xbc, 0xa5, 0xeb]).toString('latin1');
  const cases: { name: string; binary: string; charset: string | undefined; expected: string }[] = [
    { name: 'reads UTF-8', binary: Buffer.from('Déjà vu').toString('latin1'), charset: 'utf-8', expected: 'Déjà vu' },
    {
      name: 'reads EUC-JP mislabelled as ISO-2022-JP (au/EZweb)',
      binary: eucJp,
      charset: 'iso-2022-jp',
      expected: 'メール',
    },
    { name: 'reads EUC-JP labelled as such', binary: eucJp, charset: 'euc-jp', expected: 'メール' },
    {
      name: 'falls back from an unknown charset to UTF-8',
      binary: Buffer.from('é').toString('latin1'),
      charset: 'x-klingon',
      expected: 'é',
    },
  ];
  for (const c of cases)
    it(`decodeCharset() ${c.name}`, () => {
      expect(decodeCharset(c.binary, c.charset)).toBe(c.expected);
    });
});

describe('parseMime()', () => {
  it('parseMime() finds the parts of a multipart whose boundary parameter was lost', () => {
    const root = parseMime(
      'Content-Type: multipart/report\n\n--XYZ\nContent-Type: text/plain\n\nhello\n--XYZ\nContent-Type: message/delivery-status\n\nAction: failed\n--XYZ--\n',
    );
    expect(root.children.map((part) => part.contentType)).toEqual(['text/plain', 'message/delivery-status']);
  });

  it('parseMime() keeps a multipart without any boundary line as one body', () => {
    expect(parseMime('Content-Type: multipart/mixed\n\njust text\n').children).toEqual([]);
  });
});
