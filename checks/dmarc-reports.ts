import { defineCheck } from '../src/checks/define-check.js';
import { withRua } from '../src/checks/dmarc-rua.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import '../src/facts/dmarc.js';

const unauthorized = (tag: 'rua' | 'ruf') => ({
  severity: 'warning' as const,
  title: {
    en: `${tag} destination "{uri}" has not authorised reports for "{domain}"`,
    fr: `La destination ${tag} « {uri} » n’a pas accepté les rapports de « {domain} »`,
  },
  explanation: {
    en: `Receivers send ${tag} reports to another organisation only when it publishes <domain>._report._dmarc.<destination> (RFC 7489 7.1): these reports are lost.`,
    fr: `Les destinataires n’envoient les rapports ${tag} vers une autre organisation que si elle publie <domaine>._report._dmarc.<destination> (RFC 7489 7.1) : ces rapports sont perdus.`,
  },
  remediation: {
    en: 'Ask the report service to publish the suggested record, or send reports to an address in your own domain',
    fr: 'Demandez au service de rapports de publier l’enregistrement proposé, ou envoyez les rapports à une adresse de votre domaine',
  },
});

export default defineCheck({
  id: 'dmarc-reports',
  requires: ['dmarc'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7489#section-7.1',
  title: { en: 'DMARC reports reach someone', fr: 'Les rapports DMARC arrivent à quelqu’un' },
  findings: {
    'dmarc.no_rua': {
      severity: 'warning',
      title: {
        en: 'DMARC of "{domain}" asks for no aggregate reports',
        fr: 'Le DMARC de « {domain} » ne demande aucun rapport agrégé',
      },
      explanation: {
        en: 'Without rua=, you never learn who sends mail as your domain, so you cannot safely tighten the policy.',
        fr: 'Sans rua=, vous ne savez jamais qui envoie au nom de votre domaine, et ne pouvez pas durcir la politique sans risque.',
      },
      remediation: {
        en: 'Add rua=mailto:<a mailbox you read or a report service>; when the hoster collects reports, the suggested record sends them there',
        fr: 'Ajoutez rua=mailto:<une boîte que vous lisez ou un service de rapports> ; quand l’hébergeur recueille les rapports, l’enregistrement proposé les lui envoie',
      },
    },
    'dmarc.rua_unauthorized': unauthorized('rua'),
    'dmarc.ruf_unauthorized': unauthorized('ruf'),
  },
  // Silent when there is no usable record: dmarc-record reports that.
  run: ({ dmarc }, { expectations }) => {
    const findings: FindingDraft[] = [];
    if (dmarc.record === null || dmarc.policyDomain === null) return { findings };
    if (dmarc.record.rua.length === 0) {
      // The record that applies may be published by a DMARC service behind an alias: rua= is added there.
      const { owner, values, evidence } = recordOwner(`_dmarc.${dmarc.policyDomain}`, dmarc.cnames, 'published');
      const hosterRua = expectations?.dmarcReportsTo;
      findings.push({
        id: 'dmarc.no_rua',
        subject: dmarc.policyDomain,
        values: { domain: dmarc.policyDomain, ...values },
        evidence,
        ...(hosterRua === undefined
          ? {}
          : { suggestedRecord: `${owner}. TXT "${withRua(dmarc.records[0] ?? '', hosterRua)}"` }),
      });
    }
    for (const destination of dmarc.reportDestinations) {
      if (destination.isAuthorized !== false || destination.authorizationName === null) continue;
      const { owner, values, evidence } = recordOwner(
        destination.authorizationName,
        destination.authorizationCnames,
        'dangling',
      );
      findings.push({
        id: destination.tag === 'rua' ? 'dmarc.rua_unauthorized' : 'dmarc.ruf_unauthorized',
        subject: destination.uri,
        values: {
          uri: destination.uri,
          domain: dmarc.policyDomain,
          authorizationName: destination.authorizationName,
          ...values,
        },
        evidence: { destination: destination.domain, authorizationName: destination.authorizationName, ...evidence },
        suggestedRecord: `${owner}. TXT "v=DMARC1"`,
      });
    }
    return { findings };
  },
});
