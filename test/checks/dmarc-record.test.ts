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

  it('names the record and the position of a syntax error', async () => {
    const result = await runCheck(dmarcRecord, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=maybe"' });
    expect(result.findings[0]).toMatchObject({
      subject: '_dmarc.example.org',
      evidence: { position: 10, record: 'v=DMARC1; p=maybe' },
      message: 'DMARC record at "_dmarc.example.org" cannot be parsed',
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
