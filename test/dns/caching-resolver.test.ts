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
});
