import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/commands/run-check.js';
import { renderCheckText } from '../../src/report/render-check-text.js';

const report: CheckReport = {
  schemaVersion: 1,
  startedAt: '2026-12-05T02:00:00Z',
  finishedAt: '2026-12-05T02:00:01Z',
  interrupted: false,
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
  uncheckedDomains: [],
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

  it('labels the record to publish, so that it cannot be read as the record found', () => {
    const missing = report.domains[0]?.checks[0]?.findings[0];
    if (missing === undefined) throw new Error('no finding');
    const withRecord: CheckReport = structuredClone(report);
    const finding = withRecord.domains[0]?.checks[0]?.findings[0];
    if (finding === undefined) throw new Error('no finding');
    finding.suggestedRecord = '_dmarc.asso.example. TXT "v=DMARC1; p=none"';
    expect(renderCheckText(withRecord, 'fr')).toContain(
      `  ERREUR dmarc.missing [asso.example]\u00a0: ${missing.message}\n      Enregistrement à publier\u00a0: _dmarc.asso.example. TXT "v=DMARC1; p=none"\n      ${missing.docs}\n`,
    );
    expect(renderCheckText(withRecord, 'en')).toContain(
      '\n      Record to publish: _dmarc.asso.example. TXT "v=DMARC1; p=none"\n',
    );
  });

  it('replaces the control characters of DNS data and member names, which would drive the terminal', () => {
    const hostile: CheckReport = structuredClone(report);
    const domain = hostile.domains[0];
    const finding = domain?.checks[0]?.findings[0];
    if (domain === undefined || finding === undefined) throw new Error('no finding');
    domain.member = 'Asso\u001b[2J';
    finding.message = 'rua=mailto:a\u001b[31m@asso.example\u009b';
    finding.suggestedRecord = '_dmarc.asso.example. TXT "v=DMARC1; p=none; rua=mailto:a\u001b[31m@asso.example"';
    const text = renderCheckText(hostile, 'en');
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('asso.example (Asso\uFFFD[2J)\n');
    expect(text).toContain(': rua=mailto:a\uFFFD[31m@asso.example\uFFFD\n');
  });

  it('says why parts are undecided in the reader’s language, once per cause, then the technical reasons', () => {
    const domain = report.domains[0];
    if (domain === undefined) throw new Error('no domain');
    const refused = (check: string, subject: string, server: string) => ({
      check,
      status: 'unknown' as const,
      findings: [],
      unknown: [{ subject, cause: 'refused' as const, reason: `${server} answered REFUSED` }],
    });
    const down: CheckReport = {
      ...report,
      domains: [
        {
          ...domain,
          checks: [
            ...domain.checks,
            refused('mx-records', 'asso.example', '192.0.2.53:53'),
            refused('dane-tlsa', 'asso.example', '192.0.2.54:53'),
            refused('bimi-record', 'asso.example', '192.0.2.55:53'),
          ],
        },
      ],
    };
    expect(renderCheckText(down, 'fr')).toContain(
      '  INCONNU dkim-key [mail], mx-records [asso.example], dane-tlsa [asso.example], bimi-record [asso.example]\u00a0: le serveur DNS a refusé de répondre\n' +
        '      192.0.2.53:53 answered REFUSED ; 192.0.2.54:53 answered REFUSED ; 192.0.2.55:53 answered REFUSED\n',
    );
    const four = renderCheckText(
      { ...down, domains: [{ ...domain, checks: [...(down.domains[0]?.checks ?? []), refused('spf-all', 'x', 'y')] }] },
      'en',
    );
    expect(four).toContain(
      '  UNKNOWN dkim-key [mail], mx-records [asso.example], dane-tlsa [asso.example], bimi-record [asso.example], spf-all [x]: the DNS server refused to answer\n' +
        '      192.0.2.53:53 answered REFUSED; 192.0.2.54:53 answered REFUSED; 192.0.2.55:53 answered REFUSED; and 1 other reason (--json lists them all)\n',
    );
  });

  it('gives a reason recorded in every language in the reader’s, and an older English one as it was recorded', () => {
    const domain = report.domains[0];
    if (domain === undefined) throw new Error('no domain');
    const reasonText = {
      en: 'DNS TXT lookup of "_dmarc.asso.example" failed: timeout (no reply from 192.0.2.53:53 within 2000 ms)',
      fr: 'la requête DNS TXT de « _dmarc.asso.example » a échoué : délai dépassé (pas de réponse de 192.0.2.53:53 en 2000 ms)',
    };
    const timedOut: CheckReport = {
      ...report,
      domains: [
        {
          ...domain,
          checks: [
            {
              check: 'dmarc-policy',
              status: 'unknown',
              findings: [],
              unknown: [{ cause: 'timeout', reason: reasonText.en, reasonText }],
            },
          ],
        },
      ],
    };
    const french = renderCheckText(timedOut, 'fr');
    expect(french).toContain(
      '  INCONNU dmarc-policy\u00a0: le résolveur DNS n’a pas répondu à temps\n' + `      ${reasonText.fr}\n`,
    );
    expect(french).not.toContain('lookup');
    expect(renderCheckText(timedOut, 'en')).toContain(
      '  UNKNOWN dmarc-policy: the DNS resolver did not answer in time\n' + `      ${reasonText.en}\n`,
    );
    expect(renderCheckText(report, 'fr')).toContain('      192.0.2.53:53 answered REFUSED\n');
  });

  it('says a stopped run was interrupted, naming the first unchecked domains with their member, then counting the rest', () => {
    const unchecked = Array.from({ length: 22 }, (_, index) => ({
      domain: `d${index + 1}.example`,
      member: index === 0 ? 'Asso' : null,
    }));
    const text = renderCheckText({ ...report, interrupted: true, uncheckedDomains: unchecked }, 'en');
    expect(text).toContain(
      ['INTERRUPTED: the run was stopped before checking 22 domains', '  d1.example (Asso)', '  d2.example'].join('\n'),
    );
    expect(text).toContain('  d20.example\n  and 2 others (--json lists them all)\n1 domain: ');
    expect(text).not.toContain('d21.example');
    const french = renderCheckText({ ...report, interrupted: true, uncheckedDomains: unchecked.slice(0, 1) }, 'fr');
    expect(french).toContain('INTERROMPU : le passage a été arrêté avant de vérifier 1 domaine\n  d1.example (Asso)\n');
  });

  it('says a run stopped once every domain had started was interrupted, and says nothing of the kind otherwise', () => {
    expect(renderCheckText({ ...report, interrupted: true }, 'en')).toContain(
      'INTERRUPTED: the run was stopped while checking its last domains; what they still waited for is undecided\n',
    );
    expect(renderCheckText(report, 'en')).not.toContain('INTERRUPTED');
  });

  it('heads an internationalised domain with its Unicode form, then the DNS form its records are published under', () => {
    const idn: CheckReport = {
      ...report,
      domains: [{ domain: 'xn--cole-exemple-9db.example', member: 'École', checks: [] }],
    };
    expect(renderCheckText(idn, 'fr').split('\n')[0]).toBe(
      'école-exemple.example [xn--cole-exemple-9db.example] (École)',
    );
  });
});
