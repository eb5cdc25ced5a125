import type { HosterExpectations } from '../checks/types.js';
import type { SectionContext } from './config-problems.js';

/** Deliberately plain, as the DMARC parser reads a `mailto:` URI: one `@`, no spaces or brackets. */
const ADDRESS = /^[^\s@<>"(),;:]+@[^\s@<>]+$/;

/**
 * Parses `expectations: { mxHosts, spfInclude, dmarcReportsTo }`, normalised the way the facts spell them (lower case,
 * no final dot, `mailto:` URI) so the checks compare plain strings.
 */
export function parseExpectationsSection(
  value: unknown,
  path: string,
  { problems }: SectionContext,
): HosterExpectations | undefined {
  const raw = problems.object(value, path, ['mxHosts', 'spfInclude', 'dmarcReportsTo']);
  if (raw === undefined) return undefined;
  const mxHosts = problems.list(
    raw.mxHosts,
    `${path}.mxHosts`,
    (entry, entryPath) => problems.hostName(entry, entryPath),
    { nonEmpty: true },
  );
  const spfInclude = problems.dnsName(raw.spfInclude, `${path}.spfInclude`);
  let dmarcReportsTo: string | undefined;
  const reportsTo = problems.string(raw.dmarcReportsTo, `${path}.dmarcReportsTo`);
  if (reportsTo !== undefined) {
    // A bare address is what people write; the rua tag holds it as a mailto: URI (RFC 7489 6.2).
    const address = reportsTo
      .replace(/^mailto:/i, '')
      .replace(/\.$/, '')
      .toLowerCase();
    if (ADDRESS.test(address)) dmarcReportsTo = `mailto:${address}`;
    else
      problems.add(`${path}.dmarcReportsTo`, {
        en: `must be an address like "mailto:dmarc@example.org", not "${reportsTo}"`,
        fr: `doit être une adresse comme « mailto:dmarc@example.org », pas « ${reportsTo} »`,
      });
  }
  return {
    ...(mxHosts === undefined ? {} : { mxHosts }),
    ...(spfInclude === undefined ? {} : { spfInclude }),
    ...(dmarcReportsTo === undefined ? {} : { dmarcReportsTo }),
  };
}
