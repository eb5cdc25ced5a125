import { describe, expect, it } from 'vitest';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import { probeMailDomain } from '../../src/dormant/probe-mail-domain.js';

const ZONE = `
ok.example. 300 IN MX 10 mx.ok.example.
mx.ok.example. 300 IN A 192.0.2.25
implicit.example. 300 IN A 192.0.2.26
implicit6.example. 300 IN AAAA 2001:db8::26
nullmx.example. 300 IN MX 0 .
nomail.example. 300 IN TXT "v=spf1 -all"
twomx.example. 300 IN MX 0 .
twomx.example. 300 IN MX 10 mx.ok.example.
slow.example. 300 IN TXT "x"
`;

describe('probeMailDomain()', () => {
  const resolver = createMemoryResolver(ZONE, {
    failures: { 'slow.example MX': 'timeout', 'nomail-a.example A': 'servfail' },
  });
  const cases: { domain: string; status: string }[] = [
    { domain: 'ok.example', status: 'ok' },
    { domain: 'implicit.example', status: 'ok' },
    { domain: 'implicit6.example', status: 'ok' },
    { domain: 'nullmx.example', status: 'null_mx' },
    { domain: 'nomail.example', status: 'no_mail_host' },
    { domain: 'absent.example', status: 'nxdomain' },
    // RFC 7505 section 3: a null MX beside real ones is a mistake, not a refusal; the real ones take mail.
    { domain: 'twomx.example', status: 'ok' },
    { domain: 'slow.example', status: 'unknown' },
  ];
  it.each(cases)('says $status for $domain', async ({ domain, status }) => {
    expect((await probeMailDomain(resolver, domain)).status).toBe(status);
  });

  it('answers unknown, never dead, when the address lookup after an empty MX fails', async () => {
    const failing = createMemoryResolver('nomail.example. 300 IN TXT "x"', {
      failures: { 'nomail.example AAAA': 'servfail' },
    });
    expect(await probeMailDomain(failing, 'nomail.example')).toEqual({
      domain: 'nomail.example',
      status: 'unknown',
      detail: 'AAAA servfail',
      failure: { type: 'AAAA', error: 'servfail' },
    });
  });
});
