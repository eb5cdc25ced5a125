import { describe, expect, it } from 'vitest';
import { classifyReturnCode, gatherBlocklists } from '../../src/facts/blocklists.js';
import { gatherContext } from './mail-gather-context.js';

describe('classifyReturnCode()', () => {
  it.each([
    ['zen.spamhaus.org', '127.0.0.2', 'listed'],
    ['zen.spamhaus.org', '127.255.255.254', 'error'],
    ['zen.spamhaus.org', '127.255.255.252', 'error'],
    ['dbl.spamhaus.org', '127.0.1.255', 'error'],
    ['dbl.spamhaus.org', '127.0.1.2', 'listed'],
    ['multi.uribl.com', '127.0.0.1', 'error'],
    ['multi.surbl.org', '127.0.0.1', 'error'],
    ['multi.uribl.com', '127.0.0.2', 'listed'],
    ['bl.spamcop.net', '127.0.0.2', 'listed'],
    ['bl.spamcop.net', '192.0.2.1', 'error'],
    ['bl.example', '127.255.255.254', 'listed'],
  ])('classifyReturnCode() reads %s answering %s as %s', (zone, address, expected) => {
    expect(classifyReturnCode(zone, address)).toBe(expected);
  });
});

describe('gatherBlocklists()', () => {
  it('gatherBlocklists() checks each zone test point once per run, however many domains', async () => {
    const zone = '2.0.0.127.bl.example. A 127.0.0.2\nexample.org. MX 10 mx.example.org.\nmx.example.org. A 192.0.2.1';
    const context = gatherContext(zone, { dnsbl: ['bl.example'] });
    await gatherBlocklists(context);
    await gatherBlocklists({ ...context, domain: 'example.net' });
    expect(context.queries.filter((query) => query.startsWith('2.0.0.127.bl.example'))).toEqual([
      '2.0.0.127.bl.example A',
    ]);
  });
});
