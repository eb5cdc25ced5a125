import { describe, expect } from 'vitest';
import bimiRecord from '../../checks/bimi-record.js';
import { checkCases } from './check-cases.js';

const BIMI = 'default._bimi.example.org. TXT "v=BIMI1; l=https://example.org/logo.svg"';
const REJECT = '_dmarc.example.org. TXT "v=DMARC1; p=reject"';
const invalid = (reason: RegExp) => [
  { subject: 'default._bimi.example.org', evidence: { reason: expect.stringMatching(reason) as unknown } },
];

describe('bimi-record', () => {
  checkCases(bimiRecord, {
    pass: [
      { name: 'no BIMI record (BIMI is optional)', zone: REJECT },
      { name: 'a logo and DMARC at p=reject', zone: `${BIMI}\n${REJECT}` },
      {
        name: 'a logo, a mark certificate and DMARC at p=quarantine',
        zone: `default._bimi.example.org. TXT "v=BIMI1; l=https://example.org/logo.svg; a=https://example.org/vmc.pem"\n_dmarc.example.org. TXT "v=DMARC1; p=quarantine; pct=100"`,
      },
      { name: 'a declination, without DMARC', zone: 'default._bimi.example.org. TXT "v=BIMI1; l=; a=;"' },
      {
        name: 'a subdomain with its organisational domain’s record and policy',
        domain: 'news.example.org',
        zone: `${BIMI}\n_dmarc.example.org. TXT "v=DMARC1; p=none; sp=reject"\nnews.example.org. A 192.0.2.1`,
      },
    ],
    fail: [
      {
        name: 'a logo over http published behind an alias',
        domain: 'asso.example',
        zone: 'default._bimi.asso.example. CNAME asso.bimi.provider.example.\nasso.bimi.provider.example. TXT "v=BIMI1; l=http://asso.example/logo.svg"\n_dmarc.asso.example. TXT "v=DMARC1; p=reject"',
        ids: ['bimi.invalid_record'],
        match: [
          {
            message:
              'The BIMI record at "default._bimi.asso.example" is invalid ("default._bimi.asso.example" is an alias of "asso.bimi.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
          },
        ],
      },
      {
        name: 'a logo with DMARC at p=none published behind a _dmarc alias',
        domain: 'asso.example',
        zone: 'default._bimi.asso.example. TXT "v=BIMI1; l=https://asso.example/logo.svg"\n_dmarc.asso.example. CNAME asso.dmarc.provider.example.\nasso.dmarc.provider.example. TXT "v=DMARC1; p=none"',
        ids: ['bimi.dmarc_not_enforced'],
        match: [
          {
            message: expect.stringContaining(
              '("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there',
            ) as unknown,
            evidence: { name: 'default._bimi.asso.example', alias: { name: '_dmarc.asso.example' } },
          },
        ],
      },
      {
        name: 'two records',
        zone: `${BIMI}\ndefault._bimi.example.org. TXT "v=BIMI1; l=https://example.org/other.svg"\n${REJECT}`,
        ids: ['bimi.invalid_record'],
        match: invalid(/2 records/),
      },
      {
        name: 'a logo over http',
        zone: `default._bimi.example.org. TXT "v=BIMI1; l=http://example.org/logo.svg"\n${REJECT}`,
        ids: ['bimi.invalid_record'],
        match: invalid(/"l=" must be an https URL/),
      },
      {
        name: 'no l= tag',
        zone: `default._bimi.example.org. TXT "v=BIMI1; a=https://example.org/vmc.pem"\n${REJECT}`,
        ids: ['bimi.invalid_record'],
        match: invalid(/"l=" tag is missing/),
      },
      {
        name: 'a logo with DMARC at p=none',
        zone: `${BIMI}\n_dmarc.example.org. TXT "v=DMARC1; p=none"`,
        ids: ['bimi.dmarc_not_enforced'],
        match: [{ subject: 'example.org', evidence: { policy: 'none', pct: 100 } }],
      },
      {
        name: 'a logo with DMARC applied to half the mail',
        zone: `${BIMI}\n_dmarc.example.org. TXT "v=DMARC1; p=reject; pct=50"`,
        ids: ['bimi.dmarc_not_enforced'],
        match: [{ evidence: { policy: 'reject', pct: 50 } }],
      },
      {
        name: 'a logo without DMARC',
        zone: BIMI,
        ids: ['bimi.dmarc_not_enforced'],
        match: [{ evidence: { policy: null, pct: null } }],
      },
    ],
    unknown: [
      {
        name: 'BIMI TXT lookup timed out',
        zone: REJECT,
        failures: { 'default._bimi.example.org TXT': 'timeout' },
      },
    ],
  });
});
