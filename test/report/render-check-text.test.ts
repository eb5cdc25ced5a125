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
        {
          check: 'dkim-key',
          status: 'unknown',
          findings: [],
          unknown: [{ subject: 'mail', cause: 'refused', reason: '192.0.2.53:53 answered REFUSED' }],
        },
      ],
    },
  ],
  inputErrors: [],
  summary: { domains: 1, findings: { error: 1, warning: 0, info: 0 }, unknownChecks: 2 },
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

  it('says why a part is undecided in the reader’s language, then the technical reason', () => {
    expect(renderCheckText(report, 'fr')).toContain(
      '  INCONNU dkim-key [mail]\u00a0: le serveur DNS a refusé de répondre (192.0.2.53:53 answered REFUSED)\n',
    );
    expect(renderCheckText(report, 'en')).toContain(
      '  UNKNOWN dkim-key [mail]: the DNS server refused to answer (192.0.2.53:53 answered REFUSED)\n',
    );
  });
});
