import { describe, expect, it } from 'vitest';
import mxHoster from '../../checks/mx-hoster.js';
import { applicableChecks, runDomainChecks } from '../../src/checks/run-checks.js';
import { gatherMx } from '../../src/facts/mx.js';
import { NO_OPTIONS, zoneResolver } from '../facts/spf-dmarc-context.js';
import { checkCases, runCheck } from './check-cases.js';

const HOSTER = { mxHosts: ['mx1.hebergeur.example', 'mx2.hebergeur.example'] };
const HOSTER_MX = `
mx1.hebergeur.example. A 192.0.2.10
mx2.hebergeur.example. A 192.0.2.11
`;

describe('mx-hoster', () => {
  checkCases(mxHoster, {
    pass: [
      {
        name: 'both hoster MX',
        zone: `example.org. MX 10 mx1.hebergeur.example.\nexample.org. MX 20 mx2.hebergeur.example.\n${HOSTER_MX}`,
        expectations: HOSTER,
      },
      {
        name: 'one hoster MX, written in upper case with a trailing dot',
        zone: `example.org. MX 10 MX1.HEBERGEUR.EXAMPLE.\n${HOSTER_MX}`,
        expectations: HOSTER,
      },
      {
        name: 'an alias of the hoster’s MX (mx-records reports the alias)',
        zone: `example.org. MX 10 courrier.example.org.\ncourrier.example.org. CNAME mx1.hebergeur.example.\n${HOSTER_MX}`,
        expectations: HOSTER,
      },
      {
        name: 'the member’s own name for the hoster’s MX address',
        zone: `example.org. MX 10 mail.example.org.\nmail.example.org. A 192.0.2.11\n${HOSTER_MX}`,
        expectations: HOSTER,
      },
      { name: 'null MX: the domain takes no mail', zone: 'example.org. MX 0 .', expectations: HOSTER },
      { name: 'no MX at all (mx-records reports it)', zone: 'example.org. A 192.0.2.1', expectations: HOSTER },
    ],
    fail: [
      {
        name: 'an old provider’s MX',
        zone: 'example.org. MX 10 mx.ancien.example.\nmx.ancien.example. A 198.51.100.7',
        expectations: HOSTER,
        ids: ['mx.not_hoster'],
      },
      {
        name: 'a foreign backup MX beside the hoster’s',
        zone: `example.org. MX 10 mx1.hebergeur.example.\nexample.org. MX 50 backup.example.net.\n${HOSTER_MX}`,
        expectations: HOSTER,
        ids: ['mx.not_hoster'],
      },
      {
        name: 'the member’s own name on one hoster address and one elsewhere',
        zone: `example.org. MX 10 mail.example.org.\nmail.example.org. A 192.0.2.11\nmail.example.org. A 198.51.100.7\n${HOSTER_MX}`,
        expectations: HOSTER,
        ids: ['mx.not_hoster'],
      },
      {
        name: 'a foreign MX without address',
        zone: 'example.org. MX 10 gone.example.net.',
        expectations: HOSTER,
        ids: ['mx.not_hoster'],
      },
    ],
    unknown: [
      {
        name: 'MX query timed out',
        zone: 'example.org. MX 10 mx.ancien.example.',
        expectations: HOSTER,
        failures: { 'example.org MX': 'timeout' },
      },
      {
        name: 'the member’s own name, while the hoster’s MX addresses time out',
        zone: `example.org. MX 10 mail.example.org.\nmail.example.org. A 192.0.2.11\n${HOSTER_MX}`,
        expectations: HOSTER,
        failures: { 'mx2.hebergeur.example A': 'timeout' },
      },
      {
        name: 'the MX host’s own addresses time out',
        zone: 'example.org. MX 10 mail.example.org.',
        expectations: HOSTER,
        failures: { 'mail.example.org A': 'servfail' },
      },
    ],
  });

  it('judges the hoster’s own MX by name even when its addresses time out', async () => {
    const result = await runCheck(mxHoster, {
      zone: `example.org. MX 10 mx1.hebergeur.example.\n${HOSTER_MX}`,
      expectations: HOSTER,
      failures: { 'mx2.hebergeur.example A': 'timeout' },
    });
    expect(result.status).toBe('pass');
  });

  it('names the foreign exchange and the expected hosts', async () => {
    const result = await runCheck(mxHoster, {
      zone: 'example.org. MX 10 mx.ancien.example.\nexample.org. MX 20 mx.ancien.example.',
      expectations: HOSTER,
    });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      subject: 'mx.ancien.example',
      message: 'MX "mx.ancien.example" is not one of the hoster’s (mx1.hebergeur.example, mx2.hebergeur.example)',
    });
  });

  it('is not run when no MX hosts are expected', async () => {
    expect(applicableChecks([mxHoster], {})).toEqual([]);
    expect(applicableChecks([mxHoster], HOSTER)).toEqual([mxHoster]);
    const result = await runDomainChecks('example.org', null, NO_OPTIONS, {
      checks: [mxHoster],
      gatherers: { mx: gatherMx } as never,
      resolver: zoneResolver('example.org. MX 10 mx.ancien.example.'),
      render: { lang: 'en', docs: (_id, check) => check.rfc },
      now: new Date(0),
      signal: new AbortController().signal,
      once: (_key, fn) => fn(),
    });
    expect(result.checks).toEqual([]);
  });
});
