import { defineCheck } from '../src/checks/define-check.js';
import type { FindingDraft } from '../src/checks/types.js';
import type { SpfNode } from '../src/facts/spf.js';

export default defineCheck({
  id: 'spf-includes',
  requires: ['spf'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-5.2',
  title: { en: 'SPF includes and redirects resolve', fr: 'Les include et redirect SPF aboutissent' },
  findings: {
    'spf.include_not_found': {
      severity: 'error',
      title: {
        en: 'The {via} "{target}" in the SPF record of "{from}" finds no SPF record',
        fr: 'Le terme {via} « {target} » de l’enregistrement SPF de « {from} » ne mène à aucun enregistrement SPF',
      },
      explanation: {
        en: 'An include or redirect to a domain without SPF record is a permanent error (RFC 7208 5.2, 6.1): SPF fails for all mail.',
        fr: 'Un include ou redirect vers un domaine sans SPF est une erreur permanente (RFC 7208 5.2, 6.1) : SPF échoue pour tout le courrier.',
      },
      remediation: {
        en: 'Check the spelling against your provider’s documentation, or remove the term if you no longer use that provider',
        fr: 'Vérifiez l’orthographe dans la documentation de votre prestataire, ou retirez le terme si vous ne l’utilisez plus',
      },
    },
    'spf.redirect_loop': {
      severity: 'error',
      title: {
        en: 'SPF of "{from}" loops back to "{target}"',
        fr: 'Le SPF de « {from} » reboucle sur « {target} »',
      },
      explanation: {
        en: 'An include or redirect that leads back to a record already on the path never ends: receivers stop at the lookup limit with a permanent error.',
        fr: 'Un include ou redirect qui revient sur un enregistrement déjà parcouru ne finit jamais : les destinataires s’arrêtent à la limite de requêtes sur une erreur permanente.',
      },
      remediation: {
        en: 'Remove the include or redirect that points back up the chain',
        fr: 'Retirez l’include ou le redirect qui remonte la chaîne',
      },
    },
  },
  run: ({ spf }) => {
    const findings: FindingDraft[] = [];
    const visit = (parent: SpfNode): void => {
      for (const child of parent.children) {
        const values = { via: child.via, target: child.domain, from: parent.domain };
        const evidence = { via: child.via, from: parent.domain, target: child.domain };
        if (child.status === 'not_found')
          findings.push({ id: 'spf.include_not_found', subject: child.domain, values, evidence });
        if (child.status === 'loop')
          findings.push({ id: 'spf.redirect_loop', subject: child.domain, values, evidence });
        visit(child);
      }
    };
    visit(spf.root);
    // A target is reported once, even when several branches reach it.
    const seen = new Set<string>();
    return {
      findings: findings.filter((finding) => {
        const key = `${finding.id} ${finding.subject ?? ''}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
    };
  },
});
