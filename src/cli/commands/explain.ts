import type { Command } from 'commander';
import { ALL_CHECKS } from '../../checks/registry.js';
import type { Check, FindingMeta } from '../../checks/types.js';
import { InputError } from '../../errors.js';
import { renderWithoutValues, type Lang, type Text } from '../../i18n.js';
import { OPTION_HELP, langOption } from '../options.js';
import { closestMatch } from '../../config/closest-match.js';

/** Finds the check that reports a finding id, with that finding's texts. */
export function findFinding(id: string): { check: Check; meta: FindingMeta } | undefined {
  for (const check of ALL_CHECKS) {
    const meta = check.findings[id];
    if (meta !== undefined) return { check, meta };
  }
  return undefined;
}

/** The known finding id a misspelt one most likely meant, or null. */
export function nearestFindingId(id: string): string | null {
  return closestMatch(
    id,
    ALL_CHECKS.flatMap((check) => Object.keys(check.findings)),
  );
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
        const area = id.split('.')[0] ?? '';
        const nearest = nearestFindingId(id);
        const near = ALL_CHECKS.flatMap((check) => Object.keys(check.findings)).filter((known) =>
          known.startsWith(`${area}.`),
        );
        let hint = near.length > 0 ? `; known ids of "${area}": ${near.join(', ')}` : '';
        let hintFr = near.length > 0 ? ` ; identifiants connus pour « ${area} » : ${near.join(', ')}` : '';
        if (nearest !== null) {
          hint = `; did you mean "${nearest}"?`;
          hintFr = ` ; vouliez-vous dire « ${nearest} » ?`;
        }
        throw new InputError({
          en: `Cannot explain "${id}": no such finding id${hint}`,
          fr: `Impossible d’expliquer « ${id} » : cet identifiant de constat n’existe pas${hintFr}`,
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
          : `${id} (${meta.severity}, ${check.id})\n${text.title}\n\n${text.explanation}\n\n${text.remediation}\n\n${check.rfc}\n`,
      );
    });
}
