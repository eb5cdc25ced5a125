import { defineCheck } from '../src/checks/define-check.js';
import type { FindingDraft } from '../src/checks/types.js';
import { MAX_SPF_LOOKUPS, MAX_SPF_VOID_LOOKUPS } from '../src/facts/spf.js';

export default defineCheck({
  id: 'spf-lookups',
  requires: ['spf'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4',
  title: { en: 'SPF stays within the DNS lookup limits', fr: 'SPF respecte les limites de requêtes DNS' },
  findings: {
    'spf.too_many_lookups': {
      severity: 'error',
      title: {
        en: 'SPF of "{domain}" needs {count} DNS lookups (limit {limit})',
        fr: 'Le SPF de « {domain} » demande {count} requêtes DNS (limite {limit})',
      },
      explanation: {
        en: 'Receivers stop after 10 include, a, mx, ptr, exists and redirect terms over the whole tree (RFC 7208 4.6.4) and give a permanent error: mail from servers listed late fails SPF.',
        fr: 'Les destinataires s’arrêtent après 10 termes include, a, mx, ptr, exists et redirect sur tout l’arbre (RFC 7208 4.6.4) et rendent une erreur permanente : le courrier des serveurs listés en dernier échoue à SPF.',
      },
      remediation: {
        en: 'Remove providers you no longer use, replace a and mx by ip4/ip6 ranges; the evidence gives the count of each branch',
        fr: 'Retirez les prestataires inutilisés, remplacez a et mx par des plages ip4/ip6 ; les détails donnent le compte de chaque branche',
      },
    },
    'spf.too_many_void_lookups': {
      severity: 'error',
      title: {
        en: 'SPF of "{domain}" makes {count} lookups that find nothing (limit {limit})',
        fr: 'Le SPF de « {domain} » fait {count} requêtes sans réponse (limite {limit})',
      },
      explanation: {
        en: 'After more than two lookups returning no answer, receivers should give a permanent error (RFC 7208 4.6.4): SPF fails.',
        fr: 'Au-delà de deux requêtes sans réponse, les destinataires doivent rendre une erreur permanente (RFC 7208 4.6.4) : SPF échoue.',
      },
      remediation: {
        en: 'Remove the terms listed in the evidence, or publish the names they point to',
        fr: 'Retirez les termes listés dans les détails, ou publiez les noms qu’ils visent',
      },
    },
    'spf.void_lookup': {
      severity: 'warning',
      title: {
        en: '"{mechanism}:{name}" in the SPF of "{from}" finds no address',
        fr: '« {mechanism}:{name} » dans le SPF de « {from} » ne trouve aucune adresse',
      },
      explanation: {
        en: 'The term matches no server and counts towards the limit of two void lookups (RFC 7208 4.6.4).',
        fr: 'Le terme ne correspond à aucun serveur et compte dans la limite de deux requêtes sans réponse (RFC 7208 4.6.4).',
      },
      remediation: {
        en: 'Remove the term, or publish the A/AAAA or MX records it expects',
        fr: 'Retirez le terme, ou publiez les enregistrements A/AAAA ou MX qu’il attend',
      },
    },
  },
  run: ({ spf }) => {
    const findings: FindingDraft[] = [];
    if (spf.lookupCount > MAX_SPF_LOOKUPS)
      findings.push({
        id: 'spf.too_many_lookups',
        subject: spf.domain,
        values: { domain: spf.domain, count: spf.lookupCount, limit: MAX_SPF_LOOKUPS },
        evidence: {
          count: spf.lookupCount,
          own: spf.root.lookups,
          branches: spf.root.children.map((child) => ({
            domain: child.domain,
            via: child.via,
            lookups: child.totalLookups,
          })),
          isTruncated: spf.isTruncated,
        },
      });
    if (spf.voidLookups.length > MAX_SPF_VOID_LOOKUPS) {
      findings.push({
        id: 'spf.too_many_void_lookups',
        subject: spf.domain,
        values: { domain: spf.domain, count: spf.voidLookups.length, limit: MAX_SPF_VOID_LOOKUPS },
        evidence: { voidLookups: spf.voidLookups },
      });
      return { findings };
    }
    // Void includes and redirects are reported by spf-includes as include_not_found; a term met twice is one finding.
    const seen = new Set<string>();
    for (const lookup of spf.voidLookups) {
      const subject = `${lookup.mechanism}:${lookup.name}`;
      if ((lookup.mechanism !== 'a' && lookup.mechanism !== 'mx') || seen.has(subject)) continue;
      seen.add(subject);
      findings.push({
        id: 'spf.void_lookup',
        subject,
        values: { ...lookup },
        evidence: { ...lookup },
      });
    }
    return { findings };
  },
});
