import type { GatherContext } from '../checks/types.js';
import type { Fact } from '../dns/types.js';
import { DnsLookupError, lookup, txtTexts } from '../dns/types.js';
import { InputError } from '../errors.js';
import { type DkimKey, parseDkimKey } from '../parse/parse-dkim-key.js';

/**
 * What one selector's key record says, and the CNAME chain its lookup followed: a provider that rotates keys for its
 * customers (Microsoft 365, Mailjet, SendGrid…) publishes them at a name of its own, behind a CNAME.
 */
export type DkimSelectorState = (
  | { state: 'not_found' }
  | { state: 'found'; record: string; key: DkimKey }
  | { state: 'invalid'; record: string; reason: string }
) & { cnames: string[] };

/** One selector: its record name and what was found there, or why it could not be known. */
export interface DkimSelectorFact {
  selector: string;
  name: string;
  result: Fact<DkimSelectorState>;
}

/** The DKIM keys of every selector configured for the domain. */
export interface DkimFact {
  selectors: DkimSelectorFact[];
}

declare module './fact-map.js' {
  interface FactMap {
    dkim: DkimFact;
  }
}

/** Looks up `<selector>._domainkey.<domain>` for each configured selector; a timeout is that selector's own unknown. */
export async function gatherDkim(context: GatherContext): Promise<DkimFact> {
  const selectors = await Promise.all(
    context.options.dkimSelectors.map(async (selector): Promise<DkimSelectorFact> => {
      const name = `${selector}._domainkey.${context.domain}`;
      try {
        return { selector, name, result: { ok: true, value: await readSelector(context, name) } };
      } catch (error) {
        if (!(error instanceof DnsLookupError)) throw error;
        return { selector, name, result: { ok: false, error: error.failure, detail: error.reason } };
      }
    }),
  );
  return { selectors };
}

async function readSelector(context: GatherContext, name: string): Promise<DkimSelectorState> {
  const answer = await lookup(context.resolver, name, 'TXT');
  const { cnames } = answer;
  const records = txtTexts(answer);
  const [record, ...others] = records;
  if (record === undefined) return { state: 'not_found', cnames };
  // RFC 6376 3.6.2.2: with several TXT records the result is undefined; verifiers pick one at random.
  if (others.length > 0)
    return {
      state: 'invalid',
      record: records.join(' | '),
      reason: `${records.length} TXT records at one selector`,
      cnames,
    };
  try {
    return { state: 'found', record, key: parseDkimKey(record), cnames };
  } catch (error) {
    if (error instanceof InputError) return { state: 'invalid', record, reason: error.message, cnames };
    throw error;
  }
}
