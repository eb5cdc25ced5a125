import type { CellState, ReportChange } from '../commands/build-report.js';
import type { Severity } from '../checks/types.js';
import type { Lang, Text } from '../i18n.js';

/** The colon after a label: French sets a (no-break) space before it. */
export function colon(lang: Lang): string {
  return lang === 'fr' ? '\u00a0: ' : ': ';
}

/** The words of `facteur report`, shared by its text, Markdown and HTML renderers so they cannot drift apart. */
export const REPORT_TEXTS = {
  memberTitle: { en: 'Mail health report: {member}', fr: 'Bilan de santé du courrier : {member}' },
  summaryTitle: { en: 'Mail health summary', fr: 'Synthèse de santé du courrier' },
  run: { en: 'Run {id} of {startedAt}', fr: 'Passage {id} du {startedAt}' },
  comparedWith: { en: 'compared with run {id} of {startedAt}', fr: 'comparé au passage {id} du {startedAt}' },
  noPrevious: { en: 'no earlier run to compare with', fr: 'aucun passage antérieur pour comparer' },
  noProblem: { en: 'No problem found', fr: 'Aucun problème détecté' },
  why: { en: 'Why it matters', fr: 'Pourquoi c’est important' },
  whatToDo: { en: 'What to do', fr: 'Que faire' },
  record: { en: 'Record to publish', fr: 'Enregistrement à publier' },
  learnMore: { en: 'Learn more', fr: 'En savoir plus' },
  acknowledgedUntil: { en: 'Acknowledged until {until}: {note}', fr: 'Pris en compte jusqu’au {until} : {note}' },
  acknowledgedHeading: { en: 'Acknowledged problems', fr: 'Problèmes pris en compte' },
  undecided: { en: 'Could not be checked', fr: 'Impossible à vérifier' },
  changesHeading: { en: 'What changed since the previous run', fr: 'Ce qui a changé depuis le passage précédent' },
  noChange: { en: 'Nothing changed', fr: 'Aucun changement' },
  worstHeading: { en: 'Domains with the most problems', fr: 'Domaines les plus en difficulté' },
  acksHeading: { en: 'Acknowledgements', fr: 'Problèmes pris en compte' },
  noAcks: { en: 'No acknowledgement', fr: 'Aucun problème pris en compte' },
  expired: { en: 'expired', fr: 'expiré' },
  tableHeading: { en: 'Domains and checks', fr: 'Domaines et vérifications' },
  tableCaption: {
    en: 'State of each check on each domain: OK, problem, acknowledged or unknown',
    fr: 'État de chaque vérification pour chaque domaine : OK, problème, pris en compte ou inconnu',
  },
  domain: { en: 'Domain', fr: 'Domaine' },
  member: { en: 'Member', fr: 'Adhérent' },
  noMember: { en: '(no member)', fr: '(sans adhérent)' },
  plotHeading: { en: 'Findings by severity over the nights', fr: 'Constats par gravité au fil des nuits' },
  plotNumbers: { en: 'The numbers, night by night', fr: 'Les chiffres, nuit par nuit' },
  plotAxisX: { en: 'Night', fr: 'Nuit' },
  plotAxisY: { en: 'Findings', fr: 'Constats' },
  plotPoint: {
    en: '{startedAt}: {count} {severity}',
    fr: '{startedAt} : {count} {severity}',
  },
  totals: {
    en: '{domains|domain|domains} of {members|member|members}: {error|error|errors}, {warning|warning|warnings}, {info|note|notes}, {acknowledged} acknowledged, {undecided|check|checks} undecided',
    fr: '{domains|domaine|domaines} de {members|adhérent|adhérents} : {error|erreur|erreurs}, {warning|avertissement|avertissements}, {info|remarque|remarques}, {acknowledged} pris en compte, {undecided|vérification indécise|vérifications indécises}',
  },
  changeCounts: {
    en: '{new} new, {worsened} worse, {acknowledged} acknowledged, {improved} better, {resolved} fixed, {carried} kept while undecided',
    fr: '{new|nouveau|nouveaux}, {worsened|aggravé|aggravés}, {acknowledged} pris en compte, {improved|amélioré|améliorés}, {resolved|corrigé|corrigés}, {carried|conservé|conservés} faute de réponse',
  },
  domainCounts: {
    en: '{error|error|errors}, {warning|warning|warnings}, {info|note|notes}',
    fr: '{error|erreur|erreurs}, {warning|avertissement|avertissements}, {info|remarque|remarques}',
  },
} satisfies Record<string, Text>;

/** Severity labels, as a word (tables and lists). */
export const SEVERITY_LABELS: Record<Severity, Text> = {
  error: { en: 'Error', fr: 'Erreur' },
  warning: { en: 'Warning', fr: 'Avertissement' },
  info: { en: 'Note', fr: 'Remarque' },
};

/** Severity names in the plural, for the plot's legend and point titles. */
export const SEVERITY_PLURALS: Record<Severity, Text> = {
  error: { en: 'errors', fr: 'erreurs' },
  warning: { en: 'warnings', fr: 'avertissements' },
  info: { en: 'notes', fr: 'remarques' },
};

/** What a table cell says: words, so the state never rests on colour alone. */
export const CELL_LABELS: Record<CellState, Text> = {
  pass: { en: 'OK', fr: 'OK' },
  fail: { en: 'Problem', fr: 'Problème' },
  unknown: { en: 'Unknown', fr: 'Inconnu' },
  acked: { en: 'Acknowledged', fr: 'Pris en compte' },
};

/** Labels of the kinds of change. */
export const CHANGE_LABELS: Record<ReportChange['kind'], Text> = {
  new: { en: 'New', fr: 'Nouveau' },
  worsened: { en: 'Worse', fr: 'Aggravé' },
  acknowledged: { en: 'Acknowledged', fr: 'Pris en compte' },
  improved: { en: 'Better', fr: 'Amélioré' },
  resolved: { en: 'Fixed', fr: 'Corrigé' },
};
