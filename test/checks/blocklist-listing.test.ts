import { describe, expect, it } from 'vitest';
import blocklistListing from '../../checks/blocklist-listing.js';
import type { DomainOptions } from '../../src/checks/types.js';
import { gatherBlocklists } from '../../src/facts/blocklists.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';

// Zones that pass their RFC 5782 test points: 127.0.0.2 / "test" listed, 127.0.0.1 / "invalid" absent.
const HEALTHY_ZONES = `
2.0.0.127.bl.example. A 127.0.0.2
2.0.0.127.zen.spamhaus.org. A 127.0.0.2
test.dbl.example. A 127.0.1.2
example.org. MX 10 mx1.example.org.
mx1.example.org. A 192.0.2.10
`;

const OPTIONS: Partial<DomainOptions> = { dnsbl: ['bl.example'], rhsbl: ['dbl.example'] };

async function run(zone: string, options: Partial<DomainOptions> = OPTIONS, failures: Record<string, 'timeout'> = {}) {
  const context = gatherContext(HEALTHY_ZONES + zone, options, { failures });
  const blocklists = await gatherBlocklists(context);
  return blocklistListing.run(
    { blocklists },
    { domain: 'example.org', options: domainOptions(options), now: new Date(0) },
  );
}

const found = (output: Awaited<ReturnType<typeof run>>) =>
  output.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`);

describe('blocklist-listing', () => {
  it('passes when neither the MX address nor the domain is listed', async () => {
    expect(await run('')).toEqual({ findings: [], unknown: [] });
  });

  it('reports an MX address listed, with the zone, codes and TXT reason', async () => {
    const output = await run(
      '10.2.0.192.bl.example. A 127.0.0.4\n10.2.0.192.bl.example. TXT "listed: see https://bl.example"',
    );
    expect(found(output)).toEqual(['dnsbl.listed 192.0.2.10']);
    expect(output.findings[0]?.evidence).toEqual({
      zones: [{ zone: 'bl.example', codes: ['127.0.0.4'], reasons: ['listed: see https://bl.example'] }],
      source: 'mx',
    });
  });

  it('reports a listed IPv6 sending IP queried by nibbles (RFC 5782 2.4)', async () => {
    const nibbles = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';
    const output = await run(`${nibbles}.bl.example. A 127.0.0.2`, { ...OPTIONS, sendingIps: ['2001:db8::1'] });
    expect(found(output)).toEqual(['dnsbl.listed 2001:db8::1']);
    expect(output.findings[0]?.evidence?.source).toBe('sending_ip');
  });

  it('reports the domain on a domain blocklist', async () => {
    expect(found(await run('example.org.dbl.example. A 127.0.1.2'))).toEqual(['rhsbl.listed example.org']);
  });

  it.each([
    ['outside 127/8 (a hijacking resolver)', 'bl.example', '10.2.0.192.bl.example. A 198.51.100.1'],
    [
      'Spamhaus 127.255.255.254 (public resolver refused)',
      'zen.spamhaus.org',
      '10.2.0.192.zen.spamhaus.org. A 127.255.255.254',
    ],
  ])('reports an answer %s as dnsbl.query_error, never a listing', async (_name, zone, record) => {
    const output = await run(record, { dnsbl: [zone] });
    expect(found(output)).toEqual([`dnsbl.query_error ${zone}`]);
  });

  it('reports a zone failing its test point once, as unusable, instead of listing the member', async () => {
    // A zone that answers everything (a wildcard, a parked domain) lists 127.0.0.1 too: its test point fails.
    const wild = ['2.0.0.127', '1.0.0.127', '10.2.0.192', '7.100.51.198'].map(
      (key) => `${key}.wild.example. A 127.0.0.2`,
    );
    const output = await run(wild.join('\n'), { dnsbl: ['wild.example'], sendingIps: ['198.51.100.7'] });
    expect(found(output)).toEqual(['dnsbl.query_error wild.example']);
    expect(output.findings[0]?.evidence).toEqual({
      kind: 'dnsbl',
      reason: expect.stringMatching(/"1.0.0.127" is listed/) as unknown,
    });
    expect(output.unknown).toEqual([]);
  });

  it('reports a domain list whose "test" is not listed as unusable', async () => {
    const output = await run('', { rhsbl: ['dead.example'] });
    expect(found(output)).toEqual(['dnsbl.query_error dead.example']);
  });

  it('reports a timeout on a zone as unknown for that subject, never as not listed', async () => {
    const output = await run('', OPTIONS, { '10.2.0.192.bl.example A': 'timeout' });
    expect(output.findings).toEqual([]);
    expect(output.unknown).toEqual([
      {
        subject: '192.0.2.10',
        cause: 'timeout',
        reason: {
          en: expect.stringMatching(/^bl\.example: .*timeout/) as unknown,
          fr: expect.stringMatching(/^bl\.example : la requête DNS A de .* a échoué : délai dépassé/) as unknown,
        },
      },
    ]);
  });

  it('reports a timed-out test point as unknown for every subject of that zone', async () => {
    const output = await run('', { dnsbl: ['bl.example'] }, { '2.0.0.127.bl.example A': 'timeout' });
    expect(output.findings).toEqual([]);
    expect(output.unknown?.map((entry) => entry.subject)).toEqual(['192.0.2.10']);
  });

  it('reports an MX lookup that timed out as unknown and still checks the sending IPs', async () => {
    const output = await run(
      '7.100.51.198.bl.example. A 127.0.0.2',
      { ...OPTIONS, sendingIps: ['198.51.100.7'] },
      {
        'example.org MX': 'timeout',
      },
    );
    expect(found(output)).toEqual(['dnsbl.listed 198.51.100.7']);
    expect(output.unknown?.map((entry) => entry.subject)).toEqual(['example.org']);
  });
});
