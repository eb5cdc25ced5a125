import { render, type Lang, type Text } from '../i18n.js';
import type { Finding, FindingMeta } from './types.js';

/**
 * Said after the title of a finding whose record goes at the canonical name of an alias (values `alias` and
 * `canonicalName`, from recordOwner()): the suggested record names another domain than the member's, and says why.
 */
const ALIAS_NOTE: Text = {
  en: '{title} ("{alias}" is an alias of "{canonicalName}": its records go there)',
  fr: '{title} (« {alias} » est un alias de « {canonicalName} » : ses enregistrements vont là)',
};

/** The title of a finding id rendered from its values, with the alias note when the values name an alias. */
export function renderFindingTitle(
  meta: Pick<FindingMeta, 'title'>,
  lang: Lang,
  values: Record<string, string | number> = {},
): string {
  const title = render(meta.title, lang, values);
  return values.alias === undefined || values.canonicalName === undefined
    ? title
    : render(ALIAS_NOTE, lang, { ...values, title });
}

/**
 * A finding's one-line title in `lang`: rendered again from its values when its check still declares the id, else
 * the message as recorded (a finding recorded before schema 11, or an id this facteur no longer knows).
 */
export function findingTitle(
  finding: Pick<Finding, 'message' | 'values'>,
  meta: FindingMeta | undefined,
  lang: Lang,
): string {
  return meta === undefined || finding.values === undefined
    ? finding.message
    : renderFindingTitle(meta, lang, finding.values);
}
