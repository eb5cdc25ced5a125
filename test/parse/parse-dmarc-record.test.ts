import { describe, expect, it } from 'vitest';
import { DmarcSyntaxError, isDmarcRecord, parseDmarcRecord } from '../../src/parse/parse-dmarc-record.js';

const NAME = '_dmarc.example.org';

describe('parseDmarcRecord()', () => {
  it('applies RFC 7489 defaults', () => {
    expect(parseDmarcRecord('v=DMARC1; p=none', NAME)).toEqual({
      policy: 'none',
      subdomainPolicy: null,
      pct: 100,
      rua: [],
      ruf: [],
      adkim: 'r',
      aspf: 'r',
      fo: ['0'],
      rf: ['afrf'],
      ri: 86400,
      unknownTags: [],
    });
  });

  it('parses every tag', () => {
    const record = parseDmarcRecord(
      'v=DMARC1; p=Reject; sp=quarantine; pct=50; rua=mailto:d@rua.example.net!10m,mailto:x@example.org; ruf=https://r.example.net/x; adkim=s; aspf=s; fo=1:d; rf=afrf; ri=3600; np=reject',
      NAME,
    );
    expect(record).toEqual({
      policy: 'reject',
      subdomainPolicy: 'quarantine',
      pct: 50,
      rua: [
        { uri: 'mailto:d@rua.example.net', domain: 'rua.example.net', maxSize: '10m' },
        { uri: 'mailto:x@example.org', domain: 'example.org', maxSize: null },
      ],
      ruf: [{ uri: 'https://r.example.net/x', domain: null, maxSize: null }],
      adkim: 's',
      aspf: 's',
      fo: ['1', 'd'],
      rf: ['afrf'],
      ri: 3600,
      unknownTags: ['np'],
    });
  });

  it('tolerates spaces around tags and a trailing semicolon', () => {
    expect(parseDmarcRecord('v = DMARC1 ;  p = quarantine ; ', NAME).policy).toBe('quarantine');
    expect(parseDmarcRecord('V=DMARC1; P=REJECT', NAME).policy).toBe('reject');
  });

  it.each([
    ['v=DMARC1; p=maybe', 'unknown p "maybe" at position 10'],
    ['v=DMARC1; p=none; sp=never', 'unknown sp "never"'],
    ['v=DMARC1; p=none; pct=101', 'invalid pct "101"'],
    ['v=DMARC1; p=none; pct=-1', 'invalid pct "-1"'],
    ['v=DMARC1; p=none; rua=dmarc@example.org', 'invalid rua URI "dmarc@example.org"'],
    ['v=DMARC1; p=none; rua=mailto:nobody', 'invalid rua address "mailto:nobody"'],
    ['v=DMARC1; p=none; adkim=x', 'unknown adkim "x"'],
    ['v=DMARC1; p=none; fo=2', 'unknown fo value "2"'],
    ['v=DMARC1; p=none; ri=soon', 'invalid ri "soon"'],
    ['v=DMARC1; p=none; p=reject', 'second "p" tag'],
    ['v=DMARC1; rua=mailto:a@example.org; p=none', '"p" is not the second tag'],
    ['v=DMARC1; rua=mailto:a@example.org', 'missing "p" tag'],
    ['v=DMARC1; p', 'tag without value "p"'],
    ['p=none; v=DMARC1', 'missing version "v=DMARC1" as first tag'],
    ['v=dmarc1; p=none', 'missing version'],
    ['', 'missing version'],
  ])('rejects %j', (text, message) => {
    expect(() => parseDmarcRecord(text, NAME)).toThrow(message);
  });

  it('reports the record name and position on a syntax error', () => {
    let error: unknown = null;
    try {
      parseDmarcRecord('v=DMARC1; p=none; pct=x', NAME);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DmarcSyntaxError);
    expect((error as DmarcSyntaxError).position).toBe(18);
    expect((error as DmarcSyntaxError).message).toBe(
      'Cannot parse DMARC record at "_dmarc.example.org": invalid pct "x" at position 18',
    );
  });

  it('survives an over-long hostile record', () => {
    const uris = Array.from({ length: 300 }, (_, i) => `mailto:r${i}@example.org`).join(',');
    expect(parseDmarcRecord(`v=DMARC1; p=none; rua=${uris}`, NAME).rua).toHaveLength(300);
  });
});

describe('isDmarcRecord()', () => {
  it.each([
    ['v=DMARC1; p=none', true],
    ['v=DMARC1', true],
    ['v=DMARC10; p=none', false],
    ['v=spf1 -all', false],
    // RFC 7489 6.4: the tag name is case-insensitive, the value is not.
    ['V=DMARC1; P=REJECT', true],
    ['v=dmarc1; p=reject', false],
  ])('tells %j', (text, expected) => {
    expect(isDmarcRecord(text)).toBe(expected);
  });
});
