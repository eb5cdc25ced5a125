import { ALL_CHECKS } from '../checks/registry.js';
import type { Text } from '../i18n.js';
import { closestMatch } from './closest-match.js';

/** Every finding id a check of this facteur reports. */
export const FINDING_IDS = ALL_CHECKS.flatMap((check) => Object.keys(check.findings));

/** The known finding id a misspelt one most likely meant, or null. */
export function nearestFindingId(id: string): string | null {
  return closestMatch(id, FINDING_IDS);
}

/** Why `id` is no finding id, with the nearest known one; null when it is one. Completes "`id` …". */
export function findingIdProblem(id: string): Text | null {
  if (FINDING_IDS.includes(id)) return null;
  const suggestion = nearestFindingId(id);
  return suggestion === null
    ? {
        en: 'is not a finding id ("facteur explain" lists them)',
        fr: 'n’est pas un identifiant de constat (« facteur explain » les liste)',
      }
    : {
        en: `is not a finding id (did you mean "${suggestion}"?)`,
        fr: `n’est pas un identifiant de constat (vouliez-vous dire « ${suggestion} » ?)`,
      };
}
