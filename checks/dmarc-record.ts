import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import '../src/facts/dmarc.js';
import { syntaxFaultValues } from '../src/parse/record-syntax-error.js';

/**
 * The record to start with: reports to the hoster when it collects them (`expectations.dmarcReportsTo`), else to a
 * mailbox of the domain; p=reject at once for a domain whose null MX says it sends no mail (and receives no reports).
 */
function suggestedRecord(domain: string, hasNullMx: boolean | null, hosterRua: string | undefined): string {
  if (hasNullMx === true)
    return hosterRua === undefined ? 'v=DMARC1; p=reject' : `v=DMARC1; p=reject; rua=${hosterRua}`;
  return `v=DMARC1; p=none; rua=${hosterRua ?? `mailto:dmarc-reports@${domain}`}`;
}

export default defineCheck({
  id: 'dmarc-record',
  requires: ['dmarc'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3',
  title: { en: 'A DMARC record applies to the domain', fr: 'Un enregistrement DMARC s’applique au domaine' },
  findings: {
    'dmarc.missing': {
      severity: 'error',
      title: { en: 'No DMARC record for "{domain}"', fr: 'Aucun enregistrement DMARC pour « {domain} »' },
      explanation: {
        en: 'Without DMARC, receivers have no policy for mail forging this domain in the From header, and you get no reports about it.',
        fr: 'Sans DMARC, les destinataires n’ont aucune consigne pour le courrier qui usurpe ce domaine dans l’en-tête From, et vous ne recevez aucun rapport.',
      },
      remediation: {
        en: 'Publish the suggested record; with p=none, read the reports for a few weeks, then move to p=quarantine. A domain with a null MX sends no mail: p=reject protects it at once',
        fr: 'Publiez l’enregistrement proposé ; avec p=none, lisez les rapports quelques semaines, puis passez à p=quarantine. Un domaine au MX nul n’envoie pas de courrier : p=reject le protège tout de suite',
      },
    },
    'dmarc.multiple_records': {
      severity: 'error',
      title: { en: '{count} DMARC records at "{name}"', fr: '{count} enregistrements DMARC sous « {name} »' },
      explanation: {
        en: 'With several DMARC records, receivers apply none of them (RFC 7489 6.6.3): the domain is unprotected.',
        fr: 'Avec plusieurs enregistrements DMARC, les destinataires n’en appliquent aucun (RFC 7489 6.6.3) : le domaine n’est pas protégé.',
      },
      remediation: { en: 'Keep a single "v=DMARC1" record', fr: 'Ne gardez qu’un seul enregistrement « v=DMARC1 »' },
    },
    'dmarc.syntax_error': {
      severity: 'error',
      title: {
        en: 'DMARC record at "{name}" cannot be parsed',
        fr: 'L’enregistrement DMARC sous « {name} » est illisible',
      },
      explanation: {
        en: 'Receivers ignore a DMARC record without a valid policy (RFC 7489 6.6.3): the domain is unprotected.',
        fr: 'Les destinataires ignorent un enregistrement DMARC sans politique valide (RFC 7489 6.6.3) : le domaine n’est pas protégé.',
      },
      remediation: {
        en: 'Fix the tag the problem names; its position counts characters from the start of the record, from 0',
        fr: 'Corrigez la balise que nomme le problème ; sa position compte les caractères depuis le début de l’enregistrement, à partir de 0',
      },
    },
    'dmarc.inherited': {
      severity: 'info',
      title: {
        en: '"{domain}" uses the DMARC record of "{policyDomain}"',
        fr: '« {domain} » utilise l’enregistrement DMARC de « {policyDomain} »',
      },
      explanation: {
        en: 'The domain has no DMARC record of its own: the organisational domain’s applies, with its sp= policy (RFC 7489 6.6.3).',
        fr: 'Le domaine n’a pas son propre enregistrement DMARC : celui du domaine organisationnel s’applique, avec sa politique sp= (RFC 7489 6.6.3).',
      },
      remediation: {
        en: 'Nothing to do if that policy suits this domain; publish its own _dmarc record otherwise',
        fr: 'Rien à faire si cette politique convient ; sinon publiez un enregistrement _dmarc propre au domaine',
      },
    },
  },
  run: ({ dmarc }, { expectations }) => {
    const findings: FindingDraft[] = [];
    if (dmarc.policyDomain === null) {
      // A `_dmarc` that is an alias of a name with no record (a closed DMARC service account) is still an alias.
      const { owner, values, evidence } = recordOwner(`_dmarc.${dmarc.domain}`, dmarc.ownCnames, 'dangling');
      findings.push({
        id: 'dmarc.missing',
        subject: dmarc.domain,
        values: { domain: dmarc.domain, ...values },
        evidence: { organisationalDomain: dmarc.organisationalDomain, hasNullMx: dmarc.hasNullMx, ...evidence },
        suggestedRecord: `${owner}. TXT "${suggestedRecord(dmarc.domain, dmarc.hasNullMx, expectations?.dmarcReportsTo)}"`,
      });
      return { findings };
    }
    const name = `_dmarc.${dmarc.policyDomain}`;
    // The record that applies may be published by a DMARC service behind an alias: changes to it are made there.
    const { values, evidence } = recordOwner(name, dmarc.cnames, 'published');
    if (dmarc.records.length > 1)
      findings.push({
        id: 'dmarc.multiple_records',
        subject: name,
        values: { name, count: dmarc.records.length, ...values },
        evidence: { records: dmarc.records, ...evidence },
      });
    if (dmarc.syntaxError)
      findings.push({
        id: 'dmarc.syntax_error',
        subject: name,
        values: { name, ...values, ...syntaxFaultValues(dmarc.syntaxError) },
        evidence: { record: dmarc.records[0], ...dmarc.syntaxError, ...evidence },
      });
    if (dmarc.isInherited)
      findings.push({
        id: 'dmarc.inherited',
        subject: dmarc.domain,
        values: { domain: dmarc.domain, policyDomain: dmarc.policyDomain, ...values },
        evidence: { policyDomain: dmarc.policyDomain, ...evidence },
      });
    return { findings };
  },
});
