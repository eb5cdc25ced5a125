import { describe, expect, it } from 'vitest';
import { isMtaStsCandidate, parseMtaStsRecord } from '../../src/parse/parse-mta-sts-record.js';

describe('parseMtaStsRecord()', () => {
  it('parseMtaStsRecord() reads id and keeps extensions', () => {
    expect(parseMtaStsRecord('v=STSv1; id=20240101T000000; ext=1;')).toEqual({
      id: '20240101T000000',
      extensions: { ext: '1' },
    });
  });

  it.each([
    ['missing id', 'v=STSv1;', /"id=" tag is missing/],
    ['id with a dash', 'v=STSv1; id=2024-01-01', /1 to 32 letters or digits/],
    ['id too long', `v=STSv1; id=${'a'.repeat(33)}`, /1 to 32/],
    ['wrong version case', 'v=STSV1; id=1', /must start with "v=STSv1"/],
    ['v not first', 'id=1; v=STSv1', /must start with "v=STSv1"/],
  ])('parseMtaStsRecord() rejects %s', (_name, text, message) => {
    expect(() => parseMtaStsRecord(text)).toThrow(message);
  });

  it('isMtaStsCandidate() keeps near-misses and drops unrelated TXT', () => {
    expect(isMtaStsCandidate('v=STSV1; id=1')).toBe(true);
    expect(isMtaStsCandidate('google-site-verification=abc')).toBe(false);
  });
});
