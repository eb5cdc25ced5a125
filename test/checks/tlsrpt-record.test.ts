import { describe, expect } from 'vitest';
import tlsrptRecord from '../../checks/tlsrpt-record.js';
import { checkCases } from './check-cases.js';

const invalid = (reason: RegExp) => [{ evidence: { reason: expect.stringMatching(reason) as unknown } }];

describe('tlsrpt-record', () => {
  checkCases(tlsrptRecord, {
    pass: [
      '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls@example.org"',
      { name: 'no record (TLS-RPT is optional)', zone: 'example.org. TXT "v=spf1 -all"' },
    ],
    fail: [
      {
        name: 'two records published behind an alias at the hoster',
        domain: 'asso.example',
        zone: [
          '_smtp._tls.asso.example. CNAME _smtp._tls.hoster.example.',
          '_smtp._tls.hoster.example. TXT "v=TLSRPTv1; rua=mailto:a@hoster.example"',
          '_smtp._tls.hoster.example. TXT "v=TLSRPTv1; rua=mailto:b@hoster.example"',
        ].join('\n'),
        ids: ['tlsrpt.invalid_record'],
        match: [
          {
            message:
              'The TLS-RPT record is invalid ("_smtp._tls.asso.example" is an alias of "_smtp._tls.hoster.example": the record is published there, by whoever runs that name; change it there or ask them)',
            evidence: { reason: '2 records', alias: { name: '_smtp._tls.asso.example' } },
          },
        ],
      },
      {
        name: 'an http: rua',
        zone: '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=http://r.example.net/"',
        ids: ['tlsrpt.invalid_record'],
        match: invalid(/neither mailto/),
      },
      {
        name: 'no rua',
        zone: '_smtp._tls.example.org. TXT "v=TLSRPTv1"',
        ids: ['tlsrpt.invalid_record'],
        match: invalid(/"rua=" tag is missing/),
      },
      {
        name: 'two records',
        zone: '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:a@example.org"\n_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:b@example.org"',
        ids: ['tlsrpt.invalid_record'],
        match: invalid(/2 records/),
      },
    ],
    unknown: [{ name: 'TXT lookup timed out', zone: '', failures: { '_smtp._tls.example.org TXT': 'timeout' } }],
  });
});
