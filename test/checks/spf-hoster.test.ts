import { describe, expect, it } from 'vitest';
import spfHoster from '../../checks/spf-hoster.js';
import { applicableChecks } from '../../src/checks/run-checks.js';
import { checkCases, runCheck } from './check-cases.js';

const HOSTER = { spfInclude: '_spf.hebergeur.example' };
const HOSTER_SPF = '_spf.hebergeur.example. TXT "v=spf1 ip4:192.0.2.25 -all"';

describe('spf-hoster', () => {
  checkCases(spfHoster, {
    pass: [
      {
        name: 'direct include',
        zone: `example.org. TXT "v=spf1 include:_spf.hebergeur.example -all"\n${HOSTER_SPF}`,
        expectations: HOSTER,
      },
      {
        name: 'redirect to the hoster',
        zone: `example.org. TXT "v=spf1 redirect=_SPF.Hebergeur.Example."\n${HOSTER_SPF}`,
        expectations: HOSTER,
      },
      {
        name: 'through a federation’s record that includes the hoster',
        zone: `example.org. TXT "v=spf1 include:spf.federation.example -all"\nspf.federation.example. TXT "v=spf1 include:_spf.hebergeur.example ~all"\n${HOSTER_SPF}`,
        expectations: HOSTER,
      },
      {
        name: 'include of a hoster record that is itself missing (spf-includes reports it)',
        zone: 'example.org. TXT "v=spf1 include:_spf.hebergeur.example -all"',
        expectations: HOSTER,
      },
      { name: 'no SPF record (spf-record reports it)', zone: '', expectations: HOSTER },
    ],
    fail: [
      {
        name: 'only the member’s own servers',
        zone: 'example.org. TXT "v=spf1 mx -all"\nexample.org. MX 10 mail.example.org.\nmail.example.org. A 192.0.2.9',
        expectations: HOSTER,
        ids: ['spf.hoster_include_missing'],
      },
      {
        name: 'the relay as a bare ip4 term instead of the include',
        zone: 'example.org. TXT "v=spf1 ip4:192.0.2.25 -all"',
        expectations: HOSTER,
        ids: ['spf.hoster_include_missing'],
      },
    ],
    unknown: [
      {
        name: 'TXT query timed out',
        zone: 'example.org. TXT "v=spf1 -all"',
        expectations: HOSTER,
        failures: { 'example.org TXT': 'timeout' },
      },
    ],
  });

  it('suggests the record with the include added first', async () => {
    const result = await runCheck(spfHoster, {
      zone: 'example.org. TXT "v=spf1 ip4:192.0.2.25 ~all"',
      expectations: HOSTER,
    });
    expect(result.findings[0]).toMatchObject({
      subject: '_spf.hebergeur.example',
      message: 'SPF of "example.org" does not include "_spf.hebergeur.example"',
      suggestedRecord: 'example.org. TXT "v=spf1 include:_spf.hebergeur.example ip4:192.0.2.25 ~all"',
    });
  });

  it('is not run when no include is expected', () => {
    expect(applicableChecks([spfHoster], { mxHosts: ['mx.example.net'] })).toEqual([]);
  });

  it('suggests the record at the canonical name when the domain is an alias', async () => {
    const result = await runCheck(spfHoster, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. TXT "v=spf1 ip4:192.0.2.25 ~all"',
      expectations: HOSTER,
    });
    expect(result.findings[0]).toMatchObject({
      evidence: { alias: { name: 'asso.example', canonicalName: 'asso.hoster.example' } },
      suggestedRecord: 'asso.hoster.example. TXT "v=spf1 include:_spf.hebergeur.example ip4:192.0.2.25 ~all"',
    });
  });
});
