import { Command, CommanderError, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { positiveInt } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { commandLine } from '../../src/cli/run-cli.js';
import { helpHint, invalidValue, usageMessage } from '../../src/cli/usage-error.js';

/** A program with one of everything commander can refuse; it writes nothing and throws instead of exiting. */
function program(): Command {
  const root = new Command('facteur')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  root
    .command('check')
    .argument('<list>')
    .option('--timeout <ms>', 'DNS timeout', positiveInt)
    .option('--until <date>', 'end date', (value: string) => {
      throw invalidValue('date', value);
    })
    .requiredOption('--db <file>', 'database')
    .addOption(new Option('--format <format>').choices(['text', 'json']))
    .addOption(new Option('--json').conflicts('format'))
    .action(() => undefined);
  return root;
}

/** The CommanderError that parsing `args` raises. */
function refusal(args: string[]): CommanderError {
  try {
    program().parse(['node', 'facteur', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) return error;
    throw error;
  }
  throw new Error(`"${args.join(' ')}" was accepted`);
}

describe('usageMessage()', () => {
  // Each row is a real commander refusal, so that a commander upgrade rewording one fails here, not in front of users.
  it.each([
    [['check', 'a', '--db', 'f', '--bogus'], "unknown option '--bogus'", 'option inconnue « --bogus »'],
    [
      ['check', 'a', '--db', 'f', '--timout', '5'],
      "unknown option '--timout'\n(Did you mean --timeout?)",
      'option inconnue « --timout »\n(vouliez-vous dire --timeout ?)',
    ],
    [
      ['chek'],
      "unknown command 'chek'\n(Did you mean check?)",
      'commande inconnue « chek »\n(vouliez-vous dire check ?)',
    ],
    [['check', '--db', 'f'], "missing required argument 'list'", 'il manque l’argument obligatoire « list »'],
    [['check', 'a', '--db'], "option '--db <file>' argument missing", 'l’option « --db <file> » attend une valeur'],
    [['check', 'a'], "required option '--db <file>' not specified", 'l’option obligatoire « --db <file> » manque'],
    [
      ['check', 'a', 'b', '--db', 'f'],
      "too many arguments for 'check'. Expected 1 argument but got 2.",
      'trop d’arguments pour « check » : 1 attendu, 2 donnés',
    ],
    [
      ['check', 'a', '--db', 'f', '--timeout', 'abc'],
      `option '--timeout <ms>' argument 'abc' is invalid. expected a positive integer, got "abc"`,
      'l’option « --timeout <ms> » refuse cette valeur : un nombre entier positif est attendu, pas « abc »',
    ],
    [
      ['check', 'a', '--db', 'f', '--until', 'demain'],
      `option '--until <date>' argument 'demain' is invalid. expected a date such as "2026-12-31", got "demain"`,
      'l’option « --until <date> » refuse cette valeur : une date comme « 2026-12-31 » est attendue, pas « demain »',
    ],
    [
      ['check', 'a', '--db', 'f', '--format', 'pdf'],
      "option '--format <format>' argument 'pdf' is invalid. Allowed choices are text, json.",
      'l’option « --format <format> » refuse cette valeur : les valeurs possibles sont text, json',
    ],
    [
      ['check', 'a', '--db', 'f', '--format', 'text', '--json'],
      "option '--json' cannot be used with option '--format <format>'",
      'l’option « --json » ne peut pas être employée avec l’option « --format <format> »',
    ],
  ])('%j: English as commander says it, and French', (args, en, fr) => {
    const error = refusal(args);
    expect(usageMessage(error, 'en')).toBe(en);
    expect(usageMessage(error, 'fr')).toBe(fr);
  });

  it('shows a message no pattern knows as commander wrote it, rather than lose it', () => {
    const error = new CommanderError(2, 'commander.unknownOption', 'error: unknown flag -x (reworded)');
    expect(usageMessage(error, 'fr')).toBe('unknown flag -x (reworded)');
  });
});

describe('commandLine() and helpHint()', () => {
  it('names the subcommand the arguments reach, skipping options and their values', async () => {
    const facteur = await buildProgram();
    expect(commandLine(facteur, ['node', 'facteur', 'bounces', 'fetch', '--nope'])).toBe('facteur bounces fetch');
    expect(commandLine(facteur, ['node', 'facteur', 'check', '--config', 'send', 'a.example'])).toBe('facteur check');
    expect(commandLine(facteur, ['node', 'facteur', 'chek'])).toBe('facteur');
  });

  it('points to that command’s help in the user’s language', () => {
    expect(helpHint('facteur check', 'en')).toBe('Run "facteur check --help" to see its options and arguments.');
    expect(helpHint('facteur check', 'fr')).toBe(
      'Lancez « facteur check --help » pour en voir les options et les arguments.',
    );
  });
});
