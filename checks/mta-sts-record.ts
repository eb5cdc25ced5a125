import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import type { CheckOutput } from '../src/checks/types.js';
import { InputError } from '../src/errors.js';
import { isMtaStsCandidate, parseMtaStsRecord } from '../src/parse/parse-mta-sts-record.js';
import '../src/facts/mail-tls-records.js';

/** A fresh policy id from the run's clock: RFC 8461 3.1 only asks that it change with each policy. */
function policyId(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

export default defineCheck({
  id: 'mta-sts-record',
  requires: ['mtaStsRecord'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc8461#section-3.1',
  title: { en: 'The MTA-STS record is valid', fr: 'L’enregistrement MTA-STS est valide' },
  findings: {
    'mta_sts.invalid_record': {
      severity: 'error',
      title: { en: 'The MTA-STS record is invalid', fr: 'L’enregistrement MTA-STS est invalide' },
      explanation: {
        en: 'Senders ignore an invalid or duplicated _mta-sts record, so the domain’s MTA-STS policy is never applied.',
        fr: 'Les expéditeurs ignorent un enregistrement _mta-sts invalide ou en double : la politique MTA-STS n’est jamais appliquée.',
      },
      remediation: {
        en: 'Publish exactly one TXT record "v=STSv1; id=<1-32 letters or digits>" at _mta-sts.<domain>',
        fr: 'Publiez un seul TXT « v=STSv1; id=<1 à 32 lettres ou chiffres> » sous _mta-sts.<domaine>',
      },
    },
  },
  run: ({ mtaStsRecord }, { now }): CheckOutput => {
    const { name, records, cnames } = mtaStsRecord;
    // RFC 8461 3.1: TXT records that do not start with "v=STSv1" are not MTA-STS records and are ignored.
    const candidates = records.filter(isMtaStsCandidate);
    if (candidates.length === 0) return { findings: [] };
    const { owner, values, evidence } = recordOwner(name, cnames, 'published');
    const suggestedRecord = `${owner}. TXT "v=STSv1; id=${policyId(now)}"`;
    // RFC 8461 3.1: with several records, senders assume the domain has no MTA-STS.
    if (candidates.length > 1)
      return {
        findings: [
          {
            id: 'mta_sts.invalid_record',
            values,
            evidence: { name, records: candidates, reason: `${candidates.length} records`, ...evidence },
            suggestedRecord,
          },
        ],
      };
    const [record = ''] = candidates;
    try {
      parseMtaStsRecord(record);
      return { findings: [] };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return {
        findings: [
          {
            id: 'mta_sts.invalid_record',
            values,
            evidence: { name, record, reason: error.message, ...evidence },
            suggestedRecord,
          },
        ],
      };
    }
  },
});
