import { parseServerAddress } from '../dns/network-resolver.js';
import { InputError } from '../errors.js';
import type { SectionContext } from './config-problems.js';

/** The `dns` section: which resolvers to ask and how patiently. */
export interface DnsSection {
  /** `host[:port]` of each resolver, as `--resolver` takes them. */
  resolvers?: string[];
  timeout?: number;
  retries?: number;
}

/** A minute per answer is already far past any resolver's own timeout; more only hides a dead server. */
const MAX_TIMEOUT_MS = 60_000;
/** Ten retries of a silent server make a night of waiting; past that, fix the resolver. */
const MAX_RETRIES = 10;

/** Parses `dns: { resolvers, timeout, retries }`. */
export function parseDnsSection(value: unknown, path: string, { problems }: SectionContext): DnsSection | undefined {
  const raw = problems.object(value, path, ['resolvers', 'timeout', 'retries']);
  if (raw === undefined) return undefined;
  const resolvers = problems.list(raw.resolvers, `${path}.resolvers`, (entry, entryPath) => {
    const text = problems.string(entry, entryPath);
    if (text === undefined) return undefined;
    try {
      parseServerAddress(text);
      return text;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.add(entryPath, {
        en: `must be "host" or "host:port": ${error.message}`,
        fr: `doit être « hôte » ou « hôte:port » : ${error.text.fr}`,
      });
      return undefined;
    }
  });
  const timeout = problems.integer(raw.timeout, `${path}.timeout`, 1, MAX_TIMEOUT_MS);
  const retries = problems.integer(raw.retries, `${path}.retries`, 0, MAX_RETRIES);
  return {
    ...(resolvers === undefined ? {} : { resolvers }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(retries === undefined ? {} : { retries }),
  };
}
