import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const ALL = ['check', 'changes', 'ack', 'report', 'demo', 'bounces', 'explain', 'send', 'dormant'];

const commandsOf = async (...args: string[]): Promise<string[]> =>
  (await buildProgram('en', ['node', 'facteur', ...args])).commands.map((command) => command.name());

describe('buildProgram() given the command line', () => {
  it('registers only the command the command line names, whatever its options', async () => {
    expect(await commandsOf('check', '--json', 'example.org')).toEqual(['check']);
    expect(await commandsOf('bounces', 'fetch', '--maildir', 'x')).toEqual(['bounces']);
  });

  it('registers no command for --version alone', async () => {
    expect(await commandsOf('--version')).toEqual([]);
    expect(await commandsOf('-V')).toEqual([]);
  });

  it('registers every command, in the order of the help, when none is named or the name is unknown', async () => {
    expect(await commandsOf()).toEqual(ALL);
    expect(await commandsOf('--help')).toEqual(ALL);
    // A misspelt command needs them all, for commander to suggest the nearest one.
    expect(await commandsOf('chek')).toEqual(ALL);
    expect(await commandsOf('toString')).toEqual(ALL);
    expect((await buildProgram('en')).commands.map((command) => command.name())).toEqual(ALL);
  });

  it('gives a command loaded alone the help it has among all the others', async () => {
    const help = async (program: Promise<Command>): Promise<string | undefined> =>
      (await program).commands.find((command) => command.name() === 'dormant')?.helpInformation();
    expect(await help(buildProgram('fr', ['node', 'facteur', 'dormant']))).toBe(await help(buildProgram('fr')));
  });
});
