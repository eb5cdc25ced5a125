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
      {
        name: 'p=none published by a DMARC service behind an alias',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=none; rua=mailto:r@dmarc.provider.example"',
        ids: ['dmarc.policy_none'],
        match: [
          {
            message:
              'DMARC policy for "asso.example" is p=none ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
            evidence: { alias: { name: '_dmarc.asso.example', canonicalName: 'asso.dmarc.provider.example' } },
            suggestedRecord:
              'asso.dmarc.provider.example. TXT "v=DMARC1; p=quarantine; rua=mailto:r@dmarc.provider.example"',
          },
        ],
      },
      {
        name: 'sp=none behind a chain of aliases',
        domain: 'asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. CNAME eu.dmarc.provider.example.\neu.dmarc.provider.example. TXT "v=DMARC1; p=reject; sp=none"',
        ids: ['dmarc.sp_none'],
        match: [
          {
            values: { alias: '_dmarc.asso.example', canonicalName: 'eu.dmarc.provider.example' },
            evidence: { alias: { cnames: ['asso.dmarc.provider.example', 'eu.dmarc.provider.example'] } },
            suggestedRecord: 'eu.dmarc.provider.example. TXT "v=DMARC1; p=reject; sp=reject"',
          },
        ],
      },
      {
        name: 'pct=50 inherited from an organisational domain whose _dmarc is an alias',
        domain: 'news.asso.example',
        zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=reject; pct=50"',
        ids: ['dmarc.pct_partial'],
        match: [
          {
            message: expect.stringContaining(
              '("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there',
            ) as unknown,
            evidence: { policy: 'reject', alias: { name: '_dmarc.asso.example' } },
          },
        ],
      },
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

  it('suggests pct=100 at the canonical name of a _dmarc alias', async () => {
    const result = await runCheck(dmarcPolicy, {
      domain: 'asso.example',
      zone: '_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=reject; pct=20"',
    });
    expect(result.findings[0]?.suggestedRecord).toBe('asso.dmarc.provider.example. TXT "v=DMARC1; p=reject; pct=100"');
  });

  it('suggests the own record of a subdomain that inherits p=none from an alias at its own name, not the provider’s', async () => {
    const zone = [
      '_dmarc.asso.example. CNAME asso.dmarc.provider.example.',
      'asso.dmarc.provider.example. TXT "v=DMARC1; p=reject; sp=none"',
    ].join('\n');
    const result = await runCheck(dmarcPolicy, { domain: 'news.asso.example', zone });
    expect(result.findings).toMatchObject([
      {
        id: 'dmarc.policy_none',
        message: 'DMARC policy for "news.asso.example" is p=none',
        suggestedRecord: '_dmarc.news.asso.example. TXT "v=DMARC1; p=quarantine"',
      },
    ]);
    // Its own _dmarc is an alias of a name with no record: the own record goes there, and the title says so.
    const dangling = await runCheck(dmarcPolicy, {
      domain: 'news.asso.example',
      zone: `${zone}\n_dmarc.news.asso.example. CNAME news.dmarc.provider.example.`,
    });
    expect(dangling.findings).toMatchObject([
      {
        id: 'dmarc.policy_none',
        message: expect.stringContaining(
          '("_dmarc.news.asso.example" is an alias of "news.dmarc.provider.example", which publishes no such record',
        ) as unknown,
        evidence: { isInherited: true, alias: { name: '_dmarc.news.asso.example' } },
        suggestedRecord: 'news.dmarc.provider.example. TXT "v=DMARC1; p=quarantine"',
      },
    ]);
  });

  it('suggests sp set to the main policy and pct dropped to 100', async () => {
    const sp = await runCheck(dmarcPolicy, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=none"' });
    expect(sp.findings[0]?.suggestedRecord).toBe('_dmarc.example.org. TXT "v=DMARC1; p=reject; sp=reject"');
    const pct = await runCheck(dmarcPolicy, { zone: '_dmarc.example.org. TXT "v=DMARC1; p=reject; pct=20"' });
    expect(pct.findings[0]?.suggestedRecord).toBe('_dmarc.example.org. TXT "v=DMARC1; p=reject; pct=100"');
    expect(pct.findings[0]?.message).toBe('DMARC policy for "example.org" applies to 20% of mail');
  });
});
