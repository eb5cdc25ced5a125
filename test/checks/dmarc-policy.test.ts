import { describe, expect, it } from 'vitest';
import dmarcPolicy from '../../checks/dmarc-policy.js';
import { checkCases, runCheck } from './check-cases.js';

describe('dmarc-policy', () => {
  checkCases(dmarcPolicy, {
    pass: [
      { name: 'p=reject', zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject"' },
      { name: 'p=quarantine with pct=100', zone: '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; pct=100"' },
      {
        name: 'inherited sp=reject overrides p=none',
        domain: 'news.example.org',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=none; sp=reject"',
      },
      {
        name: 'sp equal to p',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=reject"',
      },
      { name: 'no record (dmarc-record reports it)', zone: '' },
      { name: 'broken record (dmarc-record reports it)', zone: '_dmarc.example.org. TXT "v=DMARC1; p=maybe"' },
    ],
    fail: [
      { name: 'own p=none', zone: '_dmarc.example.org. TXT "v=DMARC1; p=none"', ids: ['dmarc.policy_none'] },
      {
        name: 'inherited sp=none',
        domain: 'news.example.org',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=none"',
        ids: ['dmarc.policy_none'],
      },
      {
        name: 'pct with p=none is only policy_none',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=none; pct=10"',
        ids: ['dmarc.policy_none'],
      },
      {
        name: 'sp=none under p=reject',
        zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=none"',
        ids: ['dmarc.sp_none'],
      },
      { name: 'pct=50', zone: '_dmarc.example.org. TXT "v=DMARC1; p=quarantine; pct=50"', ids: ['dmarc.pct_partial'] },
    ],
    unknown: [{ name: 'lookup timed out', zone: '', failures: { '_dmarc.example.org TXT': 'timeout' } }],
  });

  it.each([
    ['v=DMARC1; p=none; rua=mailto:d@example.org', 'v=DMARC1; p=quarantine; rua=mailto:d@example.org'],
    ['v=DMARC1;p=none;', 'v=DMARC1; p=quarantine'],
  ])('suggests p=quarantine for %j', async (record, suggested) => {
    const result = await runCheck(dmarcPolicy, { zone: `_dmarc.example.org. TXT "${record}"` });
    expect(result.findings[0]?.suggestedRecord).toBe(`_dmarc.example.org. TXT "${suggested}"`);
  });

  it('suggests an own record for a subdomain that inherits p=none', async () => {
    const result = await runCheck(dmarcPolicy, {
      domain: 'news.example.org',
      zone: '_dmarc.example.org. TXT "v=DMARC1; p=none"',
    });
    expect(result.findings[0]).toMatchObject({
      evidence: { isInherited: true, policyDomain: 'example.org' },
      suggestedRecord: '_dmarc.news.example.org. TXT "v=DMARC1; p=quarantine"',
    });
  });

  it('suggests sp set to the main policy and pct dropped to 100', async () => {
    const sp = await runCheck(dmarcPolicy, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=none"' });
    expect(sp.findings[0]?.suggestedRecord).toBe('_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=reject"');
    const pct = await runCheck(dmarcPolicy, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; pct=20"' });
    expect(pct.findings[0]?.suggestedRecord).toBe('_dmarc.example.org. TXT "v=DMARC1; p=reject; pct=100"');
    expect(pct.findings[0]?.message).toBe('DMARC policy for "example.org" applies to 20% of mail');
  });
});
