/**
 * The facts gatherers collect once per domain, by name. Each gatherer file adds its own entry by declaration merging
 * (`declare module '../facts/fact-map.js' { interface FactMap { spf: SpfFact } }`), so that adding a fact touches one file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FactMap {}
