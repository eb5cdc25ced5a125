import { render, type Lang } from '../i18n.js';
import type { Finding, FindingMeta } from './types.js';

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
    : render(meta.title, lang, finding.values);
}
