import { describe, expect, it } from 'vitest';
import { expandIpv6, ipLiteral, reverseName } from '../../src/facts/mx.js';

describe('mx helpers', () => {
  it.each([
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::1', '00000000000000000000000000000001'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
  ])('expandIpv6() expands %s', (address, expected) => {
    expect(expandIpv6(address)).toBe(expected);
  });

  it('reverseName() builds in-addr.arpa and ip6.arpa names', () => {
    expect(reverseName('192.0.2.10')).toBe('10.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });

  it('ipLiteral() recognises bare and bracketed addresses only', () => {
    expect(ipLiteral('192.0.2.1')).toBe('192.0.2.1');
    expect(ipLiteral('[IPv6:2001:db8::1]')).toBe('2001:db8::1');
    expect(ipLiteral('mx.example.org')).toBeNull();
  });
});
