import { describe, expect, it } from 'vitest';
import { createRunMemo } from '../../src/checks/run-memo.js';
import { DnsLookupError } from '../../src/dns/types.js';
import { evaluateSpfIp, gatherSpf, spfNodes } from '../../src/facts/spf.js';
import { gatherContext, zoneResolver } from './spf-dmarc-context.js';

async function gather(zone: string, sendingIps: string[] = []) {
  return gatherSpf(gatherContext('example.org', zoneResolver(zone), { sendingIps }));
}

const PROVIDER = `
_spf.provider.net. TXT "v=spf1 ip4:198.51.100.0/24 include:_spf2.provider.net -all"
_spf2.provider.net. TXT "v=spf1 ip6:2001:db8::/32 -all"
`;

describe('gatherSpf()', () => {
  it('walks includes and counts lookups per branch (RFC 7208 4.6.4)', async () => {
    const fact = await gather(`${PROVIDER}
example.org. TXT "v=spf1 mx a include:_spf.provider.net ~all"
example.org. MX 10 mx.example.org.
example.org. A 192.0.2.10
mx.example.org. A 192.0.2.25
`);
    expect(fact.root.status).toBe('ok');
    expect(fact.root.lookups).toBe(3);
    expect(fact.lookupCount).toBe(4);
    expect(fact.root.children.map((c) => [c.domain, c.totalLookups])).toEqual([['_spf.provider.net', 1]]);
    expect(fact.voidLookups).toEqual([]);
    expect(fact.all).toEqual({ qualifier: '~', domain: 'example.org', isImplicit: false });
  });

  it('keeps the CNAME chain of each name it read, an included one too', async () => {
    const fact = await gather(`
example.org. CNAME web.hoster.example.
web.hoster.example. TXT "v=spf1 include:spf.example.org -all"
spf.example.org. CNAME _spf.provider.net.
_spf.provider.net. TXT "v=spf1 ip4:198.51.100.0/24 -all"
`);
    expect(fact.root.cnames).toEqual(['web.hoster.example']);
    expect(fact.root.children.map((child) => [child.domain, child.cnames])).toEqual([
      ['spf.example.org', ['_spf.provider.net']],
    ]);
    expect((await gather('example.org. TXT "v=spf1 -all"')).root.cnames).toEqual([]);
  });

  it('joins the strings of one TXT record (RFC 7208 3.3)', async () => {
    const fact = await gather('example.org. TXT "v=spf1 ip4:192.0.2.1" " -all"');
    expect(fact.root.record?.mechanisms).toHaveLength(2);
  });

  it('reports no record, several records and a syntax error as node states', async () => {
    expect((await gather('example.org. TXT "hello"')).root.status).toBe('not_found');
    const multiple = await gather('example.org. TXT "v=spf1 -all"\nexample.org. TXT "v=spf1 ~all"');
    expect(multiple.root.status).toBe('multiple_records');
    expect(multiple.root.records).toHaveLength(2);
    const broken = await gather('example.org. TXT "v=spf1 a:bad -all"');
    expect(broken.root.status).toBe('syntax_error');
    expect(broken.root.syntaxError?.position).toBe(9);
    expect(broken.all).toBeNull();
  });

  it('marks an include without record and counts it as a void lookup', async () => {
    const fact = await gather('example.org. TXT "v=spf1 include:gone.example.net -all"');
    expect(fact.root.children[0]?.status).toBe('not_found');
    expect(fact.voidLookups).toEqual([{ name: 'gone.example.net', mechanism: 'include', from: 'example.org' }]);
  });

  it('counts a and mx terms that get no answer as void lookups', async () => {
    const fact = await gather('example.org. TXT "v=spf1 a:nothing.example.org mx -all"');
    expect(fact.voidLookups.map((v) => `${v.mechanism} ${v.name}`)).toEqual([
      'a nothing.example.org',
      'mx example.org',
    ]);
  });

  it('stops at an include loop', async () => {
    const fact = await gather(`
example.org. TXT "v=spf1 include:a.example.net -all"
a.example.net. TXT "v=spf1 include:b.example.net -all"
b.example.net. TXT "v=spf1 include:a.example.net -all"
`);
    const states = spfNodes(fact.root).map((n) => `${n.domain} ${n.status}`);
    expect(states).toEqual(['example.org ok', 'a.example.net ok', 'b.example.net ok', 'a.example.net loop']);
  });

  it('bounds the walk of a tree that doubles at every level', async () => {
    const levels = Array.from(
      { length: 12 },
      (_, i) => `l${i}.example.net. TXT "v=spf1 include:l${i + 1}.example.net include:l${i + 1}.example.net -all"`,
    ).join('\n');
    const fact = await gather(`example.org. TXT "v=spf1 include:l0.example.net -all"\n${levels}`);
    expect(fact.isTruncated).toBe(true);
    expect(spfNodes(fact.root).length).toBeLessThan(250);
  });

  it('follows redirect for the all that applies, and ignores it when the record has all (RFC 7208 6.1)', async () => {
    const redirected = await gather(
      'example.org. TXT "v=spf1 redirect=_spf.example.net"\n_spf.example.net. TXT "v=spf1 ?all"',
    );
    expect(redirected.all).toEqual({ qualifier: '?', domain: '_spf.example.net', isImplicit: false });
    expect(redirected.lookupCount).toBe(1);
    const ignored = await gather('example.org. TXT "v=spf1 -all redirect=_spf.example.net"');
    expect(ignored.root.children).toEqual([]);
    expect(ignored.lookupCount).toBe(0);
  });

  it('gives the implicit neutral all when a record has neither all nor redirect (RFC 7208 4.7)', async () => {
    expect((await gather('example.org. TXT "v=spf1 ip4:192.0.2.1"')).all).toEqual({
      qualifier: '?',
      domain: 'example.org',
      isImplicit: true,
    });
  });

  it('evaluates the sending IPs against the tree', async () => {
    const fact = await gather(`${PROVIDER}example.org. TXT "v=spf1 include:_spf.provider.net -all"`, [
      '198.51.100.7',
      '2001:db8::25',
      '203.0.113.1',
    ]);
    expect(fact.sendingIps.map((s) => [s.ip, s.result])).toEqual([
      ['198.51.100.7', 'pass'],
      ['2001:db8::25', 'pass'],
      ['203.0.113.1', 'fail'],
    ]);
  });

  it('reads a 4 KB record split over 255-byte strings', async () => {
    const text = `v=spf1 ${Array.from({ length: 280 }, (_, i) => `ip4:10.0.${i >> 8}.${i & 255}`).join(' ')} -all`;
    const strings = (text.match(/.{1,255}/g) ?? []).map((chunk) => `"${chunk}"`).join(' ');
    expect(text.length).toBeGreaterThan(4000);
    const fact = await gather(`example.org. TXT ${strings}`, ['10.0.1.20', '10.0.2.0']);
    expect(fact.root.record?.mechanisms).toHaveLength(281);
    expect(fact.sendingIps.map((s) => s.result)).toEqual(['pass', 'fail']);
  });

  it('throws DnsLookupError on a CNAME loop, so the checks are unknown and not missing', async () => {
    const zone = 'example.org. CNAME loop.example.org.\nloop.example.org. CNAME example.org.';
    await expect(gather(zone)).rejects.toBeInstanceOf(DnsLookupError);
  });

  it('throws DnsLookupError when a lookup in the tree times out', async () => {
    const resolver = zoneResolver(`${PROVIDER}example.org. TXT "v=spf1 include:_spf.provider.net -all"`, {
      '_spf2.provider.net TXT': 'timeout',
    });
    await expect(gatherSpf(gatherContext('example.org', resolver))).rejects.toBeInstanceOf(DnsLookupError);
  });
});

