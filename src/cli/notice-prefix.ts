import type { Lang } from '../i18n.js';

/** What starts each line facteur writes for people on stderr: French sets a space before the colon. */
export function noticePrefix(lang: Lang): string {
  return lang === 'fr' ? 'facteur : ' : 'facteur: ';
}
