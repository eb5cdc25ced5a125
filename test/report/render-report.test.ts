import { describe, expect, it } from 'vitest';
import type { DomainResult } from '../../src/checks/run-checks.js';
import { buildReports, type ReportInput } from '../../src/commands/build-report.js';
import { renderHistorySvg, renderReportHtml } from '../../src/report/render-report-html.js';
import { escapeMarkdown, renderReportMarkdown } from '../../src/report/render-report-markdown.js';
import { renderReportText } from '../../src/report/render-report-text.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

/** A domain whose member name, subject, message and suggested record all carry markup and escape sequences. */
const domains: DomainResult[] = [
  {
    domain: 'club.org',
    member: `Club ${HOSTILE}`,
    checks: [
      {
        check: 'dmarc-record',
        status: 'fail',
        findings: [
          {
            id: 'dmarc.missing',
            check: 'dmarc-record',
            severity: 'error',
            domain: 'club.org',
            subject: `sel"${HOSTILE}`,
            evidence: { text: HOSTILE },
            message: `No DMARC ${HOSTILE} \u001b[31mred`,
            docs: 'javascript:alert(3)',
            suggestedRecord: `_dmarc.club.org. TXT "v=DMARC1; p=none" \`\`\`${HOSTILE}`,
          },
        ],
        unknown: [],
      },
      { check: 'spf-all', status: 'unknown', findings: [], unknown: [{ reason: `timeout ${HOSTILE}` }] },
    ],
  },
  {
    domain: 'ok.org',
    member: 'Fine',
    checks: [
      { check: 'dmarc-record', status: 'pass', findings: [], unknown: [] },
      { check: 'spf-all', status: 'pass', findings: [], unknown: [] },
    ],
  },
];

const history = [
  { runId: 1, startedAt: '2026-11-21T02:00:00Z', findings: { error: 3, warning: 5, info: 1 } },
  { runId: 2, startedAt: '2026-11-22T02:00:00Z', findings: { error: 2, warning: 7, info: 1 } },
  { runId: 3, startedAt: '2026-11-23T02:00:00Z', findings: { error: 1, warning: 4, info: 0 } },
];

const input: ReportInput = {
  lang: 'en',
  run: { id: 3, startedAt: '2026-11-23T02:00:00Z' },
  previousRun: null,
  domains,
  diff: null,
  acks: [
    {
      domain: 'club.org',
      findingId: 'spf.all_softfail',
      until: '2026-12-31',
      note: `note ${HOSTILE}`,
      createdAt: '2026-11-20T00:00:00Z',
    },
  ],
  isActive: () => true,
  meta: () => undefined,
  history,
};

const { members, summary } = buildReports(input);

