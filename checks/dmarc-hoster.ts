import { defineCheck } from '../src/checks/define-check.js';
import { withRua } from '../src/checks/dmarc-rua.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import '../src/facts/dmarc.js';

export default defineCheck({
  id: 'dmarc-hoster',
  requires: ['dmarc'],
  expects: 'dmarcReportsTo',
  rfc: 'https://www.rfc-editor.org/rfc/rfc7489#section-6.2',
  title: { en: 'DMARC reports reach the hoster', fr: 'Les rapports DMARC parviennent à l’hébergeur' },
  findings: {
    'dmarc.reports_not_to_hoster': {
      severity: 'warning',
      title: {
        en: 'DMARC reports of "{domain}" do not go to "{uri}"',
        fr: 'Les rapports DMARC de « {domain} » ne vont pas à « {uri} »',
      },
      explanation: {
        en: 'The hoster reads members’ aggregate reports to spot mail sent in their name from elsewhere and to tell when the policy can safely be tightened; reports sent only to others never reach it.',
        fr: 'L’hébergeur lit les rapports agrégés des membres pour repérer le courrier envoyé en leur nom depuis ailleurs et savoir quand durcir la politique sans risque ; des rapports envoyés seulement à d’autres ne lui parviennent jamais.',
      },
      remediation: {
        en: 'Add the hoster’s address to rua=, beside your own if you like, as in the suggested record',
        fr: 'Ajoutez l’adresse de l’hébergeur dans rua=, à côté de la vôtre si vous voulez, comme dans l’enregistrement proposé',
      },
    },
  },
  // Silent without a record or without rua: dmarc-record and dmarc-reports report those.
  run: ({ dmarc }, { expectations }) => {
    const findings: FindingDraft[] = [];
    // The runner runs this check only when dmarcReportsTo is configured.
    const expected = expectations?.dmarcReportsTo;
    if (expected === undefined || dmarc.record === null || dmarc.policyDomain === null) return { findings };
    const rua = dmarc.record.rua.map((destination) => destination.uri.toLowerCase().replace(/\.$/, ''));
    if (rua.length === 0 || rua.includes(expected)) return { findings };
    const text = dmarc.records[0] ?? '';
    const { owner, values, evidence } = recordOwner(`_dmarc.${dmarc.policyDomain}`, dmarc.cnames, 'published');
    findings.push({
      id: 'dmarc.reports_not_to_hoster',
      subject: expected,
      values: { domain: dmarc.policyDomain, uri: expected, ...values },
      evidence: { rua, ...evidence },
      suggestedRecord: `${owner}. TXT "${withRua(text, expected)}"`,
    });
    return { findings };
  },
});
