import { childPath, type SectionContext } from './config-problems.js';
import { findingIdProblem } from './finding-id.js';

/** The `docs` section: where the hoster's wiki explains each finding. */
export interface DocsSection {
  /** The finding id is appended to it: `https://wiki.example/facteur/` + `spf.too_many_lookups`. */
  baseUrl?: string;
  /** Pages for single finding ids, winning over `baseUrl`. */
  perId?: Record<string, string>;
}

/**
 * The id is appended as is, so the base must end where a name starts (`/`, `=`, `:`, `#`, …): without it,
 * "https://wiki.example/facteur" would give ".../facteurspf.too_many_lookups", a page nobody wrote.
 */
const ENDS_BEFORE_A_NAME = /[^A-Za-z0-9]$/;

/** Parses `docs: { baseUrl, perId: { "<finding id>": url } }`; an id no check reports is refused, with the nearest. */
export function parseDocsSection(value: unknown, path: string, { problems }: SectionContext): DocsSection | undefined {
  const raw = problems.object(value, path, ['baseUrl', 'perId']);
  if (raw === undefined) return undefined;
  const baseUrl = problems.webUrl(raw.baseUrl, `${path}.baseUrl`);
  if (baseUrl !== undefined && !ENDS_BEFORE_A_NAME.test(baseUrl))
    problems.add(`${path}.baseUrl`, {
      en: `must end with "/" (or "=", ":", "#") since the finding id is appended to it`,
      fr: `doit finir par « / » (ou « = », « : », « # ») puisque l’identifiant du constat y est ajouté`,
    });
  let perId: Record<string, string> | undefined;
  const perIdPath = `${path}.perId`;
  const rawPerId = problems.map(raw.perId, perIdPath);
  if (rawPerId !== undefined) {
    perId = {};
    for (const [id, url] of Object.entries(rawPerId)) {
      const idPath = childPath(perIdPath, id);
      const problem = findingIdProblem(id);
      if (problem !== null) {
        problems.add(idPath, problem);
        continue;
      }
      const checked = problems.webUrl(url, idPath);
      if (checked !== undefined) perId[id] = checked;
    }
  }
  return {
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(perId === undefined ? {} : { perId }),
  };
}
