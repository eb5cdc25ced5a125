import { describe, expect, it } from 'vitest';
import { expandIpv6, gatherMx, ipLiteral, reverseName } from '../../src/facts/mx.js';
import { gatherContext } from './mail-gather-context.js';

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

describe('gatherMx() in a run of several domains', () => {
  const zone = [
    'a.example.org. MX 10 mx.hoster.example.',
    'b.example.org. MX 10 mx.hoster.example.',
    'mx.hoster.example. A 192.0.2.25',
    '25.2.0.192.in-addr.arpa. PTR mx.hoster.example.',
  ].join('\n');

  it('gatherMx() resolves a host shared by members once per run, reverse DNS included', async () => {
    const first = gatherContext(zone, {}, {}, 'a.example.org');
    const second = { ...gatherContext(zone, {}, {}, 'b.example.org'), once: first.once };
    const [a, b] = await Promise.all([gatherMx(first), gatherMx(second)]);
    expect(b.hosts).toEqual(a.hosts);
    expect(a.hosts[0]?.addresses).toMatchObject({ ok: true, value: [{ address: '192.0.2.25' }] });
    // The second member's gatherer asks only its own MX question: the host, its PTR and FCrDNS come from the run.
    expect(second.queries).toEqual(['b.example.org MX']);
    expect(first.queries).toContain('25.2.0.192.in-addr.arpa PTR');
  });

  it('gatherMx() asks again for a host whose lookup failed for an earlier member of the run', async () => {
    const failing = { failures: { 'mx.hoster.example A': 'timeout' as const } };
    const first = gatherContext(zone, {}, failing, 'a.example.org');
    const second = { ...gatherContext(zone, {}, failing, 'b.example.org'), once: first.once };
    const a = await gatherMx(first);
    const b = await gatherMx(second);
    expect(a.hosts[0]?.addresses.ok).toBe(false);
    expect(b.hosts[0]?.addresses.ok).toBe(false);
    expect(second.queries).toContain('mx.hoster.example A');
  });
});
