import type { Check, FactName } from './types.js';

/** Declares a check; the identity function that gives `run` its typed facts. */
export function defineCheck<R extends FactName>(check: Check<R>): Check<R> {
  return check;
}
