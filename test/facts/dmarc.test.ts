import { describe, expect, it } from 'vitest';
import { DnsLookupError } from '../../src/dns/types.js';
import { gatherDmarc, organisationalDomain } from '../../src/facts/dmarc.js';
import { gatherContext, zoneResolver } from './spf-dmarc-context.js';

async function gather(domain: string, zone: string) {
  return gatherDmarc(gatherContext(domain, zoneResolver(zone)));
}

describe('organisationalDomain()', () => {
  it.each([
    ['example.org', 'example.org'],
    ['mail.example.org', 'example.org'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['member.github.io', 'member.github.io'],
  ])('gives %s -> %s', (domain, expected) => {
    expect(organisationalDomain(domain)).toBe(expected);
  });
});

describe('gatherDmarc()', () => {
  it('reads the record of the domain itself', async () => {
    const fact = await gather(
      'example.org',
      '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:d@example.org"\n_dmarc.example.org. TXT "other"',
    );
    expect(fact).toMatchObject({ policyDomain: 'example.org', isInherited: false, records: [expect.any(String)] });
    expect(fact.record?.policy).toBe('reject');
    expect(fact.reportDestinations).toEqual([
      {
        tag: 'rua',
        uri: 'mailto:d@example.org',
        domain: 'example.org',
        isExternal: false,
        authorizationName: null,
        isAuthorized: null,
        authorizationCnames: [],
      },
    ]);
  });

  it('falls back to the organisational domain (RFC 7489 6.6.3)', async () => {
    const fact = await gather('news.example.co.uk', '_dmarc.example.co.uk. TXT "v=DMARC1; p=quarantine; sp=none"');
    expect(fact).toMatchObject({
      organisationalDomain: 'example.co.uk',
      policyDomain: 'example.co.uk',
      isInherited: true,
    });
    expect(fact.record?.subdomainPolicy).toBe('none');
  });

  it('finds nothing when neither name has a DMARC record', async () => {
    const fact = await gather('news.example.org', '_dmarc.news.example.org. TXT "v=spf1 -all"');
    expect(fact).toMatchObject({ policyDomain: null, records: [], record: null });
  });

  it('keeps several records unparsed (RFC 7489 6.6.3 step 5)', async () => {
    const fact = await gather(
      'example.org',
      '_dmarc.example.org. TXT "v=DMARC1; p=none"\n_dmarc.example.org. TXT "v=DMARC1; p=reject"',
    );
    expect(fact.records).toHaveLength(2);
    expect(fact.record).toBeNull();
  });

  it('keeps the syntax error with its position', async () => {
    const fact = await gather('example.org', '_dmarc.example.org. TXT "v=DMARC1; p=maybe"');
    expect(fact.syntaxError?.position).toBe(10);
    expect(fact.syntaxError?.message).toContain('unknown p "maybe"');
  });

  it('checks the authorisation of external destinations (RFC 7489 7.1)', async () => {
    const fact = await gather(
      'example.org',
      `_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:a@reports.example.net,mailto:b@other.example.com; ruf=mailto:f@reports.example.net"
example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"`,
    );
    expect(fact.reportDestinations.map((d) => [d.tag, d.domain, d.isAuthorized, d.authorizationName])).toEqual([
      ['rua', 'reports.example.net', true, 'example.org._report._dmarc.reports.example.net'],
      ['rua', 'other.example.com', false, 'example.org._report._dmarc.other.example.com'],
      ['ruf', 'reports.example.net', true, 'example.org._report._dmarc.reports.example.net'],
    ]);
  });

  it('keeps the CNAME chain of the lookup whose record applies, and of the domain’s own _dmarc', async () => {
    const zone = [
      '_dmarc.news.asso.example. CNAME news.closed.dmarc.example.',
      '_dmarc.asso.example. CNAME asso.dmarc.example.',
      'asso.dmarc.example. CNAME asso.eu.dmarc.example.',
      'asso.eu.dmarc.example. TXT "v=DMARC1; p=reject; rua=mailto:r@reports.example.net"',
    ].join('\n');
    const inherited = await gather('news.asso.example', zone);
    expect(inherited).toMatchObject({
      policyDomain: 'asso.example',
      isInherited: true,
      cnames: ['asso.dmarc.example', 'asso.eu.dmarc.example'],
      ownCnames: ['news.closed.dmarc.example'],
    });
    const own = await gather('asso.example', zone);
    expect(own).toMatchObject({ cnames: own.ownCnames, ownCnames: ['asso.dmarc.example', 'asso.eu.dmarc.example'] });
    const none = await gather('example.org', '_dmarc.example.org. CNAME gone.dmarc.example.');
    expect(none).toMatchObject({ policyDomain: null, cnames: [], ownCnames: ['gone.dmarc.example'] });
  });

  it('keeps the CNAME chain of an authorisation lookup', async () => {
    const fact = await gather(
      'example.org',
      `_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:a@reports.example.net"
example.org._report._dmarc.reports.example.net. CNAME auth.reports.example.net.`,
    );
    expect(fact.reportDestinations.map((d) => [d.isAuthorized, d.authorizationCnames])).toEqual([
      [false, ['auth.reports.example.net']],
    ]);
  });

  it('throws DnsLookupError when the lookup times out', async () => {
    const resolver = zoneResolver('_dmarc.example.org. TXT "v=DMARC1; p=none"', {
      '_dmarc.example.org TXT': 'timeout',
    });
    await expect(gatherDmarc(gatherContext('example.org', resolver))).rejects.toBeInstanceOf(DnsLookupError);
  });
});