describe('gatherSpf() in a run of several domains', () => {
  // Providers shared by members: a chain, an include back to a member, a tree near the walk bound, and includes that
  // cost lookups, so that a member spending most of its ten lookups before a shared include ends on permerror.
  const zone = `
_spf.provider.net. TXT "v=spf1 ip4:198.51.100.0/24 include:_spf2.provider.net -all"
_spf2.provider.net. TXT "v=spf1 ip6:2001:db8::/32 a:relay.provider.net -all"
relay.provider.net. A 203.0.113.9
back.provider.net. TXT "v=spf1 include:loop.example.org -all"
costly.provider.net. TXT "v=spf1 a a a ip4:192.0.2.77 -all"
costly.provider.net. A 192.0.2.250
gone.provider.net. TXT "v=spf1 include:nothing.provider.net -all"
${Array.from({ length: 8 }, (_, i) => `t${i}.provider.net. TXT "v=spf1 include:t${i + 1}.provider.net include:t${i + 1}.provider.net -all"`).join('\n')}
plain.example.org. TXT "v=spf1 include:_spf.provider.net ~all"
loop.example.org. TXT "v=spf1 include:back.provider.net -all"
early.example.org. TXT "v=spf1 include:costly.provider.net -all"
late.example.org. TXT "v=spf1 a a a a a a a include:costly.provider.net -all"
late.example.org. A 192.0.2.1
redirect.example.org. TXT "v=spf1 redirect=_spf.provider.net"
void.example.org. TXT "v=spf1 include:gone.provider.net include:_spf.provider.net -all"
deep.example.org. TXT "v=spf1 include:t0.provider.net -all"
deeper.example.org. TXT "v=spf1 include:_spf.provider.net include:t2.provider.net include:t0.provider.net -all"
twice.example.org. TXT "v=spf1 include:t3.provider.net include:t3.provider.net -all"
`;
  const domains = ['plain', 'loop', 'early', 'late', 'redirect', 'void', 'deep', 'deeper', 'twice'].map(
    (d) => `${d}.example.org`,
  );
  const sendingIps = ['192.0.2.77', '203.0.113.9', '2001:db8::1', '198.51.100.2'];

  it('gives every domain the fact it gets alone, whatever order the run meets them in', async () => {
    const resolver = zoneResolver(zone);
    const alone = await Promise.all(
      domains.map((domain) => gatherSpf(gatherContext(domain, resolver, { sendingIps }))),
    );
    for (const order of [domains, [...domains].reverse()]) {
      const once = createRunMemo();
      const shared = await Promise.all(
        order.map((domain) => gatherSpf({ ...gatherContext(domain, resolver, { sendingIps }), once })),
      );
      expect(shared).toEqual(order.map((domain) => alone[domains.indexOf(domain)]));
    }
    const byDomain = new Map(alone.map((fact) => [fact.domain, fact]));
    expect(byDomain.get('early.example.org')?.sendingIps[0]?.result).toBe('pass');
    // Seven lookups of its own, then the include's three: over the ten of RFC 7208 4.6.4.
    expect(byDomain.get('late.example.org')?.sendingIps[0]?.result).toBe('permerror');
    const loop = byDomain.get('loop.example.org');
    expect(loop && spfNodes(loop.root).map((node) => `${node.domain} ${node.status}`)).toEqual([
      'loop.example.org ok',
      'back.provider.net ok',
      'loop.example.org loop',
    ]);
    expect(byDomain.get('deeper.example.org')?.isTruncated).toBe(true);
    // t3's tree takes 62 terms: once fits in the walk's bound, twice does not.
    const twice = byDomain.get('twice.example.org');
    expect(twice?.isTruncated).toBe(true);
    expect(twice && spfNodes(twice.root).filter((node) => node.status === 'not_walked').length).toBeGreaterThan(0);
  });
});

