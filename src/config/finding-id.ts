import { ALL_CHECKS } from '../checks/registry.js';
import { closestMatch } from './closest-match.js';

/** Every finding id a check of this facteur reports. */
const FINDING_IDS = ALL_CHECKS.flatMap((check) => Object.keys(check.findings));

/** Why `id` is no finding id, with the nearest known one; null when it is one. */
export function findingIdProblem(id: string): string | null {
  if (FINDING_IDS.includes(id)) return null;
  const suggestion = closestMatch(id, FINDING_IDS);
  return `is not a finding id (${suggestion === null ? '"facteur explain" lists them' : `did you mean "${suggestion}"?`})`;
}
