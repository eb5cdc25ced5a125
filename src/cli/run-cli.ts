import { CommanderError } from 'commander';
import { InputError, TransientError, formatLocation } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { buildProgram } from './program.js';

const BUG_REPORT =
  'This is a bug in facteur; please report it with the text above / Ceci est un bogue de facteur : merci de le signaler avec le texte ci-dessus';

/** Parses argv, runs the matched command and maps its outcome or error to an exit code; never calls process.exit. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    return exitCodeFor(error);
  }
}

/** Prints an error for people on stderr and returns its exit code. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message; help and version are not errors.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof InputError) {
    const where = formatLocation(error.location);
    process.stderr.write(`facteur: ${error.message}${where && !error.message.includes(where) ? ` (${where})` : ''}\n`);
    return EXIT.usage;
  }
  if (error instanceof TransientError) {
    process.stderr.write(`facteur: ${error.message}\n`);
    return EXIT.incomplete;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`facteur: unexpected error\n${stack}\n${BUG_REPORT}\n`);
  return EXIT.usage;
}
