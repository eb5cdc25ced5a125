import type { Command } from 'commander';
import { createCachingResolver, type CachingResolver } from '../dns/caching-resolver.js';
import { createNetworkResolver, type NetworkResolverStats } from '../dns/network-resolver.js';
import type { Lang } from '../i18n.js';
import type { Trace } from '../trace.js';
import { OPTION_HELP, nonNegativeInt, positiveInt, repeatable } from './options.js';

/** `--resolver`, `--timeout`, `--retries` and `--verbose` as commander hands them over. */
export interface DnsOptions {
  resolver?: string[];
  timeout: number;
  retries: number;
  verbose?: boolean;
}

/**
 * Adds `--resolver`, `--timeout` and `--retries` with the network resolver's defaults, and `--verbose`, their help in
 * `helpLang`. `check` declares its own: its defaults come from the config.
 */
export function addDnsOptions(command: Command, helpLang: Lang): Command {
  return command
    .option('--resolver <host[:port]>', OPTION_HELP.resolver[helpLang], repeatable)
    .option('--timeout <ms>', OPTION_HELP.timeout[helpLang], positiveInt, 3000)
    .option('--retries <n>', OPTION_HELP.retries[helpLang], nonNegativeInt, 2)
    .option('--verbose', OPTION_HELP.verbose[helpLang]);
}

/** The run's resolver: one network client with its sockets, behind one cache shared by every domain. */
export interface RunResolver extends CachingResolver {
  /** What reached the wire: questions sent, replies that answered them. */
  networkStats(): NetworkResolverStats;
  close(): Promise<void>;
}

/**
 * Builds the run's resolver from `--resolver`, `--timeout` and `--retries` (no servers: the system's); `trace`, from
 * `--verbose`, hears of every exchange on the wire (cached answers ask nothing).
 */
export function createDnsResolver(
  servers: readonly string[],
  timeoutMs: number,
  retries: number,
  trace?: Trace,
): RunResolver {
  const network = createNetworkResolver({
    ...(servers.length > 0 ? { servers: [...servers] } : {}),
    timeoutMs,
    retries,
    ...(trace === undefined ? {} : { trace }),
  });
  const cache = createCachingResolver(network);
  return {
    query: (name, type, options) => cache.query(name, type, options),
    forDomain: (domain) => cache.forDomain(domain),
    stats: () => cache.stats(),
    networkStats: () => network.stats(),
    close: () => network.close(),
  };
}
