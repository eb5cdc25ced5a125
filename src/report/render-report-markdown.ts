import type { MemberReport, ReportDomain, ReportProblem, SummaryReport } from '../commands/build-report.js';
import { displayDomain } from './display-domain.js';
import { groupUndecided, reasonsLine, UNDECIDED_CAUSES } from '../checks/undecided.js';
import { render, type Lang } from '../i18n.js';
import { CELL_LABELS, CHANGE_LABELS, colon, REPORT_TEXTS, SEVERITY_LABELS } from './render-report-labels.js';
import { plainText } from '../plain-text.js';
import { runLine } from './render-report-text.js';

/**
 * Escapes text from DNS or the members file for Markdown: every punctuation mark that could open markup (CommonMark
 * 2.4 allows a backslash before any ASCII punctuation), raw HTML turned into entities, no line breaks.
 */
export function escapeMarkdown(value: string): string {
  return plainText(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A fenced code block whose fence is longer than any run of backticks in the content (CommonMark 4.5). */
function codeBlock(content: string): string[] {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, plainText(content), fence];
}

/** A link when the target is http(s), else the target as text: a docs value is never a `javascript:` link. */
function link(label: string, target: string): string {
  return /^https?:\/\//i.test(target) && !/[\s<>()]/.test(target)
    ? `[${escapeMarkdown(label)}](<${target}>)`
    : `${escapeMarkdown(label)} ${escapeMarkdown(target)}`;
}

function subjectSuffix(subject: string): string {
  return subject === '' ? '' : ` (${escapeMarkdown(subject)})`;
}

function problemLines(problem: ReportProblem, lang: Lang): string[] {
  const lines = [
    `### ${SEVERITY_LABELS[problem.severity][lang]}${colon(lang)}${escapeMarkdown(problem.message)}`,
    '',
    `\`${problem.id}\`${subjectSuffix(problem.subject)}`,
    '',
  ];
  if (problem.ack !== null) {
    lines.push(`> ${escapeMarkdown(render(REPORT_TEXTS.acknowledgedUntil, lang, { ...problem.ack }))}`, '');
  }
  if (problem.explanation !== '') lines.push(`**${REPORT_TEXTS.why[lang]}.** ${problem.explanation}`, '');
  if (problem.remediation !== '') lines.push(`**${REPORT_TEXTS.whatToDo[lang]}.** ${problem.remediation}`, '');
  if (problem.suggestedRecord !== null) {
    lines.push(
      `**${REPORT_TEXTS.record[lang]}${colon(lang).trimEnd()}**`,
      '',
      ...codeBlock(problem.suggestedRecord),
      '',
    );
  }
  lines.push(link(REPORT_TEXTS.learnMore[lang], problem.docs), '');
  return lines;
}

function domainLines(domain: ReportDomain, lang: Lang): string[] {
  const lines = [`## ${escapeMarkdown(displayDomain(domain.domain))}`, ''];
  for (const problem of [...domain.problems, ...domain.acknowledged]) lines.push(...problemLines(problem, lang));
  for (const group of groupUndecided(domain.undecided)) {
    const cause = group.cause === null ? '' : ` (${escapeMarkdown(UNDECIDED_CAUSES[group.cause][lang])})`;
    const checks = group.parts.map((part) => `\`${part.check}\`${subjectSuffix(part.subject ?? '')}`).join(', ');
    lines.push(
      `- ${REPORT_TEXTS.undecided[lang]}${cause}${colon(lang)}${checks}`,
      `  - ${escapeMarkdown(reasonsLine(group.reasons, lang))}`,
    );
  }
  if (domain.undecided.length > 0) lines.push('');
  if (domain.problems.length + domain.acknowledged.length + domain.undecided.length === 0) {
    lines.push(REPORT_TEXTS.noProblem[lang], '');
  }
  return lines;
}

function tableLines(report: MemberReport | SummaryReport): string[] {
  const lang = report.lang;
  const header = [REPORT_TEXTS.domain[lang], ...report.checks.map((check) => `\`${check}\``)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- |').join('')}`];
  for (const domain of report.domains) {
    const cells = domain.cells.map((cell) => CELL_LABELS[cell][lang]);
    lines.push(`| ${[escapeMarkdown(displayDomain(domain.domain)), ...cells].join(' | ')} |`);
  }
  return [...lines, ''];
}

function changesLines(report: MemberReport | SummaryReport): string[] {
  const lang = report.lang;
  if (report.previousRun === null) return [];
  const lines = [`## ${REPORT_TEXTS.changesHeading[lang]}`, ''];
  if (report.changes.length === 0) lines.push(REPORT_TEXTS.noChange[lang]);
  for (const change of report.changes) {
    const severity =
      change.previousSeverity === null
        ? SEVERITY_LABELS[change.severity][lang]
        : `${SEVERITY_LABELS[change.previousSeverity][lang]} → ${SEVERITY_LABELS[change.severity][lang]}`;
    lines.push(
      `- **${CHANGE_LABELS[change.kind][lang]}** ${severity} ${escapeMarkdown(change.domain)} \`${change.id}\`${subjectSuffix(change.subject)}${colon(lang)}${escapeMarkdown(change.message)}`,
    );
  }
  return [...lines, ''];
}

function memberMarkdown(report: MemberReport): string {
  const lang = report.lang;
  const lines = [
    `# ${escapeMarkdown(render(REPORT_TEXTS.memberTitle, lang, { member: report.member }))}`,
    '',
    escapeMarkdown(runLine(report)),
    '',
    ...tableLines(report),
  ];
  for (const domain of report.domains) lines.push(...domainLines(domain, lang));
  lines.push(...changesLines(report));
  return `${lines.join('\n').trimEnd()}\n`;
}

function summaryMarkdown(report: SummaryReport): string {
  const lang = report.lang;
  const lines = [
    `# ${REPORT_TEXTS.summaryTitle[lang]}`,
    '',
    escapeMarkdown(runLine(report)),
    '',
    render(REPORT_TEXTS.totals, lang, report.totals),
    '',
  ];
  if (report.previousRun !== null) lines.push(render(REPORT_TEXTS.changeCounts, lang, report.changeCounts), '');
  lines.push(...changesLines(report), `## ${REPORT_TEXTS.worstHeading[lang]}`, '');
  if (report.worstDomains.length === 0) lines.push(REPORT_TEXTS.noProblem[lang]);
  for (const worst of report.worstDomains) {
    const member = worst.member === null ? REPORT_TEXTS.noMember[lang] : worst.member;
    lines.push(
      `- ${escapeMarkdown(displayDomain(worst.domain))} (${escapeMarkdown(member)})${colon(lang)}${render(REPORT_TEXTS.domainCounts, lang, worst.counts)}`,
    );
  }
  lines.push('', `## ${REPORT_TEXTS.acksHeading[lang]}`, '');
  if (report.acks.length === 0) lines.push(REPORT_TEXTS.noAcks[lang]);
  for (const ack of report.acks) {
    const note = render(REPORT_TEXTS.acknowledgedUntil, lang, { until: ack.until, note: ack.note });
    const expired = ack.isActive ? '' : ` (${REPORT_TEXTS.expired[lang]})`;
    lines.push(`- ${escapeMarkdown(ack.domain)} \`${ack.findingId}\`${colon(lang)}${escapeMarkdown(note)}${expired}`);
  }
  lines.push('', `## ${REPORT_TEXTS.tableHeading[lang]}`, '', ...tableLines(report));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Renders a member report or the admins' summary as Markdown (CommonMark with GFM tables). */
export function renderReportMarkdown(report: MemberReport | SummaryReport): string {
  return report.kind === 'member' ? memberMarkdown(report) : summaryMarkdown(report);
}
