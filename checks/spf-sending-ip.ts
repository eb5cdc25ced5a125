import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft, Undecided } from '../src/checks/types.js';

export default defineCheck({
  id: 'spf-sending-ip',
  requires: ['spf'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-2.6',
  title: { en: 'SPF authorises the hoster’s sending IPs', fr: 'SPF autorise les IP d’envoi de l’hébergeur' },
  findings: {
    'spf.sending_ip_not_authorized': {
      severity: 'error',
      title: {
        en: 'SPF of "{domain}" gives "{result}" for sending IP {ip}',
        fr: 'Le SPF de « {domain} » donne « {result} » pour l’IP d’envoi {ip}',
      },
      explanation: {
        en: 'Mail this domain sends through that relay does not pass SPF: it can be rejected or filed as spam, and DMARC cannot pass on SPF.',
        fr: 'Le courrier que ce domaine envoie par ce relais ne passe pas SPF : il peut être refusé ou classé en spam, et DMARC ne peut réussir par SPF.',
      },
      remediation: {
        en: 'Add the relay to the SPF record (ip4/ip6, or the hoster’s include) before the "all" term',
        fr: 'Ajoutez le relais au SPF (ip4/ip6, ou l’include de l’hébergeur) avant le terme « all »',
      },
    },
  },
  run: ({ spf }) => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    // A missing or broken record is spf-record's finding; judging each IP against it would repeat it.
    if (spf.root.status !== 'ok') return { findings, unknown };
    const record = spf.root.records[0] ?? '';
    const { owner, values, evidence } = recordOwner(spf.domain, spf.root.cnames);
    for (const { ip, result, reason } of spf.sendingIps) {
      if (result === 'pass') continue;
      if (result === 'undecidable') {
        unknown.push({ subject: ip, cause: 'depends_on_message', reason });
        continue;
      }
      const term = ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`;
      findings.push({
        id: 'spf.sending_ip_not_authorized',
        subject: ip,
        values: { domain: spf.domain, ip, result, ...values },
        evidence: { result, reason: reason.en, ...evidence },
        // A permerror is not fixed by one more term; the other checks say what to repair.
        ...(result === 'permerror' ? {} : { suggestedRecord: `${owner}. TXT "v=spf1 ${term}${record.slice(6)}"` }),
      });
    }
    return { findings, unknown };
  },
});
