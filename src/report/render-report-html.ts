import type { CellState, MemberReport, ReportDomain, ReportProblem, SummaryReport } from '../commands/build-report.js';
import { displayDomain } from './display-domain.js';
import { SEVERITIES, type Severity } from '../checks/types.js';
import { groupUndecided, reasonsLine, UNDECIDED_CAUSES } from '../checks/undecided.js';
import { render, type Lang } from '../i18n.js';
import type { RunCounts } from '../store/history.js';
import {
  CELL_LABELS,
  CHANGE_LABELS,
  colon,
  REPORT_TEXTS,
  SEVERITY_LABELS,
  SEVERITY_PLURALS,
} from './render-report-labels.js';
import { plainText } from '../plain-text.js';
import { runLine } from './render-report-text.js';

/** Escapes text for HTML content and double- or single-quoted attributes (every value here is untrusted). */
export function escapeHtml(value: string): string {
  return plainText(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * No script, no request: the policy forbids every fetch, so even a value that escaped escaping could load nothing.
 * Styles are inline (one `<style>` element) and the plot is inline SVG.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

/** Colours with a 4.5:1 contrast on white (WCAG 1.4.3); states also carry words and symbols (WCAG 1.4.1). */
const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; } h3 { font-size: 1.05rem; margin-bottom: .25rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #c8c8c8; padding: .2rem .4rem; text-align: left; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
.pass { background: #e6f4ea; color: #1e5631; }
.fail { background: #fde7e7; color: #8a1111; font-weight: 600; }
.unknown { background: #f3f3f3; color: #4a4a4a; font-style: italic; }
.acked { background: #fff4d6; color: #6b4a00; }
.error { color: #8a1111; } .warning { color: #6b4a00; } .info { color: #1f4e79; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.problem { border-left: 4px solid #c8c8c8; padding-left: .75rem; margin: 1rem 0; }
.problem.error { border-color: #8a1111; } .problem.warning { border-color: #b07d00; } .problem.info { border-color: #1f4e79; }
.problem p { color: #1b1b1b; margin: .25rem 0; }
.table-wrap { overflow-x: auto; max-height: 80vh; }
svg text { font: 12px system-ui, sans-serif; fill: #1b1b1b; }
`;

/** What a cell shows before its words: a symbol, so the state reads in black and white too. */
const CELL_SYMBOLS: Record<CellState, string> = { pass: '✓', fail: '✗', unknown: '?', acked: '~' };

/** Line colour and dash of each severity in the plot: told apart by dash pattern, not colour alone. */
const SERIES: Record<Severity, { colour: string; dash: string }> = {
  error: { colour: '#b3261e', dash: '' },
  warning: { colour: '#8a6100', dash: '6 3' },
  info: { colour: '#1f4e79', dash: '2 3' },
};

function page(lang: Lang, title: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A link when the target is http(s), else the target as text: a docs value is never a `javascript:` link. */
function link(label: string, target: string): string {
  return /^https?:\/\//i.test(target)
    ? `<a href="${escapeHtml(target)}">${escapeHtml(label)}</a>`
    : `${escapeHtml(label)} ${escapeHtml(target)}`;
}

function domainAnchor(domain: string): string {
  return `d-${domain.replace(/[^a-zA-Z0-9.-]/g, '_')}`;
}

function tableHtml(report: MemberReport | SummaryReport, withLinks: boolean): string[] {
  const lang = report.lang;
  const lines = [
    '<div class="table-wrap">',
    '<table id="checks-table">',
    `<caption>${escapeHtml(REPORT_TEXTS.tableCaption[lang])}</caption>`,
    '<thead><tr>',
    `<th scope="col">${escapeHtml(REPORT_TEXTS.domain[lang])}</th>`,
  ];
  if (report.kind === 'summary') lines.push(`<th scope="col">${escapeHtml(REPORT_TEXTS.member[lang])}</th>`);
  for (const check of report.checks) lines.push(`<th scope="col">${escapeHtml(check)}</th>`);
  lines.push('</tr></thead>', '<tbody>');
  for (const domain of report.domains) {
    const name = withLinks
      ? `<a href="#${escapeHtml(domainAnchor(domain.domain))}">${escapeHtml(displayDomain(domain.domain))}</a>`
      : escapeHtml(displayDomain(domain.domain));
    const cells = domain.cells.map(
      (cell) => `<td class="${cell}">${CELL_SYMBOLS[cell]} ${escapeHtml(CELL_LABELS[cell][lang])}</td>`,
    );
    const member =
      report.kind === 'summary' ? `<td>${escapeHtml(domain.member ?? REPORT_TEXTS.noMember[lang])}</td>` : '';
    lines.push(
      `<tr data-domain="${escapeHtml(domain.domain)}"><th scope="row">${name}</th>${member}${cells.join('')}</tr>`,
    );
  }
  lines.push('</tbody>', '</table>', '</div>');
  return lines;
}

function problemHtml(problem: ReportProblem, lang: Lang): string[] {
  const subject = problem.subject === '' ? '' : ` <span>(${escapeHtml(problem.subject)})</span>`;
  const lines = [
    `<div class="problem ${problem.severity}">`,
    `<h3><span class="${problem.severity}">${escapeHtml(SEVERITY_LABELS[problem.severity][lang])}</span>${colon(lang)}${escapeHtml(problem.message)}</h3>`,
    `<p><code>${escapeHtml(problem.id)}</code>${subject}</p>`,
  ];
  if (problem.ack !== null) {
    lines.push(`<p class="acked">${escapeHtml(render(REPORT_TEXTS.acknowledgedUntil, lang, { ...problem.ack }))}</p>`);
  }
  if (problem.explanation !== '') {
    lines.push(`<p><strong>${escapeHtml(REPORT_TEXTS.why[lang])}.</strong> ${escapeHtml(problem.explanation)}</p>`);
  }
  if (problem.remediation !== '') {
    lines.push(
      `<p><strong>${escapeHtml(REPORT_TEXTS.whatToDo[lang])}.</strong> ${escapeHtml(problem.remediation)}</p>`,
    );
  }
  if (problem.suggestedRecord !== null) {
    lines.push(
      `<p><strong>${escapeHtml(REPORT_TEXTS.record[lang] + colon(lang).trimEnd())}</strong></p>`,
      `<pre>${escapeHtml(problem.suggestedRecord)}</pre>`,
    );
  }
  lines.push(`<p>${link(REPORT_TEXTS.learnMore[lang], problem.docs)}</p>`, '</div>');
  return lines;
}

function domainHtml(domain: ReportDomain, lang: Lang): string[] {
  const lines = [
    `<section id="${escapeHtml(domainAnchor(domain.domain))}">`,
    `<h2>${escapeHtml(displayDomain(domain.domain))}</h2>`,
  ];
  for (const problem of [...domain.problems, ...domain.acknowledged]) lines.push(...problemHtml(problem, lang));
  if (domain.undecided.length > 0) {
    lines.push('<ul>');
    for (const group of groupUndecided(domain.undecided)) {
      const cause = group.cause === null ? '' : ` (${UNDECIDED_CAUSES[group.cause][lang]})`;
      const checks = group.parts.map(
        (part) =>
          `<code>${escapeHtml(part.check)}</code>${part.subject === null ? '' : ` (${escapeHtml(part.subject)})`}`,
      );
      lines.push(
        `<li class="unknown">${escapeHtml(REPORT_TEXTS.undecided[lang] + cause + colon(lang))}${checks.join(', ')}<br>${escapeHtml(reasonsLine(group.reasons, lang))}</li>`,
      );
    }
    lines.push('</ul>');
  }
  if (domain.problems.length + domain.acknowledged.length + domain.undecided.length === 0) {
    lines.push(`<p class="pass">✓ ${escapeHtml(REPORT_TEXTS.noProblem[lang])}</p>`);
  }
  lines.push('</section>');
  return lines;
}

function changesHtml(report: MemberReport | SummaryReport): string[] {
  const lang = report.lang;
  if (report.previousRun === null) return [];
  const lines = [`<h2>${escapeHtml(REPORT_TEXTS.changesHeading[lang])}</h2>`];
  if (report.changes.length === 0) return [...lines, `<p>${escapeHtml(REPORT_TEXTS.noChange[lang])}</p>`];
  lines.push('<ul id="changes">');
  for (const change of report.changes) {
    const severity =
      change.previousSeverity === null
        ? SEVERITY_LABELS[change.severity][lang]
        : `${SEVERITY_LABELS[change.previousSeverity][lang]} → ${SEVERITY_LABELS[change.severity][lang]}`;
    const subject = change.subject === '' ? '' : ` (${escapeHtml(change.subject)})`;
    lines.push(
      `<li data-kind="${change.kind}"><strong>${escapeHtml(CHANGE_LABELS[change.kind][lang])}</strong> ` +
        `<span class="${change.severity}">${escapeHtml(severity)}</span> ${escapeHtml(change.domain)} ` +
        `<code>${escapeHtml(change.id)}</code>${subject}${colon(lang)}${escapeHtml(change.message)}</li>`,
    );
  }
  lines.push('</ul>');
  return lines;
}

/** Plot geometry in SVG user units. */
const PLOT = { width: 760, height: 300, left: 56, right: 16, top: 16, bottom: 64 } as const;

/** Past this many runs the points are closer than their markers are wide. */
const DENSE_PLOT_RUNS = 120;

/** A y-axis maximum that reads well: 1, 2 or 5 times a power of ten, at least the largest value. */
function niceMaximum(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10;
  return step * power;
}

/**
 * The number of findings by severity over the recorded runs as an inline SVG line chart: one polyline and one
 * marked point per run and severity, axis labels, a legend; each point's `<title>` gives its value to screen readers.
 */
export function renderHistorySvg(history: readonly RunCounts[], lang: Lang): string {
  const plotWidth = PLOT.width - PLOT.left - PLOT.right;
  const plotHeight = PLOT.height - PLOT.top - PLOT.bottom;
  const maximum = niceMaximum(Math.max(0, ...history.flatMap((run) => SEVERITIES.map((s) => run.findings[s]))));
  const x = (index: number): number =>
    PLOT.left + (history.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (history.length - 1));
  const y = (value: number): number => PLOT.top + plotHeight - (value * plotHeight) / maximum;
  const round = (value: number): string => value.toFixed(1);
  // A year of nights puts points two units apart: smaller markers keep the lines readable.
  const radius = history.length > DENSE_PLOT_RUNS ? 1.2 : 2.5;
  const bottom = PLOT.top + plotHeight;
  const parts = [
    `<svg id="history-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${PLOT.width} ${PLOT.height}" width="${PLOT.width}" height="${PLOT.height}" role="img" aria-labelledby="history-plot-title">`,
    `<title id="history-plot-title">${escapeHtml(REPORT_TEXTS.plotHeading[lang])}</title>`,
    `<line x1="${PLOT.left}" y1="${bottom}" x2="${PLOT.width - PLOT.right}" y2="${bottom}" stroke="#1b1b1b"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${bottom}" stroke="#1b1b1b"/>`,
  ];
  for (const tick of [0, maximum / 2, maximum]) {
    parts.push(
      `<line x1="${PLOT.left - 4}" y1="${round(y(tick))}" x2="${PLOT.width - PLOT.right}" y2="${round(y(tick))}" stroke="#e0e0e0"/>`,
      `<text x="${PLOT.left - 6}" y="${round(y(tick) + 4)}" text-anchor="end">${tick}</text>`,
    );
  }
  const first = history[0];
  const last = history.at(-1);
  if (first !== undefined && last !== undefined) {
    parts.push(
      `<text x="${round(x(0))}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(first.startedAt.slice(0, 10))}</text>`,
    );
    if (history.length > 1) {
      parts.push(
        `<text x="${round(x(history.length - 1))}" y="${bottom + 16}" text-anchor="end">${escapeHtml(last.startedAt.slice(0, 10))}</text>`,
      );
    }
  }
  parts.push(
    `<text class="axis-label" x="${PLOT.left + plotWidth / 2}" y="${bottom + 32}" text-anchor="middle">${escapeHtml(REPORT_TEXTS.plotAxisX[lang])}</text>`,
    `<text class="axis-label" transform="rotate(-90)" x="${-(PLOT.top + plotHeight / 2)}" y="14" text-anchor="middle">${escapeHtml(REPORT_TEXTS.plotAxisY[lang])}</text>`,
  );
  for (const severity of SEVERITIES) {
    const { colour, dash } = SERIES[severity];
    const points = history.map((run, index) => `${round(x(index))},${round(y(run.findings[severity]))}`);
    const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    parts.push(`<g class="series" data-severity="${severity}">`);
    if (history.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashAttribute} points="${points.join(' ')}"/>`,
      );
    }
    history.forEach((run, index) => {
      const label = render(REPORT_TEXTS.plotPoint, lang, {
        startedAt: run.startedAt.slice(0, 10),
        count: run.findings[severity],
        severity: SEVERITY_PLURALS[severity][lang],
      });
      parts.push(
        `<circle class="point" cx="${round(x(index))}" cy="${round(y(run.findings[severity]))}" r="${radius}" fill="${colour}"><title>${escapeHtml(label)}</title></circle>`,
      );
    });
    parts.push('</g>');
  }
  const legendY = PLOT.height - 12;
  SEVERITIES.forEach((severity, index) => {
    const { colour, dash } = SERIES[severity];
    const legendX = PLOT.left + index * 170;
    const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    parts.push(
      `<g class="legend-item"><line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 28}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"${dashAttribute}/>`,
      `<text x="${legendX + 34}" y="${legendY}">${escapeHtml(SEVERITY_PLURALS[severity][lang])}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The plot's numbers as a table, folded: the same facts for screen readers and for copying. */
function historyTable(report: SummaryReport): string[] {
  const lang = report.lang;
  const lines = [
    '<details>',
    `<summary>${escapeHtml(REPORT_TEXTS.plotNumbers[lang])}</summary>`,
    '<table id="history-table">',
    `<thead><tr><th scope="col">${escapeHtml(REPORT_TEXTS.plotAxisX[lang])}</th>`,
    ...SEVERITIES.map((severity) => `<th scope="col">${escapeHtml(SEVERITY_PLURALS[severity][lang])}</th>`),
    '</tr></thead>',
    '<tbody>',
  ];
  for (const run of report.history) {
    const counts = SEVERITIES.map((severity) => `<td>${run.findings[severity]}</td>`).join('');
    lines.push(`<tr><th scope="row">${escapeHtml(run.startedAt.slice(0, 10))}</th>${counts}</tr>`);
  }
  lines.push('</tbody>', '</table>', '</details>');
  return lines;
}

function memberHtml(report: MemberReport): string {
  const lang = report.lang;
  const title = render(REPORT_TEXTS.memberTitle, lang, { member: report.member });
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(runLine(report))}</p>`,
    `<h2>${escapeHtml(REPORT_TEXTS.tableHeading[lang])}</h2>`,
    ...tableHtml(report, true),
  ];
  for (const domain of report.domains) body.push(...domainHtml(domain, lang));
  body.push(...changesHtml(report));
  return page(lang, title, body);
}

function summaryHtml(report: SummaryReport): string {
  const lang = report.lang;
  const title = REPORT_TEXTS.summaryTitle[lang];
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(runLine(report))}</p>`,
    `<p id="totals">${escapeHtml(render(REPORT_TEXTS.totals, lang, report.totals))}</p>`,
  ];
  if (report.previousRun !== null) {
    body.push(`<p>${escapeHtml(render(REPORT_TEXTS.changeCounts, lang, report.changeCounts))}</p>`);
  }
  body.push(
    `<h2>${escapeHtml(REPORT_TEXTS.plotHeading[lang])}</h2>`,
    renderHistorySvg(report.history, lang),
    ...historyTable(report),
    ...changesHtml(report),
    `<h2>${escapeHtml(REPORT_TEXTS.worstHeading[lang])}</h2>`,
  );
  if (report.worstDomains.length === 0) body.push(`<p>${escapeHtml(REPORT_TEXTS.noProblem[lang])}</p>`);
  else {
    body.push('<ol id="worst">');
    for (const worst of report.worstDomains) {
      const member = worst.member ?? REPORT_TEXTS.noMember[lang];
      body.push(
        `<li>${escapeHtml(displayDomain(worst.domain))} (${escapeHtml(member)})${colon(lang)}${escapeHtml(render(REPORT_TEXTS.domainCounts, lang, worst.counts))}</li>`,
      );
    }
    body.push('</ol>');
  }
  body.push(`<h2>${escapeHtml(REPORT_TEXTS.acksHeading[lang])}</h2>`);
  if (report.acks.length === 0) body.push(`<p>${escapeHtml(REPORT_TEXTS.noAcks[lang])}</p>`);
  else {
    body.push('<ul id="acks">');
    for (const ack of report.acks) {
      const note = render(REPORT_TEXTS.acknowledgedUntil, lang, { until: ack.until, note: ack.note });
      const expired = ack.isActive ? '' : ` (${REPORT_TEXTS.expired[lang]})`;
      body.push(
        `<li>${escapeHtml(ack.domain)} <code>${escapeHtml(ack.findingId)}</code>${colon(lang)}${escapeHtml(note)}${escapeHtml(expired)}</li>`,
      );
    }
    body.push('</ul>');
  }
  body.push(`<h2>${escapeHtml(REPORT_TEXTS.tableHeading[lang])}</h2>`, ...tableHtml(report, false));
  return page(lang, title, body);
}

/** Renders a member report or the admins' summary as one self-contained HTML file: inline CSS and SVG, no script. */
export function renderReportHtml(report: MemberReport | SummaryReport): string {
  return report.kind === 'member' ? memberHtml(report) : summaryHtml(report);
}
