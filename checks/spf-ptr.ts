import { defineCheck } from '../src/checks/define-check.js';
import { distinctSpfNodes } from '../src/facts/spf.js';

export default defineCheck({
  id: 'spf-ptr',
  requires: ['spf'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-5.5',
  title: { en: 'SPF avoids the ptr mechanism', fr: 'SPF évite le mécanisme ptr' },
  findings: {
    'spf.ptr_mechanism': {
      severity: 'warning',
      title: { en: 'SPF of "{domain}" uses "ptr"', fr: 'Le SPF de « {domain} » utilise « ptr »' },
      explanation: {
        en: 'RFC 7208 5.5 says "ptr" should not be used: it is slow, unreliable, and some receivers skip it, so mail can fail SPF.',
        fr: 'La RFC 7208 5.5 déconseille « ptr » : lent et peu fiable, certains destinataires l’ignorent et le courrier peut échouer à SPF.',
      },
      remediation: {
        en: 'Replace "ptr" by the ip4/ip6 ranges of your servers',
        fr: 'Remplacez « ptr » par les plages ip4/ip6 de vos serveurs',
      },
    },
  },
  run: ({ spf }) => ({
    findings: distinctSpfNodes(spf.root)
      .filter((node) => node.record?.mechanisms.some((mechanism) => mechanism.kind === 'ptr'))
      .map((node) => ({
        id: 'spf.ptr_mechanism',
        subject: node.domain,
        values: { domain: node.domain },
        evidence: { record: node.records[0], via: node.via },
      })),
  }),
});
