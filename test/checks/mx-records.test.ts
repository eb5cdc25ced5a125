import { describe, expect, it } from 'vitest';
import mxRecords from '../../checks/mx-records.js';
import { DnsLookupError } from '../../src/dns/types.js';
import { gatherMx } from '../../src/facts/mx.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';
import { runCheck } from './check-cases.js';

async function run(zone: string, failures: Record<string, 'timeout' | 'servfail'> = {}) {
  const mx = await gatherMx(gatherContext(zone, {}, { failures }));
  return mxRecords.run({ mx }, { domain: 'example.org', options: domainOptions(), now: new Date(0) });
}

const found = (output: Awaited<ReturnType<typeof run>>) =>
  output.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`.trim());

// A healthy MX: name -> address -> PTR -> same name -> same address.
const HEALTHY = `
example.org. MX 10 mx1.example.org.
mx1.example.org. A 192.0.2.10
mx1.example.org. AAAA 2001:db8::10
10.2.0.192.in-addr.arpa. PTR mx1.example.org.
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mx1.example.org.
`;

describe('mx-records', () => {
  it('passes an MX with forward-confirmed reverse DNS on IPv4 and IPv6', async () => {
    expect(await run(HEALTHY)).toEqual({ findings: [], unknown: [] });
  });

  it.each([
    ['mx.missing', 'www.example.org. A 192.0.2.1', ['mx.missing']],
    ['mx.implicit', 'example.org. A 192.0.2.1', ['mx.implicit']],
    ['mx.null_mx', 'example.org. MX 0 .', ['mx.null_mx']],
    ['mx.null_mx_with_other_mx', `example.org. MX 0 .\n${HEALTHY}`, ['mx.null_mx_with_other_mx']],
    [
      'mx.cname',
      'example.org. MX 10 mail.example.org.\nmail.example.org. CNAME mx1.example.org.\n' +
        HEALTHY.replace('example.org. MX 10 mx1.example.org.', ''),
      ['mx.cname mail.example.org'],
    ],
    ['mx.ip_literal', 'example.org. MX 10 192.0.2.7.', ['mx.ip_literal 192.0.2.7']],
    ['mx.no_address', 'example.org. MX 10 gone.example.net.', ['mx.no_address gone.example.net']],
    ['mx.no_ptr', 'example.org. MX 10 mx1.example.org.\nmx1.example.org. A 192.0.2.10', ['mx.no_ptr 192.0.2.10']],
    [
      'mx.fcrdns_mismatch',
      'example.org. MX 10 mx1.example.org.\nmx1.example.org. A 192.0.2.10\n10.2.0.192.in-addr.arpa. PTR host.isp.example.\nhost.isp.example. A 198.51.100.1',
      ['mx.fcrdns_mismatch 192.0.2.10'],
    ],
  ])('reports %s', async (_id, zone, expected) => {
    expect(found(await run(zone))).toEqual(expected);
  });

  it('suggests pointing a CNAME MX at its canonical name', async () => {
    const zone =
      'example.org. MX 5 mail.example.org.\nmail.example.org. CNAME mx1.example.net.\nmx1.example.net. A 192.0.2.1';
    const output = await run(zone);
    expect(output.findings.find((finding) => finding.id === 'mx.cname')?.suggestedRecord).toBe(
      'example.org. MX 5 mx1.example.net.',
    );
  });

  it('judges an exchange listed at two preferences once', async () => {
    const zone =
      'example.org. MX 10 a.example.org.\nexample.org. MX 20 a.example.org.\na.example.org. CNAME b.example.org.\nb.example.org. A 192.0.2.10';
    expect(found(await run(zone))).toEqual(['mx.cname a.example.org', 'mx.no_ptr 192.0.2.10']);
  });

  it('judges an address shared by two MX hosts once', async () => {
    const zone = `example.org. MX 10 a.example.org.\nexample.org. MX 20 b.example.org.\na.example.org. A 192.0.2.10\nb.example.org. A 192.0.2.10`;
    expect(found(await run(zone))).toEqual(['mx.no_ptr 192.0.2.10']);
  });

  it('fails the whole fact when the MX query times out, so the runner answers unknown', async () => {
    await expect(gatherMx(gatherContext(HEALTHY, {}, { failures: { 'example.org MX': 'timeout' } }))).rejects.toThrow(
      DnsLookupError,
    );
  });

  it('reports a timed-out host, PTR or forward lookup as unknown for that subject, never as missing', async () => {
    const hostTimeout = await run(HEALTHY, { 'mx1.example.org AAAA': 'timeout' });
    expect(hostTimeout.findings).toEqual([]);
    expect(hostTimeout.unknown?.map((entry) => entry.subject)).toEqual(['mx1.example.org']);

    const ptrTimeout = await run(HEALTHY, { '10.2.0.192.in-addr.arpa PTR': 'servfail' });
    expect(ptrTimeout.findings).toEqual([]);
    expect(ptrTimeout.unknown?.map((entry) => entry.subject)).toEqual(['192.0.2.10']);

    const forward = `example.org. MX 10 mx1.example.org.\nmx1.example.org. A 192.0.2.10\n10.2.0.192.in-addr.arpa. PTR host.isp.example.`;
    const forwardTimeout = await run(forward, { 'host.isp.example A': 'timeout' });
    expect(forwardTimeout.findings).toEqual([]);
    expect(forwardTimeout.unknown?.map((entry) => entry.subject)).toEqual(['192.0.2.10']);
  });

  it('fails the fact when the implicit-MX address lookup times out', async () => {
    await expect(gatherMx(gatherContext('', {}, { failures: { 'example.org A': 'timeout' } }))).rejects.toThrow(
      /timeout/,
    );
  });

  it('suggests the null MX at the canonical name when the domain is an alias, and says so', async () => {
    const result = await runCheck(mxRecords, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. TXT "v=spf1 -all"',
    });
    expect(result.findings[0]).toMatchObject({
      id: 'mx.missing',
      message:
        'The domain has no MX and no address ("asso.example" is an alias of "asso.hoster.example": its records go there)',
      suggestedRecord: 'asso.hoster.example. MX 0 .',
    });
  });

  it('suggests the canonical MX target at the canonical name of an aliased domain', async () => {
    const result = await runCheck(mxRecords, {
      domain: 'asso.example',
      zone: [
        'asso.example. CNAME asso.hoster.example.',
        'asso.hoster.example. MX 0 .',
        'asso.hoster.example. MX 10 mail.hoster.example.',
        'mail.hoster.example. CNAME mx1.hoster.example.',
        'mx1.hoster.example. A 192.0.2.1',
      ].join('\n'),
    });
    expect(result.findings.map((finding) => [finding.id, finding.suggestedRecord])).toEqual([
      ['mx.null_mx_with_other_mx', 'asso.hoster.example. MX 0 .'],
    ]);
    const cname = await runCheck(mxRecords, {
      domain: 'asso.example',
      zone: [
        'asso.example. CNAME asso.hoster.example.',
        'asso.hoster.example. MX 10 mail.hoster.example.',
        'mail.hoster.example. CNAME mx1.hoster.example.',
        'mx1.hoster.example. A 192.0.2.1',
      ].join('\n'),
    });
    expect(cname.findings.find((finding) => finding.id === 'mx.cname')).toMatchObject({
      evidence: { chain: ['mx1.hoster.example'], alias: { canonicalName: 'asso.hoster.example' } },
      suggestedRecord: 'asso.hoster.example. MX 10 mx1.hoster.example.',
    });
  });
});
