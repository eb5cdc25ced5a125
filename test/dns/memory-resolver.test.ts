import { describe, expect, it } from 'vitest';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';

const zone = `
$ORIGIN example.org.
$TTL 300
@        MX    10 mx
mx       A     192.0.2.1
www      CNAME web.example.net.
loop1    CNAME loop2
loop2    CNAME loop1
dangling CNAME gone.example.net.
_25._tcp.deep.mx TLSA 3 1 1 abcd
web.example.net. A 192.0.2.80
`;

describe('createMemoryResolver', () => {
  const resolver = createMemoryResolver(zone, { authenticated: ['mx.example.org'] });

  it('answers records of the asked type, whatever the case and final dot', async () => {
    expect(await resolver.query('MX.Example.org.', 'A')).toEqual({
      ok: true,
      value: {
        rcode: 'NOERROR',
        records: [{ type: 'A', name: 'mx.example.org', ttl: 300, address: '192.0.2.1' }],
        cnames: [],
        authenticated: true,
      },
    });
  });

  it.each([
    ['a name that holds other types', 'example.org', 'A', 'NOERROR'],
    ['an empty non-terminal', '_tcp.deep.mx.example.org', 'TLSA', 'NOERROR'],
    ['an empty non-terminal higher up', 'deep.mx.example.org', 'A', 'NOERROR'],
    ['a name that does not exist', 'nope.example.org', 'A', 'NXDOMAIN'],
    ['a name below a leaf', 'x.mx.example.org', 'A', 'NXDOMAIN'],
  ])('tells NODATA from NXDOMAIN: %s', async (_label, name, type, rcode) => {
    const fact = await createMemoryResolver(zone).query(name, type as 'A' | 'TLSA');
    expect(fact).toEqual({ ok: true, value: { rcode, records: [], cnames: [], authenticated: false } });
  });

  it('follows a CNAME and reports the chain', async () => {
    const fact = await resolver.query('www.example.org', 'A');
    expect(fact).toEqual({
      ok: true,
      value: {
        rcode: 'NOERROR',
        records: [{ type: 'A', name: 'web.example.net', ttl: 300, address: '192.0.2.80' }],
        cnames: ['web.example.net'],
        authenticated: false,
      },
    });
  });

  it('returns the CNAME itself when CNAME is asked', async () => {
    const fact = await resolver.query('www.example.org', 'CNAME');
    expect(fact.ok && fact.value.records).toEqual([
      { type: 'CNAME', name: 'www.example.org', ttl: 300, target: 'web.example.net' },
    ]);
  });

  it('gives the rcode of the end of the chain for a dangling CNAME', async () => {
    const fact = await resolver.query('dangling.example.org', 'A');
    expect(fact).toEqual({
      ok: true,
      value: { rcode: 'NXDOMAIN', records: [], cnames: ['gone.example.net'], authenticated: false },
    });
  });

  it('turns a CNAME loop into a servfail', async () => {
    const fact = await resolver.query('loop1.example.org', 'A');
    expect(fact.ok).toBe(false);
    expect(!fact.ok && fact.error).toBe('servfail');
    expect(!fact.ok && fact.detail.en).toContain('CNAME loop');
    expect(!fact.ok && fact.detail.fr).toContain('boucle de CNAME');
  });

  it('injects failures by name and type, also at a CNAME target', async () => {
    const failing = createMemoryResolver(zone, {
      failures: { 'example.org. MX': 'timeout', 'web.example.net a': 'refused' },
    });
    const mx = await failing.query('example.org', 'MX');
    expect(mx.ok || mx.error).toBe('timeout');
    const www = await failing.query('www.example.org', 'A');
    expect(www.ok || www.error).toBe('refused');
    const mxA = await failing.query('mx.example.org', 'A');
    expect(mxA.ok).toBe(true);
  });

  it('sets the AD bit below an authenticated name only', async () => {
    const signed = createMemoryResolver(zone, { authenticated: ['example.org'] });
    const tlsa = await signed.query('_25._tcp.deep.mx.example.org', 'TLSA');
    expect(tlsa.ok && tlsa.value.authenticated).toBe(true);
    const other = await signed.query('web.example.net', 'A');
    expect(other.ok && other.value.authenticated).toBe(false);
  });

  it('accepts records as well as zone text', async () => {
    const fromRecords = createMemoryResolver([
      { type: 'TXT', name: 'example.org', ttl: 60, strings: ['v=spf1', ' -all'] },
    ]);
    const fact = await fromRecords.query('example.org', 'TXT');
    expect(fact.ok && fact.value.records).toEqual([
      { type: 'TXT', name: 'example.org', ttl: 60, strings: ['v=spf1', ' -all'] },
    ]);
  });
});

describe('createMemoryResolver wildcards', () => {
  const resolver = createMemoryResolver(
    [
      '$ORIGIN bl.example.',
      '$TTL 60',
      '*        A   127.0.0.2',
      '*        TXT "listed"',
      'sub.x    A   127.0.0.9',
      '*.alias  CNAME target',
      'target   A   127.0.0.3',
    ].join('\n'),
  );

  it.each([
    ['a name with no node of its own', '2.0.0.192.bl.example', 'A', 'NOERROR', ['127.0.0.2']],
    ['the wildcard type absent', '2.0.0.192.bl.example', 'MX', 'NOERROR', []],
    ['an existing name, never the wildcard', 'sub.x.bl.example', 'TXT', 'NOERROR', []],
    ['an empty non-terminal, never the wildcard', 'x.bl.example', 'A', 'NOERROR', []],
    ['below an existing name without its own wildcard', 'y.sub.x.bl.example', 'A', 'NXDOMAIN', []],
  ])('synthesizes from "*" for %s', async (_label, name, type, rcode, addresses) => {
    const fact = await resolver.query(name, type as 'A' | 'MX' | 'TXT');
    expect(fact.ok && fact.value.rcode).toBe(rcode);
    expect(fact.ok && fact.value.records.map((r) => (r.type === 'A' ? r.address : r.type))).toEqual(addresses);
    expect(fact.ok && fact.value.records.map((r) => r.name)).toEqual(addresses.map(() => name));
  });

  it('follows a wildcard CNAME', async () => {
    const fact = await resolver.query('anything.alias.bl.example', 'A');
    expect(fact.ok && fact.value).toMatchObject({ cnames: ['target.bl.example'], records: [{ address: '127.0.0.3' }] });
  });
});
