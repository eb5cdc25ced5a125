import { describe, expect, it } from 'vitest';
import spfLookups from '../../checks/spf-lookups.js';
import { checkCases, runCheck } from './check-cases.js';

/** A provider record with `count` include terms, each to a record with no lookup. */
function provider(name: string, count: number): string {
  const leaves = Array.from({ length: count }, (_, i) => `l${i}.${name}`);
  return [
    `${name}. TXT "v=spf1 ${leaves.map((leaf) => `include:${leaf}`).join(' ')} -all"`,
    ...leaves.map((leaf) => `${leaf}. TXT "v=spf1 ip4:192.0.2.${leaves.indexOf(leaf)} -all"`),
  ].join('\n');
}

const ELEVEN = `example.org. TXT "v=spf1 include:p.example.net include:q.example.net -all"
${provider('p.example.net', 5)}
${provider('q.example.net', 4)}`;

describe('spf-lookups', () => {
  checkCases(spfLookups, {
    pass: [
      {
        name: 'exactly ten lookups over the tree',
        zone: `example.org. TXT "v=spf1 include:p.example.net include:q.example.net -all"\n${provider('p.example.net', 4)}\n${provider('q.example.net', 4)}`,
      },
      {
        name: 'a and mx that resolve',
        zone: 'example.org. TXT "v=spf1 a mx -all"\nexample.org. A 192.0.2.1\nexample.org. MX 10 example.org.',
      },
      {
        name: 'a void include is left to spf-includes',
        zone: 'example.org. TXT "v=spf1 include:gone.example.net -all"',
      },
    ],
    fail: [
      { name: 'eleven lookups over two branches', zone: ELEVEN, ids: ['spf.too_many_lookups'] },
      {
        name: 'three void lookups',
        zone: 'example.org. TXT "v=spf1 a:x.example.org a:y.example.org mx:z.example.org -all"',
        ids: ['spf.too_many_void_lookups'],
      },
      {
        name: 'an a term without address',
        zone: 'example.org. TXT "v=spf1 a:old.example.org -all"',
        ids: ['spf.void_lookup'],
      },
      {
        name: 'an mx term without MX',
        zone: 'example.org. TXT "v=spf1 mx -all"\nexample.org. A 192.0.2.1',
        ids: ['spf.void_lookup'],
      },
    ],
    unknown: [
      {
        name: 'a lookup timed out',
        zone: 'example.org. TXT "v=spf1 a:slow.example.org -all"',
        failures: { 'slow.example.org A': 'timeout' },
      },
    ],
  });

  it('gives the count of each branch in evidence', async () => {
    const result = await runCheck(spfLookups, { zone: ELEVEN });
    expect(result.findings[0]?.evidence).toEqual({
      count: 11,
      own: 2,
      branches: [
        { domain: 'p.example.net', via: 'include', lookups: 5 },
        { domain: 'q.example.net', via: 'include', lookups: 4 },
      ],
      isTruncated: false,
    });
    expect(result.findings[0]?.message).toBe('SPF of "example.org" needs 11 DNS lookups (limit 10)');
  });

  it('reports a void term met in two branches once', async () => {
    const zone = [
      'example.org. TXT "v=spf1 include:a.example.net include:b.example.net -all"',
      'a.example.net. TXT "v=spf1 a:old.example.net -all"',
      'b.example.net. TXT "v=spf1 a:old.example.net -all"',
    ].join('\n');
    const result = await runCheck(spfLookups, { zone });
    expect(result.findings.map((finding) => finding.subject)).toEqual(['a:old.example.net']);
  });
});
