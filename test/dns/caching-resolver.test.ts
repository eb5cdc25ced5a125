import { describe, expect, it } from 'vitest';
import { createCachingResolver } from '../../src/dns/caching-resolver.js';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import type { DnsAnswer, DnsResolver, Fact, QueryOptions, RrType } from '../../src/dns/types.js';

/** Counts the questions reaching the inner resolver, and fails the first `failFirst` of them. */
function countingResolver(inner: DnsResolver, failFirst = 0): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async query(name: string, type: RrType, options?: QueryOptions): Promise<Fact<DnsAnswer>> {
      asked.push(`${name} ${type}${options?.checkingDisabled === true ? ' +cd' : ''}`);
      if (asked.length <= failFirst) return { ok: false, error: 'timeout', detail: { en: 'test', fr: 'test' } };
      return inner.query(name, type);
    },
  };
}

const zone = '$TTL 60\nexample.org. TXT "v=spf1 -all"\nexample.org. MX 10 mx.example.org.';

/** Two members sharing a provider's SPF include, and one RHSBL. */
const members = [
  '$TTL 60',
  'a.example. TXT "v=spf1 include:_spf.provider.example -all"',
  '_dmarc.a.example. TXT "v=DMARC1; p=none"',
  'b.example. TXT "v=spf1 include:_spf.provider.example -all"',
  '_spf.provider.example. TXT "v=spf1 ip4:192.0.2.1 -all"',
].join('\n');

describe('createCachingResolver', () => {
  it('asks each name and type once, even when lookups overlap', async () => {
    const inner = countingResolver(createMemoryResolver(zone));
    const resolver = createCachingResolver(inner);
    const facts = await Promise.all([
      resolver.query('example.org', 'TXT'),
      resolver.query('EXAMPLE.org.', 'TXT'),
      resolver.query('example.org', 'MX'),
    ]);
    await resolver.query('example.org', 'TXT');
    expect(facts[0]).toEqual(facts[1]);
    expect(facts[0].ok && facts[0].value.records).toHaveLength(1);
    expect(inner.asked).toEqual(['example.org TXT', 'example.org MX']);
    expect(resolver.stats()).toEqual({ lookups: 4, queries: 2, hits: 2 });
  });

  it('keeps questions asked with the CD bit apart, and passes the bit on', async () => {
    const inner = countingResolver(createMemoryResolver(zone));
    const resolver = createCachingResolver(inner);
    await resolver.query('example.org', 'MX');
    await resolver.query('example.org', 'MX', { checkingDisabled: true });
    await resolver.query('example.org', 'MX', { checkingDisabled: true });
    expect(inner.asked).toEqual(['example.org MX', 'example.org MX +cd']);
  });

  it('shares a failure with those waiting but asks again afterwards', async () => {
    const inner = countingResolver(createMemoryResolver(zone), 1);
    const resolver = createCachingResolver(inner);
    const [first, second] = await Promise.all([
      resolver.query('example.org', 'TXT'),
      resolver.query('example.org', 'TXT'),
    ]);
    expect(first).toEqual({ ok: false, error: 'timeout', detail: { en: 'test', fr: 'test' } });
    expect(second).toBe(first);
    const retried = await resolver.query('example.org', 'TXT');
    expect(retried.ok).toBe(true);
    expect(inner.asked).toEqual(['example.org TXT', 'example.org TXT']);
  });

  it("forDomain() forgets on release the answers about the domain's own names that only it asked for", async () => {
    const inner = countingResolver(createMemoryResolver(members));
    const resolver = createCachingResolver(inner);
    const a = resolver.forDomain('A.example.');
    await a.resolver.query('a.example', 'TXT');
    await a.resolver.query('_dmarc.a.example', 'TXT');
    await a.resolver.query('a.example.dbl.example', 'A');
    await a.resolver.query('_spf.provider.example', 'TXT');
    a.release();
    await resolver.query('a.example', 'TXT');
    await resolver.query('_dmarc.a.example', 'TXT');
    await resolver.query('a.example.dbl.example', 'A');
    await resolver.query('_spf.provider.example', 'TXT');
    expect(inner.asked).toEqual([
      'a.example TXT',
      '_dmarc.a.example TXT',
      'a.example.dbl.example A',
      '_spf.provider.example TXT',
      'a.example TXT',
      '_dmarc.a.example TXT',
      'a.example.dbl.example A',
    ]);
  });

  it('forDomain() keeps an answer about a name of the domain that another domain asked for too', async () => {
    const inner = countingResolver(createMemoryResolver(members));
    const resolver = createCachingResolver(inner);
    const a = resolver.forDomain('a.example');
    const b = resolver.forDomain('b.example');
    await a.resolver.query('_dmarc.a.example', 'TXT');
    await b.resolver.query('_dmarc.a.example', 'TXT');
    await a.resolver.query('a.example', 'TXT');
    await resolver.query('a.example', 'TXT');
    a.release();
    b.release();
    await b.resolver.query('_dmarc.a.example', 'TXT');
    await resolver.query('a.example', 'TXT');
    expect(inner.asked).toEqual(['_dmarc.a.example TXT', 'a.example TXT']);
    expect(resolver.stats()).toEqual({ lookups: 6, queries: 2, hits: 4 });
  });

  it('forDomain() takes no name that merely starts or ends like the domain for its own', async () => {
    const inner = countingResolver(createMemoryResolver(members));
    const resolver = createCachingResolver(inner);
    const a = resolver.forDomain('a.example');
    await a.resolver.query('ba.example', 'TXT');
    await a.resolver.query('a.examples.org', 'TXT');
    a.release();
    await resolver.query('ba.example', 'TXT');
    await resolver.query('a.examples.org', 'TXT');
    expect(inner.asked).toEqual(['ba.example TXT', 'a.examples.org TXT']);
  });
});
