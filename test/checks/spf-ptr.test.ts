import { describe, expect, it } from 'vitest';
import spfPtr from '../../checks/spf-ptr.js';
import { checkCases, runCheck } from './check-cases.js';

describe('spf-ptr', () => {
  checkCases(spfPtr, {
    pass: [
      { name: 'ip4 ranges', zone: 'example.org. TXT "v=spf1 ip4:192.0.2.0/24 -all"' },
      { name: 'ptr only in an unrelated TXT', zone: 'example.org. TXT "v=spf1 -all"\nexample.org. TXT "note ptr"' },
    ],
    fail: [
      { name: 'ptr in the record', zone: 'example.org. TXT "v=spf1 ptr -all"', ids: ['spf.ptr_mechanism'] },
      {
        name: 'ptr:domain in an include',
        zone: 'example.org. TXT "v=spf1 include:p.example.net -all"\np.example.net. TXT "v=spf1 ?ptr:example.net -all"',
        ids: ['spf.ptr_mechanism'],
      },
    ],
    unknown: [{ name: 'TXT lookup refused', zone: '', failures: { 'example.org TXT': 'refused' } }],
  });

  it('reports a provider included from two branches once', async () => {
    const zone = [
      'example.org. TXT "v=spf1 include:a.example.net include:b.example.net -all"',
      'a.example.net. TXT "v=spf1 include:p.example.net -all"',
      'b.example.net. TXT "v=spf1 include:p.example.net -all"',
      'p.example.net. TXT "v=spf1 ptr -all"',
    ].join('\n');
    const result = await runCheck(spfPtr, { zone });
    expect(result.findings.map((finding) => finding.subject)).toEqual(['p.example.net']);
  });
});
