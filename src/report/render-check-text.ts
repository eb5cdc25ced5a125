import type { CheckReport } from '../commands/run-check.js';
import type { Severity } from '../checks/types.js';
import { groupUndecided, reasonsLine, UNDECIDED_CAUSES, undecidedParts } from '../checks/undecided.js';
import type { Lang, Text } from '../i18n.js';
import { render } from '../i18n.js';
import { colon } from './render-report-labels.js';

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

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Renders a check report for people: one block per domain, worst first within it, then a summary line. The rows of the
 * members file that could not be used are not here: the command says them on stderr, where cron mails them.
 */
export function renderCheckText(report: CheckReport, lang: Lang): string {
  const lines: string[] = [];
  for (const result of report.domains) {
    lines.push(result.member === null ? result.domain : `${result.domain} (${result.member})`);
    const findings = result.checks
      .flatMap((check) => check.findings)
      .sort((a, b) => RANK[a.severity] - RANK[b.severity]);
    for (const finding of findings) {
      const subject = finding.subject === '' ? '' : ` [${finding.subject}]`;
      lines.push(`  ${LABELS[finding.severity][lang]} ${finding.id}${subject}${colon(lang)}${finding.message}`);
      if (finding.suggestedRecord !== undefined) lines.push(`      ${finding.suggestedRecord}`);
      lines.push(`      ${finding.docs}`);
    }
    // One line per cause, naming the checks it left undecided: a resolver down stops a dozen checks of each domain.
    for (const group of groupUndecided(undecidedParts(result.checks))) {
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
  lines.push(
    render(SUMMARY, lang, {
      domains: report.summary.domains,
      ...report.summary.findings,
      unknown: report.summary.unknownChecks,
    }),
  );
  return `${lines.join('\n')}\n`;
}
