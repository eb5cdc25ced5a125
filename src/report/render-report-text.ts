import { displayDomain } from './display-domain.js';
import type {
  MemberReport,
  ReportChange,
  ReportDomain,
  ReportProblem,
  SummaryReport,
} from '../commands/build-report.js';
import { groupUndecided, reasonsLine, UNDECIDED_CAUSES } from '../checks/undecided.js';
import { render, type Lang } from '../i18n.js';
import { plainText } from '../plain-text.js';
import { CHANGE_LABELS, colon, REPORT_TEXTS, SEVERITY_LABELS } from './render-report-labels.js';

/** A run's start for people: `2026-11-23 02:00 UTC`. */
export function readableTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** The header line shared by the member report and the summary: which run, compared with which. */
export function runLine(report: MemberReport | SummaryReport): string {
  const lang = report.lang;
  const current = render(REPORT_TEXTS.run, lang, { id: report.run.id, startedAt: readableTime(report.run.startedAt) });
  const previous =
    report.previousRun === null
      ? REPORT_TEXTS.noPrevious[lang]
      : render(REPORT_TEXTS.comparedWith, lang, {
          id: report.previousRun.id,
          startedAt: readableTime(report.previousRun.startedAt),
        });
  return `${current}, ${previous}`;
}

function subjectSuffix(subject: string): string {
  return subject === '' ? '' : ` [${plainText(subject)}]`;
}

function problemLines(problem: ReportProblem, lang: Lang): string[] {
  const lines = [
    `  ${SEVERITY_LABELS[problem.severity][lang].toUpperCase()} ${problem.id}${subjectSuffix(problem.subject)}${colon(lang)}${plainText(problem.message)}`,
  ];
  if (problem.ack !== null) {
    lines.push(`    ${plainText(render(REPORT_TEXTS.acknowledgedUntil, lang, { ...problem.ack }))}`);
  }
  if (problem.explanation !== '') lines.push(`    ${REPORT_TEXTS.why[lang]}${colon(lang)}${problem.explanation}`);
  if (problem.remediation !== '') lines.push(`    ${REPORT_TEXTS.whatToDo[lang]}${colon(lang)}${problem.remediation}`);
  if (problem.suggestedRecord !== null) {
    lines.push(
      `    ${REPORT_TEXTS.record[lang]}${colon(lang).trimEnd()}`,
      `      ${plainText(problem.suggestedRecord)}`,
    );
  }
  lines.push(`    ${REPORT_TEXTS.learnMore[lang]}${colon(lang)}${plainText(problem.docs)}`);
  return lines;
}

function domainLines(domain: ReportDomain, lang: Lang): string[] {
  const lines = [plainText(displayDomain(domain.domain))];
  for (const problem of domain.problems) lines.push(...problemLines(problem, lang));
  for (const problem of domain.acknowledged) lines.push(...problemLines(problem, lang));
  for (const group of groupUndecided(domain.undecided)) {
    const cause = group.cause === null ? '' : ` (${UNDECIDED_CAUSES[group.cause][lang]})`;
    const checks = group.parts.map((part) => `${part.check}${subjectSuffix(part.subject ?? '')}`).join(', ');
    lines.push(
      `  ${REPORT_TEXTS.undecided[lang]}${cause}${colon(lang)}${checks}`,
      `    ${plainText(reasonsLine(group.reasons, lang))}`,
    );
  }
  if (domain.problems.length + domain.acknowledged.length + domain.undecided.length === 0) {
    lines.push(`  ${REPORT_TEXTS.noProblem[lang]}`);
  }
  return lines;
}

/** One line of a change, e.g. `New Error example.org dmarc.missing: No DMARC record…`. */
export function changeLine(change: ReportChange, lang: Lang): string {
  const severity =
    change.previousSeverity === null
      ? SEVERITY_LABELS[change.severity][lang]
      : `${SEVERITY_LABELS[change.previousSeverity][lang]} → ${SEVERITY_LABELS[change.severity][lang]}`;
  return `${CHANGE_LABELS[change.kind][lang]} ${severity} ${plainText(change.domain)} ${change.id}${subjectSuffix(change.subject)}${colon(lang)}${plainText(change.message)}`;
}

function changesLines(report: MemberReport | SummaryReport): string[] {
  const lang = report.lang;
  if (report.previousRun === null) return [];
  const lines = ['', REPORT_TEXTS.changesHeading[lang]];
  if (report.changes.length === 0) lines.push(`  ${REPORT_TEXTS.noChange[lang]}`);
  for (const change of report.changes) lines.push(`  ${changeLine(change, lang)}`);
  return lines;
}

function memberText(report: MemberReport): string {
  const lang = report.lang;
  const lines = [plainText(render(REPORT_TEXTS.memberTitle, lang, { member: report.member })), runLine(report), ''];
  for (const domain of report.domains) lines.push(...domainLines(domain, lang), '');
  lines.push(...changesLines(report));
  return `${lines.join('\n').trimEnd()}\n`;
}

function summaryText(report: SummaryReport): string {
  const lang = report.lang;
  const lines = [REPORT_TEXTS.summaryTitle[lang], runLine(report), render(REPORT_TEXTS.totals, lang, report.totals)];
  if (report.previousRun !== null) lines.push(render(REPORT_TEXTS.changeCounts, lang, report.changeCounts));
  lines.push(...changesLines(report));
  lines.push('', REPORT_TEXTS.worstHeading[lang]);
  if (report.worstDomains.length === 0) lines.push(`  ${REPORT_TEXTS.noProblem[lang]}`);
  for (const worst of report.worstDomains) {
    const member = worst.member === null ? REPORT_TEXTS.noMember[lang] : worst.member;
    lines.push(
      `  ${plainText(displayDomain(worst.domain))} (${plainText(member)})${colon(lang)}${render(REPORT_TEXTS.domainCounts, lang, worst.counts)}`,
    );
  }
  lines.push('', REPORT_TEXTS.acksHeading[lang]);
  if (report.acks.length === 0) lines.push(`  ${REPORT_TEXTS.noAcks[lang]}`);
  for (const ack of report.acks) {
    const note = render(REPORT_TEXTS.acknowledgedUntil, lang, { until: ack.until, note: ack.note });
    const expired = ack.isActive ? '' : ` (${REPORT_TEXTS.expired[lang]})`;
    lines.push(`  ${plainText(ack.domain)} ${plainText(ack.findingId)}${colon(lang)}${plainText(note)}${expired}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders a member report or the admins' summary as plain text. */
export function renderReportText(report: MemberReport | SummaryReport): string {
  return report.kind === 'member' ? memberText(report) : summaryText(report);
}
