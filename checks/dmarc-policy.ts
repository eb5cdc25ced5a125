import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import '../src/facts/dmarc.js';

/** The record text with one tag set to a value (replaced in place, or appended). */
function withTag(record: string, tag: string, value: string): string {
  const parts = record.split(';').map((part) => part.trim());
  const index = parts.findIndex((part) => part.split('=')[0]?.trim().toLowerCase() === tag);
  if (index >= 0) parts[index] = `${tag}=${value}`;
  else parts.splice(parts.at(-1) === '' ? parts.length - 1 : parts.length, 0, `${tag}=${value}`);
  return parts.filter((part) => part !== '').join('; ');
}

export default defineCheck({
  id: 'dmarc-policy',
  requires: ['dmarc'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7489#section-6.3',
  title: { en: 'DMARC policy is enforced', fr: 'La politique DMARC est appliquée' },
  findings: {
    'dmarc.policy_none': {
      severity: 'warning',
      title: {
        en: 'DMARC policy for "{domain}" is p=none',
        fr: 'La politique DMARC de « {domain} » est p=none',
      },
      explanation: {
        en: 'p=none only monitors: receivers deliver mail that forges this domain as if there were no DMARC.',
        fr: 'p=none ne fait que surveiller : les destinataires livrent le courrier qui usurpe ce domaine comme s’il n’y avait pas de DMARC.',
      },
      remediation: {
        en: 'Move to p=quarantine once the reports show your own mail passing, then to p=reject',
        fr: 'Passez à p=quarantine quand les rapports montrent que votre courrier passe, puis à p=reject',
      },
    },
    'dmarc.sp_none': {
      severity: 'warning',
      title: {
        en: 'DMARC of "{domain}" leaves subdomains at sp=none',
        fr: 'Le DMARC de « {domain} » laisse les sous-domaines en sp=none',
      },
      explanation: {
        en: 'The domain is protected but its subdomains are not: anyone can send as news.<domain> or any invented name below it.',
        fr: 'Le domaine est protégé mais pas ses sous-domaines : n’importe qui peut envoyer au nom de news.<domaine> ou de tout nom inventé en dessous.',
      },
      remediation: {
        en: 'Remove sp= (subdomains then follow p=) or set it to quarantine or reject',
        fr: 'Retirez sp= (les sous-domaines suivent alors p=) ou mettez-le à quarantine ou reject',
      },
    },
    'dmarc.pct_partial': {
      severity: 'warning',
      title: {
        en: 'DMARC policy for "{domain}" applies to {pct}% of mail',
        fr: 'La politique DMARC de « {domain} » ne s’applique qu’à {pct} % du courrier',
      },
      explanation: {
        en: 'With pct below 100, receivers apply the policy to a sample only and treat the rest one step softer (RFC 7489 6.6.4).',
        fr: 'Avec pct sous 100, les destinataires n’appliquent la politique qu’à un échantillon et traitent le reste un cran plus souplement (RFC 7489 6.6.4).',
      },
      remediation: { en: 'Raise pct to 100, or remove it', fr: 'Montez pct à 100, ou retirez-le' },
    },
  },
  // Silent when there is no usable record: dmarc-record reports that.
  run: ({ dmarc }) => {
    const findings: FindingDraft[] = [];
    const record = dmarc.record;
    const text = dmarc.records[0];
    if (record === null || text === undefined || dmarc.policyDomain === null) return { findings };
    // RFC 7489 6.6.3: a subdomain using its organisational domain's record gets sp=, else p=.
    const policy = dmarc.isInherited ? (record.subdomainPolicy ?? record.policy) : record.policy;
    // The record that applies, maybe published by a DMARC service behind an alias; and, for a domain that inherits
    // it, where a record of its own would go (behind its own `_dmarc` alias, if it has one with no record).
    const applied = recordOwner(`_dmarc.${dmarc.policyDomain}`, dmarc.cnames, 'published');
    const own = recordOwner(`_dmarc.${dmarc.domain}`, dmarc.ownCnames, 'dangling');
    if (policy === 'none') {
      const target = dmarc.isInherited ? own : applied;
      findings.push({
        id: 'dmarc.policy_none',
        subject: dmarc.domain,
        values: { domain: dmarc.domain, ...target.values },
        evidence: { policy, isInherited: dmarc.isInherited, policyDomain: dmarc.policyDomain, ...target.evidence },
        suggestedRecord: dmarc.isInherited
          ? `${own.owner}. TXT "v=DMARC1; p=quarantine"`
          : `${applied.owner}. TXT "${withTag(text, 'p', 'quarantine')}"`,
      });
    }
    if (!dmarc.isInherited && record.subdomainPolicy === 'none' && record.policy !== 'none')
      findings.push({
        id: 'dmarc.sp_none',
        subject: dmarc.domain,
        values: { domain: dmarc.domain, ...applied.values },
        evidence: { policy: record.policy, subdomainPolicy: 'none', ...applied.evidence },
        suggestedRecord: `${applied.owner}. TXT "${withTag(text, 'sp', record.policy)}"`,
      });
    // pct only scales an enforced policy; with p=none it changes nothing worth reporting.
    if (record.pct < 100 && policy !== 'none')
      findings.push({
        id: 'dmarc.pct_partial',
        subject: dmarc.domain,
        values: { domain: dmarc.domain, pct: record.pct, ...applied.values },
        evidence: { pct: record.pct, policy, ...applied.evidence },
        ...(dmarc.isInherited ? {} : { suggestedRecord: `${applied.owner}. TXT "${withTag(text, 'pct', '100')}"` }),
      });
    return { findings };
  },
});
