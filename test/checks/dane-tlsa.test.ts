import { describe } from 'vitest';
import daneTlsa from '../../checks/dane-tlsa.js';
import { checkCases } from './check-cases.js';

const ZONE = `
example.org. MX 10 mx1.example.org.
example.org. MX 20 mx2.example.net.
mx1.example.org. A 192.0.2.1
mx2.example.net. A 192.0.2.2
_25._tcp.mx1.example.org. TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`;

describe('dane-tlsa', () => {
  checkCases(daneTlsa, {
    pass: [
      {
        name: 'TLSA records that DNSSEC validated, and an MX without TLSA',
        zone: ZONE,
        authenticated: ['example.org'],
      },
    ],
    fail: [
      {
        name: 'TLSA records without the AD bit',
        zone: ZONE,
        ids: ['dane.tlsa_unsigned'],
        match: [{ subject: 'mx1.example.org' }],
      },
    ],
    unknown: [
      {
        name: 'the TLSA lookup of one MX timed out',
        zone: ZONE,
        failures: { '_25._tcp.mx1.example.org TLSA': 'timeout' },
        subjects: ['mx1.example.org'],
      },
      { name: 'the MX query timed out', zone: ZONE, failures: { 'example.org MX': 'timeout' } },
    ],
  });
});
