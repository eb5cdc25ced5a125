import { CommanderError } from 'commander';
import { InputError, TransientError, formatLocation } from '../errors.js';
import { isLang, langFromEnv, type Lang } from '../i18n.js';
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
    return exitCodeFor(error, errorLang(argv));
  }
}

/**
 * The language of an error message: the command line's `--lang` when it has a valid one, else the environment's (an
 * error may come before the command has read its configuration).
 */
export function errorLang(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Lang {
  for (const [index, arg] of argv.entries()) {
    const value = arg === '--lang' ? argv[index + 1] : arg.startsWith('--lang=') ? arg.slice('--lang='.length) : null;
    if (value !== null && value !== undefined && isLang(value)) return value;
  }
  return langFromEnv(env);
}

/** Prints an error for people on stderr, in `lang`, and returns its exit code. */
export function exitCodeFor(error: unknown, lang: Lang = 'en'): number {
  const prefix = lang === 'fr' ? 'facteur : ' : 'facteur: ';
  if (error instanceof CommanderError) {
    // commander already printed the message; help and version are not errors.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof InputError) {
    const message = error.text[lang];
    const where = formatLocation(error.location, lang);
    process.stderr.write(`${prefix}${message}${where && !message.includes(where) ? ` (${where})` : ''}\n`);
    return EXIT.usage;
  }
  if (error instanceof TransientError) {
    process.stderr.write(`${prefix}${error.text[lang]}\n`);
    return EXIT.incomplete;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`facteur: unexpected error / erreur inattendue\n${stack}\n${BUG_REPORT}\n`);
  return EXIT.usage;
}
