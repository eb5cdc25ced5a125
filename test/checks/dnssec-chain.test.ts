import { describe } from 'vitest';
import dnssecChain from '../../checks/dnssec-chain.js';
import { dnskeyTag, dsDigest } from '../../src/dns/dnssec-digest.js';
import { checkCases } from './check-cases.js';

/** The example key of RFC 4034 5.4, as the key-signing key (flags 257) of example.org. */
const KSK = {
  flags: 257,
  algorithm: 5,
  key:
    'AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvx' +
    'egXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==',
};
const TAG = dnskeyTag(KSK);
const DNSKEY = `example.org. DNSKEY ${KSK.flags} 3 ${KSK.algorithm} ${KSK.key}`;
const ds = (digestType: number, digest = dsDigest('example.org', KSK, digestType) ?? '') =>
  `example.org. DS ${TAG} ${KSK.algorithm} ${digestType} ${digest}`;
/** lists.example.org delegated as a zone of its own: its SOA, and its DS and DNSKEY when `signed`. */
const listsZone = (signed: boolean) =>
  [
    'lists.example.org. SOA ns.example.org. hostmaster.example.org. 1 7200 900 1209600 300',
    ...(signed
      ? [
          `lists.example.org. DS ${TAG} 5 2 ${dsDigest('lists.example.org', KSK, 2) ?? ''}`,
          `lists.example.org. DNSKEY 257 3 5 ${KSK.key}`,
        ]
      : []),
  ].join('\n');
const mismatch = [{ subject: 'example.org', evidence: { zone: 'example.org', dnskeys: [{ keyTag: TAG }] } }];

describe('dnssec-chain', () => {
  checkCases(dnssecChain, {
    pass: [
      { name: 'a SHA-256 DS matching the key-signing key', zone: `${ds(2)}\n${DNSKEY}` },
      { name: 'an old SHA-1 DS beside a matching SHA-256 one', zone: `${ds(1, '00'.repeat(20))}\n${ds(2)}\n${DNSKEY}` },
      {
        name: 'a delegated subdomain, judged by its own zone',
        domain: 'lists.example.org',
        zone: `${listsZone(true)}\n${ds(2, '00'.repeat(32))}\n${DNSKEY}`,
      },
      {
        name: 'a subdomain, judged by its organisational domain',
        domain: 'lists.example.org',
        zone: `${ds(4)}\n${DNSKEY}`,
      },
    ],
    fail: [
      {
        name: 'no DS at the parent',
        zone: 'example.org. MX 10 mx.example.org.',
        ids: ['dnssec.unsigned'],
        match: [
          { subject: 'example.org', message: 'The zone "example.org" is not signed with DNSSEC (no DS at its parent)' },
        ],
      },
      {
        name: 'a delegated subdomain not signed, under a signed organisational domain',
        domain: 'lists.example.org',
        zone: `${listsZone(false)}\n${ds(2)}\n${DNSKEY}`,
        ids: ['dnssec.unsigned'],
        match: [{ subject: 'lists.example.org' }],
      },
      {
        name: 'a DS left behind, no DNSKEY',
        zone: ds(2),
        ids: ['dnssec.ds_without_dnskey'],
        match: [{ subject: 'example.org', evidence: { ds: [{ keyTag: TAG, digestType: 2 }] } }],
      },
      {
        name: 'a DS and only a key that is not a zone key',
        zone: `${ds(2)}\nexample.org. DNSKEY 0 3 5 ${KSK.key}`,
        ids: ['dnssec.ds_without_dnskey'],
      },
      {
        name: 'a DS whose digest matches no key',
        zone: `${ds(2, 'ab'.repeat(32))}\n${DNSKEY}`,
        ids: ['dnssec.ds_mismatch'],
        match: mismatch,
      },
      {
        name: 'a DS of another key tag (a rollover that never reached the registrar)',
        zone: `example.org. DS ${(TAG + 1) % 65_536} 5 2 ${dsDigest('example.org', KSK, 2) ?? ''}\n${DNSKEY}`,
        ids: ['dnssec.ds_mismatch'],
        match: mismatch,
      },
      {
        name: 'a DS computed for another name',
        zone: `${ds(2, dsDigest('example.net', KSK, 2) ?? '')}\n${DNSKEY}`,
        ids: ['dnssec.ds_mismatch'],
      },
    ],
    unknown: [
      { name: 'DS lookup timed out', zone: DNSKEY, failures: { 'example.org DS': 'timeout' } },
      {
        name: 'SOA lookup of a subdomain timed out',
        domain: 'lists.example.org',
        zone: `${ds(2)}\n${DNSKEY}`,
        failures: { 'lists.example.org SOA': 'timeout' },
      },
      {
        name: 'DNSKEY lookup answered SERVFAIL',
        zone: ds(2),
        failures: { 'example.org DNSKEY': 'servfail' },
        subjects: ['example.org'],
      },
      { name: 'only a DS digest type facteur does not compute', zone: `${ds(3, 'ab'.repeat(32))}\n${DNSKEY}` },
    ],
  });
});
