import type { GatherContext } from '../checks/types.js';

/** Per gather context (one per domain in a run), the work already started, by key. */
const started = new WeakMap<GatherContext, Map<string, Promise<unknown>>>();

/**
 * Runs `fn` once per domain and key: the mx, dane, blocklists and spf gatherers all start from the domain's MX hosts
 * and their addresses, and the cache already spares the DNS servers, but not the lookups, sorting and copying
 * each gatherer would otherwise redo. Forgotten with the domain's context, unlike the run-wide `once`.
 */
export function perDomain<T>(context: GatherContext, key: string, fn: () => Promise<T>): Promise<T> {
  let byKey = started.get(context);
  if (byKey === undefined) {
    byKey = new Map();
    started.set(context, byKey);
  }
  let promise = byKey.get(key) as Promise<T> | undefined;
  if (promise === undefined) {
    promise = fn();
    byKey.set(key, promise);
  }
  return promise;
}
