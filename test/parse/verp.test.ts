import { describe, expect, it } from 'vitest';
import { decodeVerp, encodeVerp, MAX_LOCAL_PART_LENGTH, VERP_PREFIX } from '../../src/parse/verp.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210');

/** Flips one base32 character of the token at `index` (counted from the token start) to another valid one. */
function alter(localPart: string, index: number): string {
  const at = VERP_PREFIX.length + index;
  const char = localPart.charAt(at);
  const replacement = char === 'a' ? 'b' : 'a';
  return localPart.slice(0, at) + replacement + localPart.slice(at + 1);
}

describe('encodeVerp()', () => {
  it.each([
    [1, 0],
    [1, 1],
    [42, 80_000],
    [0xffff_ffff, 0xffff_ffff],
    [0, 0],
  ])('round-trips campaign %i, recipient %i through decodeVerp()', (campaign, recipientId) => {
    const localPart = encodeVerp({ campaign, recipientId }, KEY);
    expect(localPart.startsWith(VERP_PREFIX)).toBe(true);
    expect(decodeVerp(localPart, KEY)).toEqual({ campaign, recipientId });
  });

  it('fits the RFC 5321 local part limit and uses only lowercase base32', () => {
    const localPart = encodeVerp({ campaign: 0xffff_ffff, recipientId: 0xffff_ffff }, KEY);
    expect(localPart.length).toBeLessThanOrEqual(MAX_LOCAL_PART_LENGTH);
    expect(localPart).toMatch(/^bounces\+[a-z2-7]+$/);
  });

  it('gives different recipients different tokens', () => {
    expect(encodeVerp({ campaign: 1, recipientId: 1 }, KEY)).not.toBe(encodeVerp({ campaign: 1, recipientId: 2 }, KEY));
  });

  it.each([
    ['a negative id', { campaign: -1, recipientId: 1 }],
    ['a fractional id', { campaign: 1, recipientId: 1.5 }],
    ['an id above 32 bits', { campaign: 1, recipientId: 2 ** 32 }],
  ])('rejects %s', (_name, identity) => {
    expect(() => encodeVerp(identity, KEY)).toThrow(RangeError);
  });

  it('rejects an empty key', () => {
    expect(() => encodeVerp({ campaign: 1, recipientId: 1 }, Buffer.alloc(0))).toThrow(/key is empty/);
  });
});

describe('decodeVerp()', () => {
  const genuine = encodeVerp({ campaign: 7, recipientId: 1234 }, KEY);

  it('accepts an uppercased local part, as some MTAs rewrite it', () => {
    expect(decodeVerp(genuine.toUpperCase(), KEY)).toEqual({ campaign: 7, recipientId: 1234 });
  });

  it('returns null under another key', () => {
    expect(decodeVerp(genuine, OTHER_KEY)).toBeNull();
  });

  it('returns null for every single-character change of the token', () => {
    const tokenLength = genuine.length - VERP_PREFIX.length;
    for (let index = 0; index < tokenLength; index++) expect(decodeVerp(alter(genuine, index), KEY)).toBeNull();
  });

  it('cannot be forged into another recipient by splicing ids from one token and the MAC from another', () => {
    // Differs from 1234 in its high byte, so the change lies inside the first 14 characters (70 bits).
    const other = encodeVerp({ campaign: 7, recipientId: 0x0100_0000 + 1234 }, KEY);
    // The first 9 bytes (version, campaign, recipient) span base32 characters 0..14; the MAC starts inside char 14.
    const spliced = other.slice(0, VERP_PREFIX.length + 14) + genuine.slice(VERP_PREFIX.length + 14);
    expect(spliced).not.toBe(other);
    expect(spliced).not.toBe(genuine);
    expect(decodeVerp(spliced, KEY)).toBeNull();
  });

  it('looks the key up by campaign and returns null for an unknown campaign', () => {
    const keys = new Map([[7, KEY]]);
    const lookup = (campaign: number) => keys.get(campaign) ?? null;
    expect(decodeVerp(genuine, lookup)).toEqual({ campaign: 7, recipientId: 1234 });
    expect(decodeVerp(encodeVerp({ campaign: 8, recipientId: 1234 }, KEY), lookup)).toBeNull();
  });

  it.each([
    ['another prefix', genuine.replace('bounces+', 'bounce+')],
    ['no token', 'bounces+'],
    ['a truncated token', genuine.slice(0, -1)],
    ['an extra character', `${genuine}a`],
    ['a foreign character', `${genuine.slice(0, -1)}1`],
    ['non-canonical trailing bits', `${genuine.slice(0, -1)}${genuine.endsWith('b') ? 'c' : 'b'}`],
    ['an over-long local part', `bounces+${'a'.repeat(80)}`],
    ['a Sympa VERP', 'bounce+user==a==example.org==list'],
    ['an empty string', ''],
  ])('returns null for %s', (_name, localPart) => {
    expect(decodeVerp(localPart, KEY)).toBeNull();
  });
});
