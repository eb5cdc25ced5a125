import type { InputError } from '../errors.js';

/** Sympa's own bounce record for a member: `bounce_subscriber` "first last count status", dates in seconds. */
export interface SympaBounce {
  first: Date;
  last: Date;
  count: number;
  /** The last DSN status code (`5.1.1`), null when the bounce carried none. */
  status: string | null;
}

/**
 * How a member came from one of the list's data sources (`include_file`, `include_ldap_query`, another list…),
 * Sympa 6.2.45 and later: `inclusion_subscriber` and `inclusion_label_subscriber`.
 */
export interface SympaInclusion {
  /** The data source's name as Sympa shows it to the owner (its `name`, or Sympa's short id); null if unnamed. */
  dataSource: string | null;
  /** When the last synchronisation with a data source still found the member; null in a dump older than 6.2.45. */
  syncedAt: Date | null;
}

/** One subscriber of a Sympa list, from a dump, a web export or the database. */
export interface SympaMember {
  /** The list as `sympa del` names it (`name@domain`), or as the caller named it for a file. */
  list: string;
  email: string;
  gecos: string | null;
  subscribedAt: Date | null;
  bounce: SympaBounce | null;
  /** Set by Sympa's `eval_bouncers` task only after enough bounces over enough days; null until then. */
  bounceScore: number | null;
  /** Set when the member comes from a data source; the web exports do not say, so it is null there. */
  inclusion: SympaInclusion | null;
  /**
   * `subscribed_subscriber`: true when added by ADD or SUB, false for a member that is only included from a data
   * source; null when the source does not say (a web export).
   */
  isSubscribed: boolean | null;
}

/** How a reader hands over a bad record it skipped; without it the first bad record stops the read. */
export interface SympaReadOptions {
  onInputError?: (error: InputError) => void;
}
