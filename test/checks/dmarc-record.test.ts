import { describe, expect, it } from 'vitest';
import dmarcRecord from '../../checks/dmarc-record.js';
import { checkCases, runCheck } from './check-cases.js';

describe('dmarc-record', () => {
  checkCases(dmarcRecord, {
    pass: [
      { name: 'own record', zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"' },
      {
        name: 'own record beside other TXT',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=none"\n_dmarc.example.org. TXT "x"',
      },
    ],
    fail: [
      {
        name: 'a _dmarc alias whose target holds no record (a closed DMARC service account)',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nprovider.example. TXT "v=spf1 -all"',
        ids: ['dmarc.missing'],
        match: [
          {
            message:
              'No DMARC record for "asso.example" ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example", which publishes no such record: publish it there, ask whoever runs that name, or remove the alias)',
            evidence: { alias: { name: '_dmarc.asso.example', canonicalName: 'asso.dmarc.provider.example' } },
            suggestedRecord:
              'asso.dmarc.provider.example. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@asso.example"',
          },
        ],
      },
      {
        name: 'two records published behind a _dmarc alias',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=none"\nasso.dmarc.provider.example. TXT "v=DMARC1; p=reject"',
        ids: ['dmarc.multiple_records'],
        match: [
          {
            subject: '_dmarc.asso.example',
            message:
              '2 DMARC records at "_dmarc.asso.example" ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
          },
        ],
      },
      {
        name: 'a broken record published behind a _dmarc alias',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=maybe"',
        ids: ['dmarc.syntax_error'],
        match: [
          {
            values: {
              alias: '_dmarc.asso.example',
              canonicalName: 'asso.dmarc.provider.example',
              aliasNote: 'published',
            },
            evidence: { record: 'v=DMARC1; p=maybe', alias: { cnames: ['asso.dmarc.provider.example'] } },
          },
        ],
      },
      {
        name: 'a record inherited from an organisational domain whose _dmarc is an alias',
        domain: 'news.asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=reject"',
        ids: ['dmarc.inherited'],
        match: [
          {
            message:
              '"news.asso.example" uses the DMARC record of "asso.example" ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
            evidence: { policyDomain: 'asso.example', alias: { name: '_dmarc.asso.example' } },
          },
        ],
      },
      { name: 'no record anywhere', zone: 'example.org. A 192.0.2.1', ids: ['dmarc.missing'] },
      {
        name: 'no record at the subdomain nor its organisational domain',
        domain: 'news.example.org',
        zone: '_dmarc.other.example.org. TXT "v=DMARC1; p=reject"',
        ids: ['dmarc.missing'],
      },
      {
        name: 'two records',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=none"\n_dmarc.example.org. TXT "v=DMARC1; p=reject"',
        ids: ['dmarc.multiple_records'],
      },
      { name: 'unknown policy', zone: '_dmarc.example.org. TXT "v=DMARC1; p=maybe"', ids: ['dmarc.syntax_error'] },
      {
        name: 'record of the organisational domain',
        domain: 'news.example.org',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"',
        ids: ['dmarc.inherited'],
      },
    ],
    unknown: [
      { name: 'own lookup timed out', zone: '', failures: { '_dmarc.example.org TXT': 'timeout' } },
      {
        name: 'fallback lookup timed out',
        domain: 'news.example.org',
        zone: '',
        failures: { '_dmarc.example.org TXT': 'timeout' },
      },
    ],
  });

  it('suggests a monitoring record with reports when none exists', async () => {
    const result = await runCheck(dmarcRecord, { zone: '' });
    expect(result.findings[0]?.suggestedRecord).toBe(
      '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org"',
    );
  });

  it('suggests p=reject for a domain whose null MX says it sends no mail', async () => {
    const result = await runCheck(dmarcRecord, { zone: 'example.org. MX 0 .' });
    expect(result.findings[0]).toMatchObject({
      id: 'dmarc.missing',
      evidence: { hasNullMx: true },
      suggestedRecord: '_dmarc.example.org. TXT "v=DMARC1; p=reject"',
    });
  });

  it('keeps the monitoring suggestion when the null MX sits beside other MX records', async () => {
    const result = await runCheck(dmarcRecord, { zone: 'example.org. MX 0 .\nexample.org. MX 10 mx.example.org.' });
    expect(result.findings[0]).toMatchObject({
      evidence: { hasNullMx: false },
      suggestedRecord: '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org"',
    });
  });

  it('reports the missing record with the monitoring suggestion when the MX lookup times out', async () => {
    const result = await runCheck(dmarcRecord, {
      zone: 'example.org. MX 0 .',
      failures: { 'example.org MX': 'timeout' },
    });
    expect(result.status).toBe('fail');
    expect(result.findings[0]).toMatchObject({
      evidence: { hasNullMx: null },
      suggestedRecord: '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org"',
    });
  });

  it('sends the suggested record’s reports to the hoster when it collects them', async () => {
    const expectations = { dmarcReportsTo: 'mailto:dmarc@hoster.example' };
    const monitored = await runCheck(dmarcRecord, { zone: 'example.org. MX 10 mx.hoster.example.', expectations });
    expect(monitored.findings[0]?.suggestedRecord).toBe(
      '_dmarc.example.org. TXT "v=DMARC1; p=none; rua=mailto:dmarc@hoster.example"',
    );
    const parked = await runCheck(dmarcRecord, { zone: 'example.org. MX 0 .', expectations });
    expect(parked.findings[0]?.suggestedRecord).toBe(
      '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@hoster.example"',
    );
  });

  it('names the record and the position of a syntax error', async () => {
    const result = await runCheck(dmarcRecord, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=maybe"' });
    expect(result.findings[0]).toMatchObject({
      subject: '_dmarc.example.org',
      evidence: { position: 10, record: 'v=DMARC1; p=maybe' },
      message: 'DMARC record at "_dmarc.example.org" cannot be parsed: unknown p "maybe" at position 10',
      values: { syntaxFault: 'unknown_value', faultKeyword: 'p', faultTerm: 'maybe', position: 10 },
    });
  });

  it('keeps an inherited record as advice that does not fail the check', async () => {
    const result = await runCheck(dmarcRecord, {
      domain: 'news.example.org',
      zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"',
    });
    expect(result.status).toBe('pass');
  });
});
