import { describe, expect, it } from 'vitest';
import tlsrptRecord from '../../checks/tlsrpt-record.js';
import { DnsLookupError } from '../../src/dns/types.js';
import { gatherTlsRptRecord } from '../../src/facts/mail-tls-records.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';

async function run(zone: string) {
  const fact = await gatherTlsRptRecord(gatherContext(zone));
  return tlsrptRecord.run(
    { tlsRptRecord: fact },
    { domain: 'example.org', options: domainOptions(), now: new Date(0) },
  );
}

describe('tlsrpt-record', () => {
  it.each([
    ['a valid record', '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'],
    ['no record', 'example.org. TXT "v=spf1 -all"'],
  ])('passes %s', async (_name, zone) => {
    expect((await run(zone)).findings).toEqual([]);
  });

  it.each([
    ['an http: rua', '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=http://r.example.net/"', /neither mailto/],
    ['no rua', '_smtp._tls.example.org. TXT "v=TLSRPTv1"', /"rua=" tag is missing/],
    [
      'two records',
      '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:a@example.org"\n_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:b@example.org"',
      /2 records/,
    ],
  ])('reports tlsrpt.invalid_record for %s', async (_name, zone, reason) => {
    const { findings } = await run(zone);
    expect(findings.map((finding) => finding.id)).toEqual(['tlsrpt.invalid_record']);
    expect(findings[0]?.evidence?.reason).toMatch(reason);
  });

  it('fails the fact on a timeout, so the runner answers unknown rather than "no record"', async () => {
    const context = gatherContext('', {}, { failures: { '_smtp._tls.example.org TXT': 'timeout' } });
    await expect(gatherTlsRptRecord(context)).rejects.toBeInstanceOf(DnsLookupError);
  });
});
