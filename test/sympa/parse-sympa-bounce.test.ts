import { describe, expect, it } from 'vitest';
import { parseEpochSeconds, parseSympaBounce } from '../../src/sympa/parse-sympa-bounce.js';

describe('parseSympaBounce()', () => {
  it.each([
    ['1795444004 1795444013 2 5.1.1', { first: 1795444004, last: 1795444013, count: 2, status: '5.1.1' }],
    ['1795444004 1795444004 1 4.2.2', { first: 1795444004, last: 1795444004, count: 1, status: '4.2.2' }],
    // Tracking.pm writes an empty status when the DSN had none: a trailing space remains.
    ['1700000000 1700086400 3 ', { first: 1700000000, last: 1700086400, count: 3, status: null }],
    ['1700000000 1700086400 3', { first: 1700000000, last: 1700086400, count: 3, status: null }],
    ['1700000000  1700086400\t3  5.7.1', { first: 1700000000, last: 1700086400, count: 3, status: '5.7.1' }],
  ])('reads "%s"', (field, expected) => {
    expect(parseSympaBounce(field)).toEqual({
      first: new Date(expected.first * 1000),
      last: new Date(expected.last * 1000),
      count: expected.count,
      status: expected.status,
    });
  });

  it.each([
    '',
    'bounce',
    '1700000000 1700086400',
    '2024-01-01 2024-01-02 3 5.1.1',
    '1700000000 1700086400 3 5.1.1 extra',
    '1700000000 1700086400 3 550',
    '-1 1700086400 3 5.1.1',
    '99999999999999999999 1700086400 3 5.1.1',
  ])('rejects "%s"', (field) => {
    expect(parseSympaBounce(field)).toBeNull();
  });
});

describe('parseEpochSeconds()', () => {
  it.each([
    ['1795444000', new Date(1795444000 * 1000)],
    ['0', new Date(0)],
    ['', null],
    ['17954440.5', null],
    ['-5', null],
    ['99999999999999', null],
  ])('reads "%s"', (text, expected) => {
    expect(parseEpochSeconds(text)).toEqual(expected);
  });
});
