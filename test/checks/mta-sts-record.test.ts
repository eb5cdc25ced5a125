import { describe, expect, it } from 'vitest';
import mtaStsRecord from '../../checks/mta-sts-record.js';
import { DnsLookupError } from '../../src/dns/types.js';
import { gatherMtaStsRecord } from '../../src/facts/mail-tls-records.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';

const NOW = new Date('2026-11-23T12:34:56Z');

async function run(zone: string) {
  const fact = await gatherMtaStsRecord(gatherContext(zone));
  return mtaStsRecord.run({ mtaStsRecord: fact }, { domain: 'example.org', options: domainOptions(), now: NOW });
}

describe('mta-sts-record', () => {
  it.each([
    [
      'a valid record beside unrelated TXT',
      '_mta-sts.example.org. TXT "v=STSv1; id=20261123"\n_mta-sts.example.org. TXT "hello"',
    ],
    ['no record at all (MTA-STS is optional)', 'example.org. TXT "v=spf1 -all"'],
  ])('passes %s', async (_name, zone) => {
    expect((await run(zone)).findings).toEqual([]);
  });

  it.each([
    ['a bad id', '_mta-sts.example.org. TXT "v=STSv1; id=2026-11-23"', /letters or digits/],
    ['a missing id', '_mta-sts.example.org. TXT "v=STSv1;"', /"id=" tag is missing/],
    [
      'two records',
      '_mta-sts.example.org. TXT "v=STSv1; id=1"\n_mta-sts.example.org. TXT "v=STSv1; id=2"',
      /2 records/,
    ],
  ])('reports mta_sts.invalid_record for %s, suggesting a fresh record', async (_name, zone, reason) => {
    const { findings } = await run(zone);
    expect(findings.map((finding) => finding.id)).toEqual(['mta_sts.invalid_record']);
    expect(findings[0]?.evidence?.reason).toMatch(reason);
    expect(findings[0]?.suggestedRecord).toBe('_mta-sts.example.org. TXT "v=STSv1; id=20261123123456"');
  });

  it('fails the fact on a timeout, so the runner answers unknown rather than "no record"', async () => {
    const context = gatherContext('', {}, { failures: { '_mta-sts.example.org TXT': 'timeout' } });
    await expect(gatherMtaStsRecord(context)).rejects.toBeInstanceOf(DnsLookupError);
  });
});
