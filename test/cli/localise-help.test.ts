import { Help, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

/** A command and every subcommand under it, the help command included, each with its path (`facteur bounces fetch`). */
function walk(command: Command, path = command.name()): { path: string; command: Command }[] {
  const help = command.createHelp();
  return [{ path, command }, ...help.visibleCommands(command).flatMap((sub) => walk(sub, `${path} ${sub.name()}`))];
}

/** Every description the help of `program` shows: commands, arguments, options (help and version included). */
function descriptions(program: Command): { where: string; text: string }[] {
  return walk(program).flatMap(({ path, command }) => {
    const help = command.createHelp();
    return [
      { where: path, text: command.description() },
      ...help
        .visibleArguments(command)
        .map((argument) => ({ where: `${path} ${argument.name()}`, text: argument.description })),
      ...help.visibleOptions(command).map((option) => ({ where: `${path} ${option.flags}`, text: option.description })),
    ];
  });
}

/** A command's help as one line of words: where commander wraps depends on the terminal's width. */
function helpOf(program: Command, ...names: string[]): string {
  let command = program;
  for (const name of names) {
    const sub = command.commands.find((candidate) => candidate.name() === name);
    if (sub === undefined) throw new Error(`no command ${name}`);
    command = sub;
  }
  return command.helpInformation().replace(/\s+/g, ' ');
}

describe('await buildProgram()', () => {
  it('gives every command, argument and option a French description of its own', async () => {
    const english = descriptions(await buildProgram('en'));
    const french = descriptions(await buildProgram('fr'));
    // The same commands, arguments and options in the same order, so that each pair below is the same item.
    expect(french.map(({ where }) => where)).toEqual(english.map(({ where }) => where));
    const untranslated = english.filter(({ text }, index) => text === '' || french[index]?.text === text);
    expect(untranslated).toEqual([]);
    // Every level is walked: the nested subcommands and the help command each group has.
    expect(english.map(({ where }) => where)).toEqual(
      expect.arrayContaining([
        'facteur bounces fetch --sympa-dir <dir>',
        'facteur send run --dry-run',
        'facteur dormant apply -h, --help',
        'facteur send help',
        'facteur -V, --version',
      ]),
    );
  });

  it('is English when given no language, as the tests calling it bare expect', async () => {
    expect(descriptions(await buildProgram())).toEqual(descriptions(await buildProgram('en')));
  });

  it('writes the French help of check with French headings, defaults and choices', async () => {
    const help = helpOf(await buildProgram('fr'), 'check');
    expect(help).toContain('Utilisation : facteur check [options] [domains...]');
    expect(help).toContain(' Arguments : domains domaines à vérifier (par défaut : le fichier des adhérents');
    expect(help).toContain(' Options : --config <file> fichier de configuration');
    expect(help).toContain('--concurrency <n> domaines vérifiés en même temps (par défaut : 32)');
    expect(help).toContain('--sending-ips <list> les relais sortants de l’hébergeur, séparés par des virgules');
    expect(help).toContain(
      '--fail-on <severity> sortir avec le code 1 à partir de cette gravité (par défaut : error) (valeurs : "error", "warning")',
    );
    expect(help).toContain('--json écrire un seul document JSON sur stdout (par défaut : false)');
    expect(help).toContain('-h, --help afficher l’aide de la commande');
    expect(help).not.toMatch(/Usage|Options:|default:|choices:|display help/);
  });

  it('writes commander’s own words in French at every level: program, group, subcommand', async () => {
    const program = await buildProgram('fr');
    expect(helpOf(program)).toContain('-V, --version afficher le numéro de version');
    expect(helpOf(program, 'bounces')).toContain('Commandes : parse [options] <files...>');
    expect(helpOf(program, 'bounces')).toContain('help [command] afficher l’aide de la commande');
    expect(helpOf(program, 'bounces', 'fetch')).toContain('Options : --config <file> fichier de configuration, dont');
    expect(helpOf(program, 'send', 'run')).toContain('Arguments : campaign le fichier de configuration de la campagne');
    expect(helpOf(program, 'report')).toContain(
      '--format <format> format de sortie (valeurs : "text", "markdown", "html", "json", par défaut : "text")',
    );
  });

  it('keeps the English help of check as it was', async () => {
    const help = helpOf(await buildProgram('en'), 'check');
    expect(help).toContain('Usage: facteur check [options] [domains...]');
    expect(help).toContain(' Arguments: domains domains to check (default: the members file of the config)');
    expect(help).toContain('--concurrency <n> domains checked at once (default: 32)');
    expect(help).toContain(
      '--fail-on <severity> exit 1 at this severity or above (default: error) (choices: "error", "warning")',
    );
    expect(help).toContain('-h, --help display help for command');
  });

  it('writes option and argument details in English exactly as commander does', async () => {
    for (const { command } of walk(await buildProgram('en'))) {
      const ours = command.createHelp();
      const commanders = new Help();
      for (const option of ours.visibleOptions(command))
        expect(ours.optionDescription(option)).toBe(commanders.optionDescription(option));
      for (const argument of ours.visibleArguments(command))
        expect(ours.argumentDescription(argument)).toBe(commanders.argumentDescription(argument));
    }
  });

  it.each([
    // [text, width, where commander alone breaks, where French help breaks]
    [
      'délai d’attente d’une réponse DNS (par défaut : 3000)',
      45,
      'délai d’attente d’une réponse DNS (par défaut\n: 3000)',
      'délai d’attente d’une réponse DNS (par\ndéfaut : 3000)',
    ],
    [
      'voir la liste des constats (voir « facteur explain »)',
      40,
      'voir la liste des constats (voir «\nfacteur explain »)',
      'voir la liste des constats (voir\n« facteur explain »)',
    ],
    [
      'voir la liste des constats (voir « facteur explain »)',
      50,
      'voir la liste des constats (voir « facteur explain\n»)',
      'voir la liste des constats (voir « facteur\nexplain »)',
    ],
  ])('wraps French help never before : or » nor after « (%j at %i columns)', async (text, width, commanders, ours) => {
    expect(new Help().boxWrap(text, width)).toBe(commanders);
    expect((await buildProgram('fr')).createHelp().boxWrap(text, width)).toBe(ours);
  });
});
