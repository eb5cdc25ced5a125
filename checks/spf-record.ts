import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { FindingDraft } from '../src/checks/types.js';
import { distinctSpfNodes } from '../src/facts/spf.js';
import { syntaxFaultValues } from '../src/parse/record-syntax-error.js';

export default defineCheck({
  id: 'spf-record',
  requires: ['spf'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc7208#section-4.5',
  title: { en: 'SPF records are published and valid', fr: 'Les enregistrements SPF sont publiés et valides' },
  findings: {
    'spf.missing': {
      severity: 'error',
      title: { en: 'No SPF record at "{domain}"', fr: 'Aucun enregistrement SPF pour « {domain} »' },
      explanation: {
        en: 'Receivers cannot tell which servers may send mail for this domain: forged mail is not caught and DMARC cannot pass on SPF. A domain with a null MX (RFC 7505) sends no mail at all, so its record should authorise nobody: "v=spf1 -all" makes every forgery in its name fail.',
        fr: 'Les destinataires ne savent pas quels serveurs peuvent envoyer pour ce domaine : les faux ne sont pas repérés et DMARC ne peut pas réussir par SPF. Un domaine à MX nul (RFC 7505) n’envoie aucun courrier : son enregistrement ne doit autoriser personne, et « v=spf1 -all » fait échouer tout faux à son nom.',
      },
      remediation: {
        en: 'Publish one TXT record starting with "v=spf1" that lists your outgoing servers, ending with "~all" or "-all"; for a domain that sends no mail, "v=spf1 -all"',
        fr: 'Publiez un enregistrement TXT commençant par « v=spf1 » qui liste vos serveurs d’envoi et se termine par « ~all » ou « -all » ; pour un domaine qui n’envoie pas de courrier, « v=spf1 -all »',
      },
    },
    'spf.multiple_records': {
      severity: 'error',
      title: { en: '{count} SPF records at "{domain}"', fr: '{count} enregistrements SPF pour « {domain} »' },
      explanation: {
        en: 'With more than one "v=spf1" record, receivers stop with a permanent error (RFC 7208 4.5) and SPF fails for all mail.',
        fr: 'Avec plusieurs enregistrements « v=spf1 », les destinataires s’arrêtent sur une erreur permanente (RFC 7208 4.5) : SPF échoue pour tout le courrier.',
      },
      remediation: {
        en: 'Merge the records into one: keep one "v=spf1", every mechanism once, and a single "all" at the end',
        fr: 'Fusionnez-les en un seul : un « v=spf1 », chaque mécanisme une fois, et un seul « all » à la fin',
      },
    },
    'spf.syntax_error': {
      severity: 'error',
      title: {
        en: 'SPF record at "{domain}" cannot be parsed',
        fr: 'L’enregistrement SPF de « {domain} » est illisible',
      },
      explanation: {
        en: 'Receivers treat a malformed SPF record as a permanent error (RFC 7208 4.6): SPF fails for all mail that reaches it.',
        fr: 'Les destinataires traitent un enregistrement SPF mal formé comme une erreur permanente (RFC 7208 4.6) : SPF échoue pour tout le courrier concerné.',
      },
      remediation: {
        en: 'Fix the term the problem names; its position counts characters from the start of the record, from 0',
        fr: 'Corrigez le terme que nomme le problème ; sa position compte les caractères depuis le début de l’enregistrement, à partir de 0',
      },
    },
    'spf.uppercase_version': {
      severity: 'warning',
      title: {
        en: 'SPF record at "{domain}" starts with "{version}"',
        fr: 'L’enregistrement SPF de « {domain} » commence par « {version} »',
      },
      explanation: {
        en: 'RFC 7208 4.5 asks for exactly "v=spf1"; some receivers compare it case-sensitively and ignore the record.',
        fr: 'La RFC 7208 4.5 demande exactement « v=spf1 » ; certains destinataires comparent la casse et ignorent l’enregistrement.',
      },
      remediation: {
        en: 'Write the version in lower case: "v=spf1"',
        fr: 'Écrivez la version en minuscules : « v=spf1 »',
      },
    },
  },
  run: ({ spf }, { options }) => {
    const findings: FindingDraft[] = [];
    if (spf.root.status === 'not_found') {
      // A null MX says the domain sends no mail (RFC 7505): authorise nobody. Otherwise start from what we know it
      // sends through, its MX and the configured relays, and softfail the rest.
      const ips = options.sendingIps.map((ip) => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`));
      const terms = spf.hasNullMx === true ? ['v=spf1', '-all'] : ['v=spf1', 'mx', ...ips, '~all'];
      const { owner, values, evidence } = recordOwner(spf.domain, spf.root.cnames);
      findings.push({
        id: 'spf.missing',
        subject: spf.domain,
        values: { domain: spf.domain, ...values },
        evidence: { hasNullMx: spf.hasNullMx, ...evidence },
        suggestedRecord: `${owner}. TXT "${terms.join(' ')}"`,
      });
    }
    for (const node of distinctSpfNodes(spf.root)) {
      const base = { subject: node.domain, values: { domain: node.domain } };
      if (node.status === 'multiple_records')
        findings.push({
          id: 'spf.multiple_records',
          ...base,
          values: { domain: node.domain, count: node.records.length },
          evidence: { records: node.records, via: node.via },
        });
      if (node.status === 'syntax_error' && node.syntaxError)
        findings.push({
          id: 'spf.syntax_error',
          ...base,
          values: { ...base.values, ...syntaxFaultValues(node.syntaxError) },
          evidence: { record: node.records[0], ...node.syntaxError, via: node.via },
        });
      if (node.record && node.record.version !== 'v=spf1') {
        const record = node.records[0] ?? '';
        const { owner, values, evidence } = recordOwner(node.domain, node.cnames);
        findings.push({
          id: 'spf.uppercase_version',
          ...base,
          values: { domain: node.domain, version: node.record.version, ...values },
          evidence: { record, via: node.via, ...evidence },
          suggestedRecord: `${owner}. TXT "v=spf1${record.slice(6)}"`,
        });
      }
    }
    return { findings };
  },
});
