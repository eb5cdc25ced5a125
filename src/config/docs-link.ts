import type { DocsLink } from '../checks/types.js';
import type { DocsSection } from './parse-docs-section.js';

/**
 * The docs link of every finding, decided here alone: the wiki page named for its id, else the wiki base URL with the
 * id appended, else the RFC section its check enforces (STYLE.md).
 */
export function docsLink(docs: DocsSection | undefined): DocsLink {
  return (findingId, check) => {
    const page = docs?.perId?.[findingId];
    if (page !== undefined) return page;
    return docs?.baseUrl === undefined ? check.rfc : `${docs.baseUrl}${findingId}`;
  };
}
