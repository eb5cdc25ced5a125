import type { GatherContext } from '../checks/types.js';
import type { Fact } from '../dns/types.js';
import { captureFact, resolveAddresses } from './mx.js';

/** The addresses of the hoster's expected MX hosts, so that a member's own name for the hoster's server is recognised. */
export interface HosterMxFact {
  /** Every A/AAAA address of the expected MX hosts; empty when none is expected. */
  addresses: Fact<string[]>;
}

declare module './fact-map.js' {
  interface FactMap {
    hosterMx: HosterMxFact;
  }
}

/**
 * Resolves the expected MX hosts once per run, whatever the domain. A failed lookup is kept as a value, not thrown:
 * members naming the hoster's MX directly are judged by name and must not turn unknown with it.
 */
export async function gatherHosterMx(context: GatherContext): Promise<HosterMxFact> {
  const hosts = context.expectations?.mxHosts ?? [];
  const addresses = await context.once('hoster-mx', () =>
    captureFact(
      Promise.all(hosts.map(async (host) => (await resolveAddresses(context.resolver, host)).addresses)).then(
        (lists) => [...new Set(lists.flat())],
      ),
    ),
  );
  return { addresses };
}
