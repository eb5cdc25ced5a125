import { describe, expect, it } from 'vitest';
import daneTlsa from '../../checks/dane-tlsa.js';
import { DnsLookupError } from '../../src/dns/types.js';
import { gatherDane } from '../../src/facts/mail-tls-records.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';

const ZONE = `
example.org. MX 10 mx1.example.org.
example.org. MX 20 mx2.example.net.
mx1.example.org. A 192.0.2.1
mx2.example.net. A 192.0.2.2
_25._tcp.mx1.example.org. TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`;

async function run(authenticated: string[], failures: Record<string, 'timeout'> = {}) {
  const dane = await gatherDane(gatherContext(ZONE, {}, { authenticated, failures }));
  return daneTlsa.run({ dane }, { domain: 'example.org', options: domainOptions(), now: new Date(0) });
}

describe('dane-tlsa', () => {
  it('passes TLSA records that DNSSEC validated, and an MX without TLSA', async () => {
    expect(await run(['example.org'])).toEqual({ findings: [], unknown: [] });
  });

  it('reports dane.tlsa_unsigned for TLSA records without the AD bit', async () => {
    const { findings } = await run([]);
    expect(findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`)).toEqual([
      'dane.tlsa_unsigned mx1.example.org',
    ]);
  });

  it('reports a TLSA lookup that timed out as unknown for that MX', async () => {
    const output = await run([], { '_25._tcp.mx1.example.org TLSA': 'timeout' });
    expect(output.findings).toEqual([]);
    expect(output.unknown?.map((entry) => entry.subject)).toEqual(['mx1.example.org']);
  });

  it('fails the fact when the MX query times out', async () => {
    const context = gatherContext(ZONE, {}, { failures: { 'example.org MX': 'timeout' } });
    await expect(gatherDane(context)).rejects.toBeInstanceOf(DnsLookupError);
  });
});
