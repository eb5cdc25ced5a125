import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import type { SpfFact } from '../src/facts/spf.js';

/** The domain's own record with its `all` term set to `replacement`, or null when the `all` that applies is elsewhere. */
function withAll(spf: SpfFact, owner: string, replacement: string): string | null {
  const all = spf.all;
  const record = spf.root.records[0];
  if (!all || all.domain !== spf.domain || record === undefined) return null;
  const terms = record.split(/ +/).filter((term) => term !== '');
  const text = all.isImplicit
    ? [...terms, replacement].join(' ')
    : terms.map((term) => (/^[+?~-]?all$/i.test(term) ? replacement : term)).join(' ');
  return `${owner}. TXT "${text}"`;
}

const ALL_RFC = 'https://www.rfc-editor.org/rfc/rfc7208#section-5.1';

export default defineCheck({
  id: 'spf-all',
  requires: ['spf'],
  rfc: ALL_RFC,
  title: { en: 'SPF says what to do with other senders', fr: 'SPF dit quoi faire des autres expéditeurs' },
  findings: {
    'spf.all_pass': {
      severity: 'error',
      title: { en: 'SPF of "{domain}" ends with "+all"', fr: 'Le SPF de « {domain} » se termine par « +all »' },
      explanation: {
        en: '"+all" authorises every server on the Internet to send mail for this domain: SPF protects nothing.',
        fr: '« +all » autorise tous les serveurs d’Internet à envoyer pour ce domaine : SPF ne protège rien.',
      },
      remediation: {
        en: 'List your servers, then end the record with "~all" (or "-all" once DMARC reports are clean)',
        fr: 'Listez vos serveurs, puis terminez par « ~all » (ou « -all » quand les rapports DMARC sont propres)',
      },
    },
    'spf.all_neutral': {
      severity: 'warning',
      title: {
        en: 'SPF of "{domain}" ends neutral ("{term}")',
        fr: 'Le SPF de « {domain} » se termine en neutre (« {term} »)',
      },
      explanation: {
        en: 'A neutral result ("?all", or no all at all: RFC 7208 4.7) tells receivers nothing about forged mail.',
        fr: 'Un résultat neutre (« ?all », ou aucun all : RFC 7208 4.7) ne dit rien aux destinataires sur les faux.',
      },
      remediation: {
        en: 'End the record with "~all", or "-all" once every sender is listed',
        fr: 'Terminez par « ~all », ou « -all » quand tous les expéditeurs sont listés',
      },
    },
    'spf.all_softfail': {
      severity: 'info',
      title: { en: 'SPF of "{domain}" ends with "~all"', fr: 'Le SPF de « {domain} » se termine par « ~all »' },
      explanation: {
        en: 'Softfail asks receivers to accept but mark mail from other servers; with an enforced DMARC policy that is enough.',
        fr: 'Le softfail demande d’accepter en marquant le courrier des autres serveurs ; avec une politique DMARC appliquée, cela suffit.',
      },
      remediation: {
        en: 'Once DMARC reports show no legitimate failure, "-all" makes the policy explicit',
        fr: 'Quand les rapports DMARC ne montrent plus d’échec légitime, « -all » rend la politique explicite',
      },
    },
  },
  run: ({ spf }) => {
    const all = spf.all;
    const findings: FindingDraft[] = [];
    if (!all) return { findings };
    const term = all.isImplicit ? '(none)' : `${all.qualifier}all`;
    const { owner, values, evidence } = recordOwner(spf.domain, spf.root.cnames);
    const suggestion = withAll(spf, owner, '~all');
    // The alias is named only when the `all` is in the domain's own record: one reached by redirect lives elsewhere.
    const alias = suggestion === null ? {} : { values, evidence };
    const base = {
      subject: spf.domain,
      values: { domain: all.domain, term, ...alias.values },
      evidence: { qualifier: all.qualifier, from: all.domain, isImplicit: all.isImplicit, ...alias.evidence },
    };
    const suggested = suggestion === null ? {} : { suggestedRecord: suggestion };
    if (all.qualifier === '+') findings.push({ id: 'spf.all_pass', ...base, ...suggested });
    if (all.qualifier === '?') findings.push({ id: 'spf.all_neutral', ...base, ...suggested });
    if (all.qualifier === '~') findings.push({ id: 'spf.all_softfail', ...base });
    return { findings };
  },
});
