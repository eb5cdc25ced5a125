import { type Command, CommanderError } from 'commander';
import { loadCommandConfig } from '../config/load-config.js';
import { InputError, TransientError, inputErrorText } from '../errors.js';
import { isLang, langFromEnv, type Lang } from '../i18n.js';
import { fileFailure } from '../file-failure.js';
import { storeFailure } from '../store/store-failure.js';
import { EXIT } from './exit-codes.js';
import { noticePrefix } from './notice-prefix.js';
import { buildProgram } from './program.js';
import { helpHint, usageMessage } from './usage-error.js';

const BUG_REPORT =
  'This is a bug in facteur; please report it with the text above / Ceci est un bogue de facteur : merci de le signaler avec le texte ci-dessus';

/** Parses argv, runs the matched command and maps its outcome or error to an exit code; never calls process.exit. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const lang = errorLang(argv);
  const program = await buildProgram(lang, argv);
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    return exitCodeFor(error, lang, commandLine(program, argv));
  }
}

/** `facteur` and the (sub)command names the arguments name, as far as they are known: `facteur bounces fetch`. */
export function commandLine(program: Command, argv: readonly string[]): string {
  const names = [program.name()];
  let current = program;
  for (const arg of argv.slice(2)) {
    const sub = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (sub === undefined) continue;
    names.push(sub.name());
    current = sub;
  }
  return names.join(' ');
}

/**
 * The language of help and error messages, chosen as the commands choose theirs: the command line's `--lang` when it
 * has a valid one, else the config's `lang` (cron often runs with LANG=C, and the config is where a hoster says
 * French), else the environment's.
 */
export function errorLang(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Lang {
  const given = optionValue(argv, '--lang');
  if (given !== undefined && isLang(given)) return given;
  return configLang(optionValue(argv, '--config'), env, cwd) ?? langFromEnv(env);
}

/** The value of `--name value` or `--name=value` on the command line. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  for (const [index, arg] of argv.entries()) {
    if (arg === name) return argv[index + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

/**
 * The `lang` of the config the command reads, if it can be read. The error being reported may be that very config's:
 * then there is no language to take from it, and its own problem must still be the one reported.
 */
function configLang(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Lang | undefined {
  try {
    return loadCommandConfig(explicit, env, cwd).lang;
  } catch {
    return undefined;
  }
}

/**
 * Prints an error for people on stderr, in `lang`, and returns its exit code; `command` is the command line's command
 * (`facteur bounces fetch`), whose help a usage error points to.
 */
export function exitCodeFor(error: unknown, lang: Lang = 'en', command = 'facteur'): number {
  const prefix = noticePrefix(lang);
  if (error instanceof CommanderError) {
    // Help and version are not errors; `facteur` alone has printed its help already.
    if (error.exitCode === 0) return EXIT.ok;
    if (error.code !== 'commander.help')
      process.stderr.write(`${prefix}${usageMessage(error, lang)}\n${helpHint(command, lang)}\n`);
    return EXIT.usage;
  }
  if (error instanceof InputError) {
    process.stderr.write(`${prefix}${inputErrorText(error, lang)}\n`);
    return EXIT.usage;
  }
  if (error instanceof TransientError) {
    process.stderr.write(`${prefix}${error.text[lang]}\n`);
    return EXIT.incomplete;
  }
  // A file the system refused, a full disk or a database lock held too long is not facteur's bug.
  const system = storeFailure(error) ?? fileFailure(error);
  if (system !== undefined) return exitCodeFor(system, lang, command);
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`facteur: unexpected error / erreur inattendue\n${stack}\n${BUG_REPORT}\n`);
  return EXIT.usage;
}
