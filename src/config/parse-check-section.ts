import { SEVERITIES, type Severity } from '../checks/types.js';
import type { SectionContext } from './config-problems.js';
import { findingIdProblem } from './finding-id.js';

/** The `check` section: what `facteur check` does to every member domain unless the command line says otherwise. */
export interface CheckSection {
  concurrency?: number;
  /** DKIM selectors for members whose row names none. */
  dkimSelectors?: string[];
  /** The hoster's outbound relays, checked against every member's SPF and the IP blocklists. */
  sendingIps?: string[];
  dnsbl?: string[];
  rhsbl?: string[];
  probes?: boolean;
  failOn?: Severity;
  /** Finding ids never reported nor recorded: the hoster's policy (say, no DNSSEC advice), for every member. */
  ignore?: string[];
}

/** A thousand domains at once already keeps hundreds of DNS queries in flight; more only trips resolver rate limits. */
const MAX_CONCURRENCY = 1000;

const KEYS = ['concurrency', 'dkimSelectors', 'sendingIps', 'dnsbl', 'rhsbl', 'probes', 'failOn', 'ignore'];

/** Parses `check: { concurrency, dkimSelectors, sendingIps, dnsbl, rhsbl, probes, failOn, ignore }`. */
export function parseCheckSection(
  value: unknown,
  path: string,
  { problems }: SectionContext,
): CheckSection | undefined {
  const raw = problems.object(value, path, KEYS);
  if (raw === undefined) return undefined;
  const concurrency = problems.integer(raw.concurrency, `${path}.concurrency`, 1, MAX_CONCURRENCY);
  const dkimSelectors = problems.list(raw.dkimSelectors, `${path}.dkimSelectors`, (entry, entryPath) =>
    problems.dkimSelector(entry, entryPath),
  );
  const sendingIps = problems.list(raw.sendingIps, `${path}.sendingIps`, (entry, entryPath) =>
    problems.ipAddress(entry, entryPath),
  );
  const dnsbl = problems.list(raw.dnsbl, `${path}.dnsbl`, (entry, entryPath) => problems.hostName(entry, entryPath));
  const rhsbl = problems.list(raw.rhsbl, `${path}.rhsbl`, (entry, entryPath) => problems.hostName(entry, entryPath));
  const probes = problems.boolean(raw.probes, `${path}.probes`);
  // `info` never fails a run (STYLE.md), so it is no threshold.
  const failOn = problems.oneOf(
    raw.failOn,
    `${path}.failOn`,
    SEVERITIES.filter((severity) => severity !== 'info'),
  );
  const ignore = problems.list(raw.ignore, `${path}.ignore`, (entry, entryPath) => {
    const id = problems.string(entry, entryPath);
    if (id === undefined) return undefined;
    const problem = findingIdProblem(id);
    if (problem === null) return id;
    problems.add(entryPath, problem);
    return undefined;
  });
  return {
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(dkimSelectors === undefined ? {} : { dkimSelectors }),
    ...(sendingIps === undefined ? {} : { sendingIps }),
    ...(dnsbl === undefined ? {} : { dnsbl }),
    ...(rhsbl === undefined ? {} : { rhsbl }),
    ...(probes === undefined ? {} : { probes }),
    ...(failOn === undefined ? {} : { failOn }),
    ...(ignore === undefined ? {} : { ignore }),
  };
}
