import { describe, expect, it } from 'vitest';
import { dnskeyTag, dsDigest, isSupportedDigestType } from '../../src/dns/dnssec-digest.js';

/** The example key of RFC 4034 5.4 and RFC 4509 2.3. */
const KEY = {
  flags: 256,
  algorithm: 5,
  key:
    'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvx' +
    'egXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==',
};

describe('DNSSEC DS digests', () => {
  it('dnskeyTag() gives the key tag of RFC 4034 5.4', () => {
    expect(dnskeyTag(KEY)).toBe(60485);
  });

  it('dsDigest() gives the SHA-1 DS of RFC 4034 5.4 and the SHA-256 DS of RFC 4509 2.3', () => {
    expect(dsDigest('dskey.example.com.', KEY, 1)).toBe('2bb183af5f22588179a53b0a98631fad1a292118');
    expect(dsDigest('dskey.example.com', KEY, 2)).toBe(
      'd4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a',
    );
  });

  it('dsDigest() reads the owner name case-insensitively, and gives null for a digest type it does not compute', () => {
    expect(dsDigest('DSKEY.Example.COM', KEY, 1)).toBe(dsDigest('dskey.example.com', KEY, 1));
    expect(dsDigest('dskey.example.com', KEY, 3)).toBeNull();
    expect([1, 2, 3, 4].map(isSupportedDigestType)).toEqual([true, true, false, true]);
  });
});