describe('evaluateSpfIp()', () => {
  const zone = `
example.org. TXT "v=spf1 a mx/24 ip6:2001:db8:1::/48 ~all"
example.org. A 192.0.2.10
example.org. MX 10 mx.example.org.
mx.example.org. A 198.51.100.25
macro.example.org. TXT "v=spf1 ip4:192.0.2.1 exists:%{i}.allow.example.org -all"
ptr.example.org. TXT "v=spf1 ptr -all"
exists.example.org. TXT "v=spf1 exists:ok.example.org -all"
ok.example.org. A 127.0.0.2
loop.example.org. TXT "v=spf1 redirect=loop.example.org"
none.example.org. TXT "v=spf1 include:nothing.example.org -all"
many.example.org. TXT "v=spf1 a a a a a a a a a a a -all"
many.example.org. A 192.0.2.200
`;
  it.each([
    ['example.org', '192.0.2.10', 'pass'],
    ['example.org', '198.51.100.99', 'pass'],
    ['example.org', '2001:db8:1::1', 'pass'],
    ['example.org', '203.0.113.5', 'softfail'],
    ['example.org', '198.51.101.25', 'softfail'],
    ['example.org', '2001:db8:2::1', 'softfail'],
    ['macro.example.org', '192.0.2.1', 'pass'],
    ['macro.example.org', '192.0.2.2', 'undecidable'],
    ['ptr.example.org', '192.0.2.2', 'undecidable'],
    ['exists.example.org', '192.0.2.2', 'pass'],
    ['loop.example.org', '192.0.2.2', 'permerror'],
    ['none.example.org', '192.0.2.2', 'permerror'],
    ['many.example.org', '192.0.2.2', 'permerror'],
    ['nothing.example.org', '192.0.2.2', 'none'],
    ['example.org', 'not-an-ip', 'undecidable'],
  ])('gives %s for %s: %s', async (domain, ip, result) => {
    expect((await evaluateSpfIp(zoneResolver(zone), domain, ip)).result).toBe(result);
  });
});
