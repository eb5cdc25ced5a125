import { defineCheck } from '../src/checks/define-check.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import '../src/facts/mail-tls-records.js';

export default defineCheck({
  id: 'dane-tlsa',
  requires: ['dane'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7672#section-2.2',
  title: { en: 'DANE TLSA records are DNSSEC-signed', fr: 'Les enregistrements TLSA DANE sont signés DNSSEC' },
  findings: {
    'dane.tlsa_unsigned': {
      severity: 'warning',
      title: {
        en: 'TLSA records of MX "{host}" are not DNSSEC-validated',
        fr: 'Les TLSA du MX « {host} » ne sont pas validés par DNSSEC',
      },
      explanation: {
        en: 'DANE only works with DNSSEC: senders ignore TLSA records that are not validated (RFC 7672 2.2), so they protect nothing.',
        fr: 'DANE ne fonctionne qu’avec DNSSEC : les expéditeurs ignorent les TLSA non validés (RFC 7672 2.2), qui ne protègent donc rien.',
      },
      remediation: {
        en: 'Sign the MX host’s zone with DNSSEC and publish its DS at the parent, or remove the TLSA records',
        fr: 'Signez la zone de l’hôte MX avec DNSSEC et publiez son DS chez le parent, ou retirez les TLSA',
      },
    },
  },
  run: ({ dane }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    for (const { exchange, name, tlsa } of dane.hosts) {
      if (!tlsa.ok) unknown.push(undecidedByDns(exchange, tlsa));
      else if (tlsa.value.count > 0 && !tlsa.value.authenticated)
        findings.push({
          id: 'dane.tlsa_unsigned',
          subject: exchange,
          values: { host: exchange },
          evidence: { name, records: tlsa.value.count, authenticated: false },
        });
    }
    return { findings, unknown };
  },
});
