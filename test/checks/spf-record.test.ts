import { describe, expect, it } from 'vitest';
import spfRecord from '../../checks/spf-record.js';
import { checkCases, runCheck } from './check-cases.js';

describe('spf-record', () => {
  checkCases(spfRecord, {
    pass: [
      { name: 'one valid record', zone: 'example.org. TXT "v=spf1 mx -all"\nexample.org. MX 10 mx.example.org.' },
      {
        name: 'other TXT records beside SPF',
        zone: 'example.org. TXT "v=spf1 -all"\nexample.org. TXT "site-verification=1"',
      },
    ],
    fail: [
      { name: 'no TXT at all', zone: 'www.example.org. A 192.0.2.1', ids: ['spf.missing'] },
      { name: 'only unrelated TXT', zone: 'example.org. TXT "v=spf10 -all"', ids: ['spf.missing'] },
      {
        name: 'two records',
        zone: 'example.org. TXT "v=spf1 -all"\nexample.org. TXT "v=spf1 mx -all"',
        ids: ['spf.multiple_records'],
      },
      {
        name: 'two records in an include',
        zone: 'example.org. TXT "v=spf1 include:p.example.net -all"\np.example.net. TXT "v=spf1 -all"\np.example.net. TXT "v=spf1 ~all"',
        ids: ['spf.multiple_records'],
      },
      { name: 'unknown mechanism', zone: 'example.org. TXT "v=spf1 mx foo -all"', ids: ['spf.syntax_error'] },
      {
        name: 'bad record in an include',
        zone: 'example.org. TXT "v=spf1 include:p.example.net -all"\np.example.net. TXT "v=spf1 ip4:1.2.3 -all"',
        ids: ['spf.syntax_error'],
      },
      { name: 'uppercase version', zone: 'example.org. TXT "V=SPF1 -all"', ids: ['spf.uppercase_version'] },
    ],
    unknown: [
      {
        name: 'TXT lookup timed out',
        zone: 'example.org. TXT "v=spf1 -all"',
        failures: { 'example.org TXT': 'timeout' },
      },
      {
        name: 'SERVFAIL on an include',
        zone: 'example.org. TXT "v=spf1 include:p.example.net -all"',
        failures: { 'p.example.net TXT': 'servfail' },
      },
    ],
  });

  it('suggests a record with the MX and the sending IPs', async () => {
    const result = await runCheck(spfRecord, {
      zone: 'www.example.org. A 192.0.2.1',
      options: { sendingIps: ['192.0.2.25', '2001:db8::25'] },
    });
    expect(result.findings[0]?.suggestedRecord).toBe(
      'example.org. TXT "v=spf1 mx ip4:192.0.2.25 ip6:2001:db8::25 ~all"',
    );
    expect(result.findings[0]?.message).toBe('No SPF record at "example.org"');
  });

  it('suggests "v=spf1 -all" for a domain with a null MX, which sends no mail', async () => {
    const result = await runCheck(spfRecord, {
      zone: 'example.org. MX 0 .',
      options: { sendingIps: ['192.0.2.25'] },
    });
    expect(result.findings[0]).toMatchObject({
      id: 'spf.missing',
      evidence: { hasNullMx: true },
      suggestedRecord: 'example.org. TXT "v=spf1 -all"',
    });
  });

  it('keeps the usual suggestion when the null MX sits beside other MX records', async () => {
    const result = await runCheck(spfRecord, {
      zone: 'example.org. MX 0 .\nexample.org. MX 10 mx.example.org.',
    });
    expect(result.findings[0]?.suggestedRecord).toBe('example.org. TXT "v=spf1 mx ~all"');
  });

  it('reports the missing record with the usual suggestion when the MX lookup times out', async () => {
    const result = await runCheck(spfRecord, {
      zone: 'example.org. MX 0 .',
      failures: { 'example.org MX': 'timeout' },
    });
    expect(result.status).toBe('fail');
    expect(result.findings[0]).toMatchObject({
      evidence: { hasNullMx: null },
      suggestedRecord: 'example.org. TXT "v=spf1 mx ~all"',
    });
  });

  it('gives the syntax error position and the subject of the broken include', async () => {
    const result = await runCheck(spfRecord, {
      zone: 'example.org. TXT "v=spf1 include:p.example.net -all"\np.example.net. TXT "v=spf1 ip4:1.2.3 -all"',
    });
    expect(result.findings[0]).toMatchObject({
      subject: 'p.example.net',
      evidence: { position: 7, via: 'include', record: 'v=spf1 ip4:1.2.3 -all' },
    });
  });

  it('suggests the lower-case version', async () => {
    const result = await runCheck(spfRecord, { zone: 'example.org. TXT "V=SPF1 mx -all"' });
    expect(result.findings[0]?.suggestedRecord).toBe('example.org. TXT "v=spf1 mx -all"');
  });

  it('suggests the record at the canonical name when the domain is an alias, and says so', async () => {
    const result = await runCheck(spfRecord, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. A 192.0.2.1',
    });
    expect(result.findings[0]).toMatchObject({
      id: 'spf.missing',
      subject: 'asso.example',
      message:
        'No SPF record at "asso.example" ("asso.example" is an alias of "asso.hoster.example": its records go there)',
      evidence: {
        alias: { name: 'asso.example', canonicalName: 'asso.hoster.example', cnames: ['asso.hoster.example'] },
      },
      suggestedRecord: 'asso.hoster.example. TXT "v=spf1 mx ~all"',
    });
  });

  it('suggests the record at the end of a chain of aliases', async () => {
    const result = await runCheck(spfRecord, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME www.hoster.example.\nwww.hoster.example. CNAME web1.hoster.example.\nweb1.hoster.example. MX 0 .',
    });
    expect(result.findings[0]).toMatchObject({
      evidence: { hasNullMx: true, alias: { cnames: ['www.hoster.example', 'web1.hoster.example'] } },
      suggestedRecord: 'web1.hoster.example. TXT "v=spf1 -all"',
    });
  });

  it('suggests the lower-case version at the canonical name of an alias', async () => {
    const result = await runCheck(spfRecord, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. TXT "V=SPF1 mx -all"',
    });
    expect(result.findings[0]?.suggestedRecord).toBe('asso.hoster.example. TXT "v=spf1 mx -all"');
  });
});
