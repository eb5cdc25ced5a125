import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { CheckOutput } from '../src/checks/types.js';
import { InputError } from '../src/errors.js';
import { isTlsRptCandidate, parseTlsRptRecord } from '../src/parse/parse-tlsrpt-record.js';
import '../src/facts/mail-tls-records.js';

export default defineCheck({
  id: 'tlsrpt-record',
  requires: ['tlsRptRecord'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc8460#section-3',
  title: { en: 'The TLS reporting record is valid', fr: 'L’enregistrement de rapports TLS est valide' },
  findings: {
    'tlsrpt.invalid_record': {
      severity: 'warning',
      title: { en: 'The TLS-RPT record is invalid', fr: 'L’enregistrement TLS-RPT est invalide' },
      explanation: {
        en: 'Senders send no TLS failure reports for an invalid or duplicated _smtp._tls record, so delivery problems go unseen.',
        fr: 'Les expéditeurs n’envoient aucun rapport d’échec TLS si l’enregistrement _smtp._tls est invalide ou en double : les problèmes passent inaperçus.',
      },
      remediation: {
        en: 'Publish exactly one TXT record "v=TLSRPTv1; rua=mailto:<address>" at _smtp._tls.<domain>',
        fr: 'Publiez un seul TXT « v=TLSRPTv1; rua=mailto:<adresse> » sous _smtp._tls.<domaine>',
      },
    },
  },
  run: ({ tlsRptRecord }): CheckOutput => {
    const { name, records, cnames } = tlsRptRecord;
    // RFC 8460 3: records not starting with "v=TLSRPTv1" are ignored; several TLS-RPT records mean none is used.
    const candidates = records.filter(isTlsRptCandidate);
    if (candidates.length === 0) return { findings: [] };
    const { values, evidence } = recordOwner(name, cnames, 'published');
    if (candidates.length > 1)
      return {
        findings: [
          {
            id: 'tlsrpt.invalid_record',
            values,
            evidence: { name, records: candidates, reason: `${candidates.length} records`, ...evidence },
          },
        ],
      };
    const [record = ''] = candidates;
    try {
      parseTlsRptRecord(record);
      return { findings: [] };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return {
        findings: [
          { id: 'tlsrpt.invalid_record', values, evidence: { name, record, reason: error.message, ...evidence } },
        ],
      };
    }
  },
});