describe('renderReportHtml()', () => {
  const pages = [renderReportHtml(summary), ...members.map(renderReportHtml)];

  it('escapes every untrusted value: no element or attribute comes from the data', () => {
    for (const page of pages) {
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<img');
      expect(page).not.toMatch(/<[^>]*\bonerror=/);
      expect(page).not.toContain('\u001b');
    }
    expect(pages.join('')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('never links to a non-http docs value', () => {
    for (const page of pages) expect(page).not.toContain('href="javascript:');
  });

  it('loads nothing: no src, no external href, no url(), a CSP that forbids every fetch', () => {
    for (const page of pages) {
      expect(page).not.toMatch(/<[^>]*\ssrc=/);
      expect(page).not.toMatch(/url\(/);
      expect(page).not.toMatch(/<link\b/);
      expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    }
  });

  it('puts one table row per domain with a state word in every cell', () => {
    const rows = renderReportHtml(summary).match(/<tr data-domain=/g) ?? [];
    expect(rows).toHaveLength(2);
    expect(renderReportHtml(summary)).toContain('<td class="unknown">? Unknown</td>');
  });

  it('gives the plot’s numbers as a table too, one row per night', () => {
    const table = /<table id="history-table">[^]*?<\/table>/.exec(renderReportHtml(summary))?.[0] ?? '';
    expect(table.match(/<tr><th scope="row">/g)).toHaveLength(3);
    expect(table).toContain('<th scope="row">2026-11-22</th><td>2</td><td>7</td><td>1</td>');
  });
});

describe('renderHistorySvg()', () => {
  it('draws one point per run and severity, a line per severity, axis labels and a legend', () => {
    const svg = renderHistorySvg(history, 'fr');
    expect(svg.match(/<circle class="point"/g)).toHaveLength(9);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('>Nuit</text>');
    expect(svg).toContain('>Constats</text>');
    expect(svg.match(/class="legend-item"/g)).toHaveLength(3);
    expect(svg).toContain('2026-11-22 : 7 avertissements');
  });

  it('draws a single run as points without lines, and an empty history as bare axes', () => {
    expect(renderHistorySvg(history.slice(0, 1), 'en').match(/<circle class="point"/g)).toHaveLength(3);
    expect(renderHistorySvg(history.slice(0, 1), 'en')).not.toContain('<polyline');
    expect(renderHistorySvg([], 'en')).not.toContain('<circle');
  });
});

describe('renderReportMarkdown()', () => {
  it('escapes markup and fences the record longer than any backtick run in it', () => {
    const club = members.find((report) => report.member.startsWith('Club'));
    const markdown = renderReportMarkdown(club ?? members[0]!);
    // A code block's content is literal text in CommonMark (4.5): markup may stay there, nowhere else.
    const outsideCode = markdown.replace(/\n````\n[^]*?\n````\n/g, '\n');
    expect(outsideCode).not.toContain('<script');
    expect(markdown).toContain('\n````\n_dmarc.club.org.');
    expect(markdown).not.toContain('](<javascript:');
  });

  it('escapeMarkdown() neutralises link, emphasis and HTML syntax', () => {
    expect(escapeMarkdown('[x](http://evil) *b* <i>')).toBe('\\[x\\]\\(http://evil\\) \\*b\\* &lt;i&gt;');
  });
});

describe('renderReportText()', () => {
  it('replaces control characters so a record cannot drive the terminal', () => {
    const text = members.map(renderReportText).join('');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\uFFFD[31mred');
  });

  it('lists acknowledgements with their note and expiry in the summary', () => {
    expect(renderReportText(summary)).toContain('club.org spf.all_softfail: Acknowledged until 2026-12-31: note');
  });
});

describe('undecided parts', () => {
  const timeout = 'no reply from 192.0.2.53:53 within 2000 ms';
  const undecided: DomainResult[] = [
    {
      domain: 'asso.org',
      member: 'Asso',
      checks: [
        {
          check: 'dkim-key',
          status: 'unknown',
          findings: [],
          unknown: [{ subject: 'mail', cause: 'timeout', reason: timeout }],
        },
        { check: 'mx-records', status: 'unknown', findings: [], unknown: [{ cause: 'timeout', reason: timeout }] },
        // Recorded before facteur kept the cause: the reason alone.
        { check: 'spf-all', status: 'unknown', findings: [], unknown: [{ reason: 'servfail: old run' }] },
      ],
    },
  ];
  const french = buildReports({ ...input, lang: 'fr', domains: undecided, acks: [] });
  const member = french.members[0];

  it('keeps each part in the report data, its cause null when it was not recorded', () => {
    expect(member?.domains[0]?.undecided).toEqual([
      { check: 'dkim-key', subject: 'mail', cause: 'timeout', reason: timeout },
      { check: 'mx-records', subject: null, cause: 'timeout', reason: timeout },
      { check: 'spf-all', subject: null, cause: null, reason: 'servfail: old run' },
    ]);
  });

  it('gives one line per cause, in the reader’s language, with its checks, then the technical reasons once', () => {
    if (member === undefined) throw new Error('no member report');
    const text = renderReportText(member);
    expect(text).toContain(
      [
        '  Impossible à vérifier (le résolveur DNS n’a pas répondu à temps)\u00a0: dkim-key [mail], mx-records',
        `    ${timeout}`,
        '  Impossible à vérifier\u00a0: spf-all',
        '    servfail: old run',
      ].join('\n'),
    );
    const html = renderReportHtml(member);
    expect(html).toContain(
      'Impossible à vérifier (le résolveur DNS n’a pas répondu à temps)\u00a0: <code>dkim-key</code> (mail), <code>mx-records</code><br>no reply',
    );
    expect(html.split(timeout)).toHaveLength(2);
    const markdown = renderReportMarkdown(member);
    expect(markdown).toContain(
      `- Impossible à vérifier (${escapeMarkdown('le résolveur DNS n’a pas répondu à temps')})\u00a0: \`dkim-key\` (mail), \`mx-records\`\n  - ${escapeMarkdown(timeout)}`,
    );
    expect(markdown).toContain(escapeMarkdown('servfail: old run'));
  });
});
