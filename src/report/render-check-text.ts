import type { CheckReport } from '../commands/run-check.js';
import { displayDomain } from './display-domain.js';
import type { Severity } from '../checks/types.js';
import { groupUndecided, reasonsLine, UNDECIDED_CAUSES, undecidedParts } from '../checks/undecided.js';
import type { Lang, Text } from '../i18n.js';
import { render } from '../i18n.js';
import { plainText } from '../plain-text.js';
import { colon, REPORT_TEXTS } from './render-report-labels.js';

const LABELS: Record<Severity | 'unknown' | 'ok', Text> = {
  error: { en: 'ERROR', fr: 'ERREUR' },
  warning: { en: 'WARNING', fr: 'AVERTISSEMENT' },
  info: { en: 'INFO', fr: 'INFO' },
  unknown: { en: 'UNKNOWN', fr: 'INCONNU' },
  ok: { en: 'all checks passed', fr: 'toutes les vérifications sont bonnes' },
};

const SUMMARY: Text = {
  en: '{domains|domain|domains}: {error|error|errors}, {warning|warning|warnings}, {info|note|notes}, {unknown|check|checks} undecided',
  fr: '{domains|domaine|domaines} : {error|erreur|erreurs}, {warning|avertissement|avertissements}, {info|remarque|remarques}, {unknown|vérification indécise|vérifications indécises}',
};

const MORE_REASONS: Text = {
  en: 'and {count|other reason|other reasons} (--json lists them all)',
  fr: 'et {count|autre raison|autres raisons} (--json les donne toutes)',
};

const INTERRUPTED: Text = {
  en: 'INTERRUPTED: the run was stopped before checking {count|domain|domains}',
  fr: 'INTERROMPU : le passage a été arrêté avant de vérifier {count|domaine|domaines}',
};

/** A run stopped once every domain had started: only what the domains in flight still waited for is missing. */
const INTERRUPTED_IN_FLIGHT: Text = {
  en: 'INTERRUPTED: the run was stopped while checking its last domains; what they still waited for is undecided',
  fr: 'INTERROMPU : le passage a été arrêté pendant la vérification de ses derniers domaines ; ce qu’ils attendaient encore est indécis',
};

const MORE_UNCHECKED: Text = {
  en: 'and {count|other|others} (--json lists them all)',
  fr: 'et {count|autre|autres} (--json les donne tous)',
};

/**
 * Unchecked domains a text report names before it counts the rest: a nightly run of thousands stopped early would
 * otherwise bury the report under the names, and the cron mail needs only to say which ones are missing.
 */
const UNCHECKED_SHOWN = 20;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Renders a check report for people: one block per domain, worst first within it, then, when the run was stopped,
 * the domains it did not check, then a summary line. The rows of the members file that could not be used are not
 * here: the command says them on stderr, where cron mails them. Control characters from DNS data or the members file
 * are replaced (plainText).
 */
export function renderCheckText(report: CheckReport, lang: Lang): string {
  const lines: string[] = [];
  for (const result of report.domains) {
    const domain = displayDomain(result.domain);
    lines.push(result.member === null ? domain : `${domain} (${result.member})`);
    const findings = result.checks
      .flatMap((check) => check.findings)
      .sort((a, b) => RANK[a.severity] - RANK[b.severity]);
    for (const finding of findings) {
      const subject = finding.subject === '' ? '' : ` [${finding.subject}]`;
      lines.push(`  ${LABELS[finding.severity][lang]} ${finding.id}${subject}${colon(lang)}${finding.message}`);
      if (finding.suggestedRecord !== undefined)
        lines.push(`      ${REPORT_TEXTS.record[lang]}${colon(lang)}${finding.suggestedRecord}`);
      lines.push(`      ${finding.docs}`);
    }
    // One line per cause, naming the checks it left undecided: a resolver down stops a dozen checks of each domain.
    for (const group of groupUndecided(undecidedParts(result.checks, lang))) {
      const checks = group.parts
        .map((part) => (part.subject === null ? part.check : `${part.check} [${part.subject}]`))
        .join(', ');
      const reasons = reasonsLine(group.reasons, lang, MORE_REASONS);
      if (group.cause === null) lines.push(`  ${LABELS.unknown[lang]} ${checks}${colon(lang)}${reasons}`);
      else
        lines.push(
          `  ${LABELS.unknown[lang]} ${checks}${colon(lang)}${UNDECIDED_CAUSES[group.cause][lang]}`,
          `      ${reasons}`,
        );
    }
    if (findings.length === 0 && result.checks.every((check) => check.status === 'pass')) {
      lines.push(`  ${LABELS.ok[lang]}`);
    }
  }
  if (report.interrupted) lines.push(...uncheckedLines(report, lang));
  lines.push(
    render(SUMMARY, lang, {
      domains: report.summary.domains,
      ...report.summary.findings,
      unknown: report.summary.unknownChecks,
    }),
  );
  return plainText(`${lines.join('\n')}\n`);
}

/** Says that the run was stopped and which domains it did not check, the first ones by name. */
function uncheckedLines(report: CheckReport, lang: Lang): string[] {
  const { uncheckedDomains } = report;
  if (uncheckedDomains.length === 0) return [INTERRUPTED_IN_FLIGHT[lang]];
  const lines = [render(INTERRUPTED, lang, { count: uncheckedDomains.length })];
  for (const { domain, member } of uncheckedDomains.slice(0, UNCHECKED_SHOWN))
    lines.push(`  ${member === null ? domain : `${domain} (${member})`}`);
  const more = uncheckedDomains.length - UNCHECKED_SHOWN;
  if (more > 0) lines.push(`  ${render(MORE_UNCHECKED, lang, { count: more })}`);
  return lines;
}
