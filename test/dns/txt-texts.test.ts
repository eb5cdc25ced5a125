import { describe, expect, it } from 'vitest';
import { txtTexts, type DnsAnswer } from '../../src/dns/types.js';

const answer = (records: DnsAnswer['records']): DnsAnswer => ({
  rcode: 'NOERROR',
  records,
  cnames: [],
  authenticated: false,
});

describe('txtTexts', () => {
  it('joins the character-strings of each TXT record and keeps the records apart', () => {
    const texts = txtTexts(
      answer([
        { type: 'TXT', name: 'example.org', ttl: 60, strings: ['v=spf1 ', 'mx -all'] },
        { type: 'TXT', name: 'example.org', ttl: 60, strings: ['google-site-verification=abc'] },
      ]),
    );
    expect(texts).toEqual(['v=spf1 mx -all', 'google-site-verification=abc']);
  });

  it('skips records of other types and gives nothing for an empty answer', () => {
    expect(txtTexts(answer([{ type: 'CNAME', name: 'example.org', ttl: 60, target: 'other.example' }]))).toEqual([]);
    expect(txtTexts({ rcode: 'NXDOMAIN', records: [], cnames: [], authenticated: false })).toEqual([]);
  });
});
