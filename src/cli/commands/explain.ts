import type { Command } from 'commander';
import { ALL_CHECKS } from '../../checks/registry.js';
import type { Check, FindingMeta } from '../../checks/types.js';
import { InputError } from '../../errors.js';
import { renderWithoutValues, type Lang, type Text } from '../../i18n.js';
import { OPTION_HELP, langOption } from '../options.js';
import { FINDING_IDS, nearestFindingId } from '../../config/finding-id.js';
import { SEVERITY_LABELS } from '../../report/render-report-labels.js';

/** Finds the check that reports a finding id, with that finding's texts. */
export function findFinding(id: string): { check: Check; meta: FindingMeta } | undefined {
  for (const check of ALL_CHECKS) {
    const meta = check.findings[id];
    if (meta !== undefined) return { check, meta };
  }
  return undefined;
}

/** What follows "no such finding id": the id meant when one is near, else the known ids of its area, if any. */
function idHint(id: string): Text {
  const nearest = nearestFindingId(id);
  if (nearest !== null) return { en: `; did you mean "${nearest}"?`, fr: ` ; vouliez-vous dire « ${nearest} » ?` };
  const area = id.split('.')[0] ?? '';
  const near = FINDING_IDS.filter((known) => known.startsWith(`${area}.`)).join(', ');
  if (near === '') return { en: '', fr: '' };
  return { en: `; known ids of "${area}": ${near}`, fr: ` ; identifiants connus pour « ${area} » : ${near}` };
}

/** The help of `facteur explain`. */
const HELP = {
  description: {
    en: 'Explain a finding id (what it means, why it matters, what to do), or list them all',
    fr: 'Expliquer un identifiant de constat (ce qu’il signifie, pourquoi c’est important, que faire), ou les lister tous',
  },
  id: {
    en: 'finding id, e.g. dmarc.policy_none; none lists every id',
    fr: 'identifiant de constat, par ex. dmarc.policy_none ; sans lui, tous les identifiants sont listés',
  },
} satisfies Record<string, Text>;

/** Adds `facteur explain <id>`: the texts of a finding, from its check's file; its help in `helpLang`. */
export function registerExplain(program: Command, helpLang: Lang): void {
  program
    .command('explain')
    .description(HELP.description[helpLang])
    .argument('[id]', HELP.id[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .option('--lang <lang>', OPTION_HELP.lang[helpLang])
    .action((id: string | undefined, options: { json: boolean; lang?: string }) => {
      const lang = langOption(options.lang);
      if (id === undefined) {
        const all = ALL_CHECKS.flatMap((check) =>
          Object.entries(check.findings).map(([findingId, meta]) => ({
            id: findingId,
            check: check.id,
            severity: meta.severity,
          })),
        );
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ schemaVersion: 1, findings: all }, null, 2)}\n`
            : all.map((entry) => `${entry.id}\t${entry.severity}\t${entry.check}`).join('\n') + '\n',
        );
        return;
      }
      const found = findFinding(id);
      if (found === undefined) {
        const hint = idHint(id);
        throw new InputError({
          en: `Cannot explain "${id}": no such finding id${hint.en}`,
          fr: `Impossible d’expliquer « ${id} » : cet identifiant de constat n’existe pas${hint.fr}`,
        });
      }
      const { check, meta } = found;
      const text = {
        id,
        check: check.id,
        severity: meta.severity,
        title: renderWithoutValues(meta.title, lang),
        explanation: meta.explanation[lang],
        remediation: meta.remediation[lang],
        rfc: check.rfc,
      };
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ schemaVersion: 1, ...text }, null, 2)}\n`
          : `${id} (${SEVERITY_LABELS[meta.severity][lang].toLowerCase()}, ${check.id})\n${text.title}\n\n${text.explanation}\n\n${text.remediation}\n\n${check.rfc}\n`,
      );
    });
}
