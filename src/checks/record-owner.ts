/** Where a suggested record must go, and what a finding says about it when that is not the name looked up. */
export interface RecordOwner {
  /** The canonical name at the end of the CNAME chain, else the name itself. */
  owner: string;
  /** Title values (`alias`, `canonicalName`) that make the title say the name is an alias; empty when it is not. */
  values: { alias: string; canonicalName: string } | Record<never, never>;
  /** Evidence naming the alias, its canonical name and the chain between; empty when the name is not an alias. */
  evidence: { alias: { name: string; canonicalName: string; cnames: string[] } } | Record<never, never>;
}

/**
 * The owner of a record for `name`, given the CNAME chain its lookup followed. A name holding a CNAME can hold no
 * other record (RFC 1034 3.6.2): a record to add or change for an alias goes at the canonical name it leads to.
 */
export function recordOwner(name: string, cnames: readonly string[]): RecordOwner {
  const canonicalName = cnames.at(-1)?.toLowerCase().replace(/\.$/, '');
  if (canonicalName === undefined) return { owner: name, values: {}, evidence: {} };
  return {
    owner: canonicalName,
    values: { alias: name, canonicalName },
    evidence: { alias: { name, canonicalName, cnames: [...cnames] } },
  };
}
