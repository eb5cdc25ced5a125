import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lang, Text } from '../i18n.js';
import { packageRoot } from '../package-root.js';
import { localiseHelp } from './localise-help.js';

const DESCRIPTION: Text = {
  en: 'Email deliverability and mailing-list health: DNS checks, campaigns from your own server, bounces, dormant addresses',
  fr: 'Délivrabilité du courrier et santé des listes de diffusion : vérifications DNS, campagnes depuis votre propre serveur, rebonds, adresses dormantes',
};

/** A command's registration: its options, help and action, added to the program. */
type Register = (program: Command, helpLang: Lang) => void;

/**
 * Every command, in the order of the help, each loaded only when the command line needs it: a command's modules (the
 * checks, a database driver, an IMAP client, a mail builder) cost every other command startup time and memory.
 */
const COMMANDS = new Map<string, () => Promise<Register>>([
  ['check', async () => (await import('./commands/check.js')).registerCheck],
  ['changes', async () => (await import('./commands/changes.js')).registerChanges],
  ['ack', async () => (await import('./commands/ack.js')).registerAck],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['demo', async () => (await import('./commands/demo.js')).registerDemo],
  ['bounces', async () => (await import('./commands/register-bounces.js')).registerBounces],
  ['explain', async () => (await import('./commands/explain.js')).registerExplain],
  ['send', async () => (await import('./commands/register-send.js')).registerSend],
  ['dormant', async () => (await import('./commands/register-dormant.js')).registerDormant],
]);

/**
 * Builds the commander program, its help in `lang`; each command registers itself from its own file in
 * src/cli/commands/. Given the command line, only the command it names is loaded; for `--version` alone, none;
 * without a command, or when it names none (`--help`, a typo to suggest a command for), all of them.
 */
export async function buildProgram(lang: Lang = 'en', argv?: readonly string[]): Promise<Command> {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = localiseHelp(new Command('facteur'), lang, version)
    .description(DESCRIPTION[lang])
    .exitOverride()
    // Usage errors are written by runCli, in the user's language, with a pointer to the command's help.
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: () => undefined,
    });
  // The program has no options of its own besides --help and --version: the first operand names the command.
  const args = argv?.slice(2) ?? [];
  const named = args.find((arg) => !arg.startsWith('-'));
  const load = named === undefined ? undefined : COMMANDS.get(named);
  // `facteur --version` needs no command at all; `facteur --help` lists them all.
  const versionOnly = named === undefined && args.some((arg) => arg === '-V' || arg === '--version');
  const loads = load !== undefined ? [load] : versionOnly ? [] : [...COMMANDS.values()];
  const registers = await Promise.all(loads.map((each) => each()));
  for (const register of registers) register(program, lang);
  return program;
}
