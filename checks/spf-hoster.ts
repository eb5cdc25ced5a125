import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import { spfNodes } from '../src/facts/spf.js';

export default defineCheck({
  id: 'spf-hoster',
  requires: ['spf'],
  expects: 'spfInclude',
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-5.2',
  title: { en: 'SPF includes the hoster’s relays', fr: 'Le SPF inclut les relais de l’hébergeur' },
  findings: {
    'spf.hoster_include_missing': {
      severity: 'warning',
      title: {
        en: 'SPF of "{domain}" does not include "{include}"',
        fr: 'Le SPF de « {domain} » n’inclut pas « {include} »',
      },
      explanation: {
        en: 'The hoster publishes its relays in one SPF record for members to include; without it, mail sent through the hoster fails SPF, now or when the hoster changes relays.',
        fr: 'L’hébergeur publie ses relais dans un enregistrement SPF que les membres incluent ; sans lui, le courrier envoyé par l’hébergeur échoue à SPF, maintenant ou quand l’hébergeur change de relais.',
      },
      remediation: {
        en: 'Add the hoster’s include to the SPF record, as in the suggested record',
        fr: 'Ajoutez l’include de l’hébergeur à l’enregistrement SPF, comme dans l’enregistrement proposé',
      },
    },
  },
  // Silent without a usable record: spf-record reports a missing, duplicated or broken one.
  run: ({ spf }, { expectations }) => {
    const findings: FindingDraft[] = [];
    // The runner runs this check only when spfInclude is configured.
    const include = expectations?.spfInclude;
    if (include === undefined || spf.root.status !== 'ok') return { findings };
    // Anywhere in the tree counts: through a federation's own include or a redirect, the relays are authorised all the same.
    const isIncluded = spfNodes(spf.root).some((node) => node.via !== 'root' && node.domain === include);
    if (isIncluded) return { findings };
    const record = spf.root.records[0] ?? '';
    const { owner, values, evidence } = recordOwner(spf.domain, spf.root.cnames);
    findings.push({
      id: 'spf.hoster_include_missing',
      subject: include,
      values: { domain: spf.domain, include, ...values },
      evidence: { record, ...evidence },
      suggestedRecord: `${owner}. TXT "v=spf1 include:${include}${record.slice(6)}"`,
    });
    return { findings };
  },
});
