/** Exit codes shared by every command (STYLE.md); the first that applies wins, in the order 2, 1, 3, 0. */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Combines the outcome of a run into one exit code: 1 (findings) outranks 3 (incomplete), which outranks 0. */
export function combineExit(hasFindings: boolean, isIncomplete: boolean): ExitCode {
  if (hasFindings) return EXIT.findings;
  if (isIncomplete) return EXIT.incomplete;
  return EXIT.ok;
}
