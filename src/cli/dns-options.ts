import { createCachingResolver, type CachingResolver } from '../dns/caching-resolver.js';
import { createNetworkResolver, type NetworkResolverStats } from '../dns/network-resolver.js';

/** The run's resolver: one network client with its sockets, behind one cache shared by every domain. */
export interface RunResolver extends CachingResolver {
  /** What reached the wire: questions sent, replies that answered them. */
  networkStats(): NetworkResolverStats;
  close(): Promise<void>;
}

/** Builds the run's resolver from `--resolver`, `--timeout` and `--retries` (no servers: the system's). */
export function createDnsResolver(servers: readonly string[], timeoutMs: number, retries: number): RunResolver {
  const network = createNetworkResolver({
    ...(servers.length > 0 ? { servers: [...servers] } : {}),
    timeoutMs,
    retries,
  });
  const cache = createCachingResolver(network);
  return {
    query: (name, type, options) => cache.query(name, type, options),
    stats: () => cache.stats(),
    networkStats: () => network.stats(),
    close: () => network.close(),
  };
}
