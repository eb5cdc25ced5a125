import type { Lang } from '../i18n.js';
import type { Trace } from '../trace.js';
import { noticePrefix } from './notice-prefix.js';

/**
 * The `--verbose` trace: each line on stderr after facteur's prefix, so that `2>&1 | grep 'facteur: dns'` finds
 * them and stdout keeps the one JSON document of --json. Undefined without --verbose.
 */
export function stderrTrace(isVerbose: boolean | undefined, lang: Lang): Trace | undefined {
  if (isVerbose !== true) return undefined;
  const prefix = noticePrefix(lang);
  return (line) => {
    process.stderr.write(`${prefix}${typeof line === 'string' ? line : line[lang]}\n`);
  };
}
