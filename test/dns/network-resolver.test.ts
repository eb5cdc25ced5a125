import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseServerAddress } from '../../src/dns/network-resolver.js';

describe('parseServerAddress', () => {
  it.each([
    ['192.0.2.1', { host: '192.0.2.1', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['::1', { host: '::1', port: 53 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ['[::1]:53', { host: '::1', port: 53 }],
    ['[2001:db8::53]:5300', { host: '2001:db8::53', port: 5300 }],
    ['[::1]', { host: '::1', port: 53 }],
    ['[0:0:0:0:0:0:0:1]:5300', { host: '::1', port: 5300 }],
    ['2001:DB8:0:0::53', { host: '2001:db8::53', port: 53 }],
  ])('reads %s', (text, address) => {
    expect(parseServerAddress(text)).toEqual(address);
  });

  it.each([
    ['dns.example.org', 'is not one'],
    ['127.0.0.1:0', 'port from 1 to 65535'],
    ['127.0.0.1:99999', 'port from 1 to 65535'],
    ['127.0.0.1:dns', 'port from 1 to 65535'],
    ['[192.0.2.1', 'is not one'],
  ])('rejects %s', (text, reason) => {
    expect(() => parseServerAddress(text)).toThrow(InputError);
    expect(() => parseServerAddress(text)).toThrow(reason);
  });
});
