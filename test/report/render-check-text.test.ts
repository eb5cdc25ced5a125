import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/commands/run-check.js';
import { renderCheckText } from '../../src/report/render-check-text.js';

const report: CheckReport = {
  schemaVersion: 1,
  startedAt: '2026-12-05T02:00:00Z',
  finishedAt: '2026-12-05T02:00:01Z',
  domains: [
    {
      domain: 'asso.example',
      member: 'Asso',
      checks: [
        {
          check: 'dmarc-record',
          status: 'fail',
          findings: [
            {
              id: 'dmarc.missing',
              check: 'dmarc-record',
              severity: 'error',
              domain: 'asso.example',
              subject: 'asso.example',
              evidence: {},
              message: 'Aucun enregistrement DMARC',
              docs: 'https://wiki.example/dmarc.missing',
            },
          ],
          unknown: [],
        },
        { check: 'spf-all', status: 'unknown', findings: [], unknown: [{ reason: 'timeout' }] },
      ],
    },
  ],
  inputErrors: [],
  summary: { domains: 1, findings: { error: 1, warning: 0, info: 0 }, unknownChecks: 1 },
};

describe('renderCheckText()', () => {
  it('sets a no-break space before the colon in French, none in English', () => {
    const french = renderCheckText(report, 'fr');
    expect(french).toContain('  ERREUR dmarc.missing [asso.example]\u00a0: Aucun enregistrement DMARC\n');
    expect(french).toContain('  INCONNU spf-all\u00a0: timeout\n');
    const english = renderCheckText(report, 'en');
    expect(english).toContain('  ERROR dmarc.missing [asso.example]: Aucun enregistrement DMARC\n');
    expect(english).toContain('  UNKNOWN spf-all: timeout\n');
  });
});
