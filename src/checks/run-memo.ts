/** Computes a value once per run and key; see createRunMemo(). */
export type RunMemo = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The run's `once`: work shared by every domain of a run (a blocklist's test point, a provider's SPF record, an MX
 * host many members point to) starts once, and every domain awaits the same promise. A rejected promise (a DNS
 * failure thrown as DnsLookupError) is handed to those already waiting, then forgotten, as the caching resolver
 * forgets a failed answer: a later domain asks again rather than inheriting one bad moment for the rest of the run.
 */
export function createRunMemo(): RunMemo {
  const memo = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const known = memo.get(key) as Promise<T> | undefined;
    if (known !== undefined) return known;
    const started = fn();
    memo.set(key, started);
    started.catch(() => {
      if (memo.get(key) === started) memo.delete(key);
    });
    return started;
  };
}
