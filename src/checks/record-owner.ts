import { normalizeName } from '../dns/memory-resolver.js';

/**
 * What a finding's title says about an alias: `records` for a name whose own records go at its canonical name (a
 * member domain hosted elsewhere); `published` for a record someone else publishes behind the alias (a DKIM key or a
 * DMARC record delegated to a provider), so the change is made there; `dangling` for an alias whose canonical name
 * holds no such record (the provider account closed, the key never published).
 */
export type AliasNote = 'records' | 'published' | 'dangling';

/** Where a suggested record must go, and what a finding says about it when that is not the name looked up. */
export interface RecordOwner {
  /** The canonical name at the end of the CNAME chain, else the name itself. */
  owner: string;
  /**
   * Title values (`alias`, `canonicalName`, and `aliasNote` unless it is `records`) that make the title say the name
   * is an alias; empty when it is not.
   */
  values: { alias: string; canonicalName: string; aliasNote?: AliasNote } | Record<never, never>;
  /** Evidence naming the alias, its canonical name and the chain between; empty when the name is not an alias. */
  evidence: { alias: { name: string; canonicalName: string; cnames: string[] } } | Record<never, never>;
}

/**
 * The owner of a record for `name`, given the CNAME chain its lookup followed. A name holding a CNAME can hold no
 * other record (RFC 1034 3.6.2): a record to add or change for an alias goes at the canonical name it leads to.
 */
export function recordOwner(name: string, cnames: readonly string[], note: AliasNote = 'records'): RecordOwner {
  const last = cnames.at(-1);
  if (last === undefined) return { owner: name, values: {}, evidence: {} };
  const canonicalName = normalizeName(last);
  return {
    owner: canonicalName,
    values: { alias: name, canonicalName, ...(note === 'records' ? {} : { aliasNote: note }) },
    evidence: { alias: { name, canonicalName, cnames: [...cnames] } },
  };
}
