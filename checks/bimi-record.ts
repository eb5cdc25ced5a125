import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { CheckOutput } from '../src/checks/types.js';
import { InputError } from '../src/errors.js';
import { isBimiCandidate, parseBimiRecord } from '../src/parse/parse-bimi-record.js';
import '../src/facts/bimi.js';
import '../src/facts/dmarc.js';

export default defineCheck({
  id: 'bimi-record',
  requires: ['bimi', 'dmarc'],
  rfc: 'https://datatracker.ietf.org/doc/html/draft-brand-indicators-for-message-identification#section-4',
  title: { en: 'The BIMI record can be used', fr: 'L’enregistrement BIMI est utilisable' },
  findings: {
    'bimi.invalid_record': {
      severity: 'warning',
      title: { en: 'The BIMI record at "{name}" is invalid', fr: 'L’enregistrement BIMI à « {name} » est invalide' },
      explanation: {
        en: 'Mailbox providers show no logo for an invalid or duplicated BIMI record.',
        fr: 'Les messageries n’affichent aucun logo pour un enregistrement BIMI invalide ou en double.',
      },
      remediation: {
        en: 'Publish one TXT record "v=BIMI1; l=https://<site>/logo.svg" at default._bimi.<domain>',
        fr: 'Publiez un seul TXT « v=BIMI1; l=https://<site>/logo.svg » sous default._bimi.<domaine>',
      },
    },
    'bimi.dmarc_not_enforced': {
      severity: 'warning',
      title: {
        en: 'BIMI of "{domain}" is published, but its DMARC policy is not enforced',
        fr: 'Le BIMI de « {domain} » est publié, mais sa politique DMARC n’est pas appliquée',
      },
      explanation: {
        en: 'Mailbox providers show a BIMI logo only for mail that passes a DMARC policy of quarantine or reject applied to all mail (pct=100): until then the record does nothing.',
        fr: 'Les messageries n’affichent un logo BIMI que pour le courrier qui passe une politique DMARC quarantine ou reject appliquée à tout le courrier (pct=100) : d’ici là, l’enregistrement ne sert à rien.',
      },
      remediation: {
        en: 'Move DMARC to p=quarantine or p=reject with pct=100 (or no pct)',
        fr: 'Passez DMARC à p=quarantine ou p=reject avec pct=100 (ou sans pct)',
      },
    },
  },
  run: ({ bimi, dmarc }): CheckOutput => {
    const { name } = bimi;
    const candidates = bimi.records.filter(isBimiCandidate);
    if (candidates.length === 0) return { findings: [] };
    const alias = recordOwner(name, bimi.cnames, 'published');
    const invalid = (reason: string, evidence: Record<string, unknown>): CheckOutput => ({
      findings: [
        {
          id: 'bimi.invalid_record',
          subject: name,
          values: { name, ...alias.values },
          evidence: { name, reason, ...evidence, ...alias.evidence },
        },
      ],
    });
    if (candidates.length > 1) return invalid(`${candidates.length} records`, { records: candidates });
    const [text = ''] = candidates;
    let logo: string | null;
    try {
      ({ logo } = parseBimiRecord(text));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return invalid(error.message, { record: text });
    }
    // A declination (empty l=) asks for no logo: nothing to enforce.
    if (logo === null) return { findings: [] };
    const record = dmarc.record;
    const policy =
      record === null ? null : dmarc.isInherited ? (record.subdomainPolicy ?? record.policy) : record.policy;
    const isEnforced = record !== null && (policy === 'quarantine' || policy === 'reject') && record.pct === 100;
    if (isEnforced) return { findings: [] };
    // The DMARC record to tighten may be published by a DMARC service behind an alias: the change is made there.
    const dmarcAlias =
      dmarc.policyDomain === null
        ? { values: {}, evidence: {} }
        : recordOwner(`_dmarc.${dmarc.policyDomain}`, dmarc.cnames, 'published');
    return {
      findings: [
        {
          id: 'bimi.dmarc_not_enforced',
          subject: dmarc.domain,
          values: { domain: dmarc.domain, ...dmarcAlias.values },
          evidence: { name, logo, policy, pct: record?.pct ?? null, ...dmarcAlias.evidence },
        },
      ],
    };
  },
});
