import { describe, expect, it } from 'vitest';
import dmarcHoster from '../../checks/dmarc-hoster.js';
import { applicableChecks } from '../../src/checks/run-checks.js';
import { checkCases, runCheck } from './check-cases.js';

const HOSTER = { dmarcReportsTo: 'mailto:dmarc@hebergeur.example' };

describe('dmarc-hoster', () => {
  checkCases(dmarcHoster, {
    pass: [
      {
        name: 'reports to the hoster',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@hebergeur.example"',
        expectations: HOSTER,
      },
      {
        name: 'reports to the member and, with a size limit and another case, to the hoster',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:moi@example.org,mailto:DMARC@hebergeur.example!10m"',
        expectations: HOSTER,
      },
      {
        name: 'no rua (dmarc-reports reports it)',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"',
        expectations: HOSTER,
      },
      { name: 'no DMARC record (dmarc-record reports it)', zone: '', expectations: HOSTER },
    ],
    fail: [
      {
        name: 'a record published behind a _dmarc alias, reporting elsewhere',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc.provider.example"',
        expectations: HOSTER,
        ids: ['dmarc.reports_not_to_hoster'],
        match: [
          {
            message: expect.stringContaining(
              '("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there',
            ) as unknown,
            suggestedRecord:
              'asso.dmarc.provider.example. TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc.provider.example,mailto:dmarc@hebergeur.example"',
          },
        ],
      },
      {
        name: 'reports to an analysis service only',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:rapports@analyse.example"',
        expectations: HOSTER,
        ids: ['dmarc.reports_not_to_hoster'],
      },
    ],
    unknown: [
      {
        name: 'DMARC query timed out',
        zone: '',
        expectations: HOSTER,
        failures: { '_dmarc.example.org TXT': 'timeout' },
      },
    ],
  });

  it('suggests the record with the hoster’s address added to rua', async () => {
    const result = await runCheck(dmarcHoster, {
      zone: '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; rua=mailto:moi@example.org; fo=1"',
      expectations: HOSTER,
    });
    expect(result.findings[0]).toMatchObject({
      subject: 'mailto:dmarc@hebergeur.example',
      message: 'DMARC reports of "example.org" do not go to "mailto:dmarc@hebergeur.example"',
      suggestedRecord:
        '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; rua=mailto:moi@example.org,mailto:dmarc@hebergeur.example; fo=1"',
    });
  });

  it('is not run when no report address is expected', () => {
    expect(applicableChecks([dmarcHoster], {})).toEqual([]);
  });
});
