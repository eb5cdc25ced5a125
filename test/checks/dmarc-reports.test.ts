import { describe, expect, it } from 'vitest';
import dmarcReports from '../../checks/dmarc-reports.js';
import { checkCases, runCheck } from './check-cases.js';

const AUTHORISED = 'example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"';

describe('dmarc-reports', () => {
  checkCases(dmarcReports, {
    pass: [
      {
        name: 'rua in the same domain',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:d@example.org"',
      },
      {
        name: 'rua in a subdomain of the same organisation',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:d@reports.example.org"',
      },
      {
        name: 'external rua and ruf that authorised it',
        zone: `_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net; ruf=mailto:f@reports.example.net"\n${AUTHORISED}`,
      },
      {
        name: 'https rua has no domain to authorise',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=https://r.example.net/"',
      },
      { name: 'no record (dmarc-record reports it)', zone: '' },
    ],
    fail: [
      {
        name: 'no rua in a record inherited through an organisational _dmarc alias, beside an own dangling alias',
        domain: 'news.asso.example',
        zone: [
          '_dmarc.news.asso.example. CNAME news.closed.dmarc.example.',
          '_dmarc.asso.example. CNAME asso.dmarc.provider.example.',
          'asso.dmarc.provider.example. TXT "v=DMARC1; p=reject"',
        ].join('\n'),
        ids: ['dmarc.no_rua'],
        match: [
          {
            subject: 'asso.example',
            message:
              'DMARC of "asso.example" asks for no aggregate reports ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
            evidence: { alias: { name: '_dmarc.asso.example', cnames: ['asso.dmarc.provider.example'] } },
          },
        ],
      },
      {
        name: 'an authorisation name that is an alias of nothing',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"\nexample.org._report._dmarc.reports.example.net. CNAME example-org.auth.reports.example.net.',
        ids: ['dmarc.rua_unauthorized'],
        match: [
          {
            message: expect.stringContaining(
              '("example.org._report._dmarc.reports.example.net" is an alias of "example-org.auth.reports.example.net", which publishes no such record',
            ) as unknown,
            suggestedRecord: 'example-org.auth.reports.example.net. TXT "v=DMARC1"',
          },
        ],
      },
      { name: 'no rua', zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"', ids: ['dmarc.no_rua'] },
      {
        name: 'external rua without authorisation',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"',
        ids: ['dmarc.rua_unauthorized'],
      },
      {
        name: 'authorisation record that is not DMARC',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"\nexample.org._report._dmarc.reports.example.net. TXT "ok"',
        ids: ['dmarc.rua_unauthorized'],
      },
      {
        name: 'external ruf without authorisation',
        zone: `_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net; ruf=mailto:f@forensic.example.com"\n${AUTHORISED}`,
        ids: ['dmarc.ruf_unauthorized'],
      },
    ],
    unknown: [
      {
        name: 'authorisation lookup timed out',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"',
        failures: { 'example.org._report._dmarc.reports.example.net TXT': 'timeout' },
      },
    ],
  });

  it('checks the authorisation for the organisational domain when the record is inherited', async () => {
    const result = await runCheck(dmarcReports, {
      domain: 'news.example.org',
      zone: `_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"\n${AUTHORISED}`,
    });
    expect(result.findings).toEqual([]);
  });

  it('suggests the record the destination must publish', async () => {
    const result = await runCheck(dmarcReports, {
      zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:a@reports.example.net"',
    });
    expect(result.findings[0]).toMatchObject({
      subject: 'mailto:a@reports.example.net',
      suggestedRecord: 'example.org._report._dmarc.reports.example.net. TXT "v=DMARC1"',
      message: 'rua destination "mailto:a@reports.example.net" has not authorised reports for "example.org"',
    });
  });

  it('suggests adding the hoster’s rua when it collects reports, and nothing otherwise', async () => {
    const zone = '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; pct=50"';
    const alone = await runCheck(dmarcReports, { zone });
    expect(alone.findings[0]?.id).toBe('dmarc.no_rua');
    expect(alone.findings[0]?.suggestedRecord).toBeUndefined();
    const hosted = await runCheck(dmarcReports, {
      zone,
      expectations: { dmarcReportsTo: 'mailto:dmarc@hoster.example' },
    });
    expect(hosted.findings[0]).toMatchObject({
      id: 'dmarc.no_rua',
      suggestedRecord: '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@hoster.example"',
    });
  });
});
