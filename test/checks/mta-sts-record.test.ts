import { describe, expect } from 'vitest';
import mtaStsRecord from '../../checks/mta-sts-record.js';
import { checkCases } from './check-cases.js';

const NOW = new Date('2026-11-23T12:34:56Z');

/** Every invalid record gets the same advice: a fresh record whose id is the run's time. */
const invalid = (reason: RegExp) => [
  {
    evidence: { reason: expect.stringMatching(reason) as unknown },
    suggestedRecord: '_mta-sts.example.org. TXT "v=STSv1; id=20261123123456"',
  },
];

describe('mta-sts-record', () => {
  checkCases(mtaStsRecord, {
    pass: [
      {
        name: 'a valid record beside unrelated TXT',
        zone: '_mta-sts.example.org. TXT "v=STSv1; id=20261123"\n_mta-sts.example.org. TXT "hello"',
      },
      { name: 'no record at all (MTA-STS is optional)', zone: 'example.org. TXT "v=spf1 -all"' },
    ],
    fail: [
      {
        name: 'a bad id published behind an alias at the hoster',
        domain: 'asso.example',
        zone: '_mta-sts.asso.example. CNAME _mta-sts.hoster.example.\n_mta-sts.hoster.example. TXT "v=STSv1; id=2026-11-23"',
        now: NOW,
        ids: ['mta_sts.invalid_record'],
        match: [
          {
            message:
              'The MTA-STS record is invalid ("_mta-sts.asso.example" is an alias of "_mta-sts.hoster.example": the record is published there, by whoever runs that name; change it there or ask them)',
            evidence: { name: '_mta-sts.asso.example', alias: { canonicalName: '_mta-sts.hoster.example' } },
            suggestedRecord: '_mta-sts.hoster.example. TXT "v=STSv1; id=20261123123456"',
          },
        ],
      },
      {
        name: 'a bad id',
        zone: '_mta-sts.example.org. TXT "v=STSv1; id=2026-11-23"',
        now: NOW,
        ids: ['mta_sts.invalid_record'],
        match: invalid(/letters or digits/),
      },
      {
        name: 'a missing id',
        zone: '_mta-sts.example.org. TXT "v=STSv1;"',
        now: NOW,
        ids: ['mta_sts.invalid_record'],
        match: invalid(/"id=" tag is missing/),
      },
      {
        name: 'two records',
        zone: '_mta-sts.example.org. TXT "v=STSv1; id=1"\n_mta-sts.example.org. TXT "v=STSv1; id=2"',
        now: NOW,
        ids: ['mta_sts.invalid_record'],
        match: invalid(/2 records/),
      },
    ],
    unknown: [{ name: 'TXT lookup timed out', zone: '', failures: { '_mta-sts.example.org TXT': 'timeout' } }],
  });
});
