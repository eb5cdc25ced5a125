import { describe, expect, it } from 'vitest';
import spfSendingIp from '../../checks/spf-sending-ip.js';
import { checkCases, runCheck } from './check-cases.js';

const ZONE = `
example.org. TXT "v=spf1 mx include:_spf.hoster.net -all"
example.org. MX 10 mx.example.org.
mx.example.org. A 192.0.2.25
_spf.hoster.net. TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all"
`;

describe('spf-sending-ip', () => {
  checkCases(spfSendingIp, {
    pass: [
      { name: 'relay in the hoster include', zone: ZONE, options: { sendingIps: ['198.51.100.9', '2001:db8::9'] } },
      { name: 'relay is the MX', zone: ZONE, options: { sendingIps: ['192.0.2.25'] } },
      { name: 'no sending IP configured', zone: ZONE },
      {
        name: 'no SPF at all (spf-record reports it)',
        zone: 'www.example.org. A 192.0.2.1',
        options: { sendingIps: ['192.0.2.9'] },
      },
    ],
    fail: [
      {
        name: 'relay not listed',
        zone: ZONE,
        options: { sendingIps: ['203.0.113.9'] },
        ids: ['spf.sending_ip_not_authorized'],
      },
      {
        name: 'include broken, permerror',
        zone: 'example.org. TXT "v=spf1 include:gone.example.net -all"',
        options: { sendingIps: ['203.0.113.9'] },
        ids: ['spf.sending_ip_not_authorized'],
      },
    ],
    unknown: [
      {
        name: 'MX address lookup timed out',
        zone: ZONE,
        options: { sendingIps: ['203.0.113.9'] },
        failures: { 'mx.example.org A': 'timeout' },
      },
      {
        name: 'a macro decides',
        zone: 'example.org. TXT "v=spf1 exists:%{i}._spf.example.org -all"',
        options: { sendingIps: ['203.0.113.9'] },
      },
    ],
  });

  it('suggests the record with the relay first', async () => {
    const result = await runCheck(spfSendingIp, { zone: ZONE, options: { sendingIps: ['203.0.113.9'] } });
    expect(result.findings[0]).toMatchObject({
      subject: '203.0.113.9',
      evidence: { result: 'fail' },
      suggestedRecord: 'example.org. TXT "v=spf1 ip4:203.0.113.9 mx include:_spf.hoster.net -all"',
    });
  });

  it('says why an IP cannot be decided', async () => {
    const result = await runCheck(spfSendingIp, {
      zone: 'example.org. TXT "v=spf1 ptr -all"',
      options: { sendingIps: ['203.0.113.9'] },
    });
    expect(result.unknown).toEqual([
      {
        subject: '203.0.113.9',
        cause: 'depends_on_message',
        reason: expect.stringContaining('"ptr"') as unknown,
        reasonText: {
          en: expect.stringContaining('"ptr"') as unknown,
          fr: '« ptr » dans l’enregistrement de « example.org » dépend du DNS inverse au moment de la livraison',
        },
      },
    ]);
  });

  it('suggests the record at the canonical name when the domain is an alias', async () => {
    const result = await runCheck(spfSendingIp, {
      domain: 'asso.example',
      zone: 'asso.example. CNAME asso.hoster.example.\nasso.hoster.example. TXT "v=spf1 mx -all"',
      options: { sendingIps: ['203.0.113.9'] },
    });
    expect(result.findings[0]).toMatchObject({
      subject: '203.0.113.9',
      suggestedRecord: 'asso.hoster.example. TXT "v=spf1 ip4:203.0.113.9 mx -all"',
    });
  });
});
