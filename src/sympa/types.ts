import type { InputError } from '../errors.js';

/** Sympa's own bounce record for a member: `bounce_subscriber` "first last count status", dates in seconds. */
export interface SympaBounce {
  first: Date;
  last: Date;
  count: number;
  /** The last DSN status code (`5.1.1`), null when the bounce carried none. */
  status: string | null;
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
}

/** How a reader hands over a bad record it skipped; without it the first bad record stops the read. */
export interface SympaReadOptions {
  onInputError?: (error: InputError) => void;
}
