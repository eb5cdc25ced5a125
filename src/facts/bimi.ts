import type { GatherContext } from '../checks/types.js';
import { isBimiCandidate } from '../parse/parse-bimi-record.js';
import { organisationalDomain } from './dmarc.js';
import { txtAt, type TxtRecordsFact } from './mail-tls-records.js';

declare module './fact-map.js' {
  interface FactMap {
    bimi: TxtRecordsFact;
  }
}

/**
 * The BIMI records of the `default` selector: at `default._bimi.<domain>`, else, when the domain has none, at its
 * organisational domain's, as receivers look them up.
 */
export async function gatherBimi(context: GatherContext): Promise<TxtRecordsFact> {
  const own = await txtAt(context, `default._bimi.${context.domain}`);
  const organisational = organisationalDomain(context.domain);
  if (own.records.some(isBimiCandidate) || organisational === context.domain) return own;
  return txtAt(context, `default._bimi.${organisational}`);
}
