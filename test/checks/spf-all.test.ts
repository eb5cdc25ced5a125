import { describe, expect, it } from 'vitest';
import spfAll from '../../checks/spf-all.js';
import { checkCases, runCheck } from './check-cases.js';

describe('spf-all', () => {
  checkCases(spfAll, {
    pass: [
      { name: '-all', zone: 'example.org. TXT "v=spf1 mx -all"' },
      {
        name: '-all reached through redirect',
        zone: 'example.org. TXT "v=spf1 redirect=_spf.example.net"\n_spf.example.net. TXT "v=spf1 -all"',
      },
      {
        name: 'an include’s +all does not apply',
        zone: 'example.org. TXT "v=spf1 include:p.example.net -all"\np.example.net. TXT "v=spf1 +all"',
      },
      { name: 'no SPF at all (spf-record reports it)', zone: 'www.example.org. A 192.0.2.1' },
    ],
    fail: [
      { name: '+all', zone: 'example.org. TXT "v=spf1 mx +all"', ids: ['spf.all_pass'] },
      { name: 'bare all', zone: 'example.org. TXT "v=spf1 all"', ids: ['spf.all_pass'] },
      { name: '?all', zone: 'example.org. TXT "v=spf1 ?all"', ids: ['spf.all_neutral'] },
      { name: 'no all and no redirect', zone: 'example.org. TXT "v=spf1 ip4:192.0.2.1"', ids: ['spf.all_neutral'] },
      {
        name: '?all through redirect',
        zone: 'example.org. TXT "v=spf1 redirect=_spf.example.net"\n_spf.example.net. TXT "v=spf1 ?all"',
        ids: ['spf.all_neutral'],
      },
      { name: '~all', zone: 'example.org. TXT "v=spf1 mx ~all"', ids: ['spf.all_softfail'] },
    ],
    unknown: [{ name: 'TXT lookup timed out', zone: '', failures: { 'example.org TXT': 'timeout' } }],
  });

  it.each([
    ['v=spf1 mx +all', 'example.org. TXT "v=spf1 mx ~all"'],
    ['v=spf1 ip4:192.0.2.1', 'example.org. TXT "v=spf1 ip4:192.0.2.1 ~all"'],
  ])('suggests ~all for %j', async (record, suggested) => {
    const result = await runCheck(spfAll, { zone: `example.org. TXT "${record}"` });
    expect(result.findings[0]?.suggestedRecord).toBe(suggested);
  });

  it('suggests nothing when the all comes from a redirect it does not own', async () => {
    const result = await runCheck(spfAll, {
      zone: 'example.org. TXT "v=spf1 redirect=_spf.example.net"\n_spf.example.net. TXT "v=spf1 ?all"',
    });
    expect(result.findings[0]?.suggestedRecord).toBeUndefined();
    expect(result.findings[0]?.evidence).toEqual({ qualifier: '?', from: '_spf.example.net', isImplicit: false });
  });

  it('keeps softfail as advice that does not fail the check', async () => {
    expect((await runCheck(spfAll, { zone: 'example.org. TXT "v=spf1 ~all"' })).status).toBe('pass');
  });

  it('suggests ~all at the canonical name when the domain is an alias', async () => {
    const result = await runCheck(spfAll, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. TXT "v=spf1 mx +all"',
    });
    expect(result.findings[0]).toMatchObject({
      message:
        'SPF of "asso.example" ends with "+all" ("asso.example" is an alias of "asso.hoster.example": its records go there)',
      suggestedRecord: 'asso.hoster.example. TXT "v=spf1 mx ~all"',
    });
  });
});
