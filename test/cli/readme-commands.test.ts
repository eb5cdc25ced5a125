import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

/** The `facteur …` command lines of README.md's code blocks, as the shell would split them, up to a pipe or redirect. */
function readmeCommandLines(): { line: string; args: string[] }[] {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const lines: { line: string; args: string[] }[] = [];
  let inBlock = false;
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) {
      inBlock = !inBlock;
      continue;
    }
    const start = line.search(/(?:^|npx )facteur /);
    if (!inBlock || start === -1) continue;
    const words = [...line.slice(start).matchAll(/"([^"]*)"|(\S+)/g)].map((match) => ({
      word: match[1] ?? match[2] ?? '',
      quoted: match[1] !== undefined,
    }));
    const args: string[] = [];
    for (const { word, quoted } of words) {
      if (!quoted && (word === '#' || word === '|' || word === '>' || word === '&&')) break;
      args.push(word);
    }
    lines.push({ line: line.trim(), args: args.slice(args.indexOf('facteur') + 1) });
  }
  return lines;
}

/**
 * Parses the words as commander does, without running anything: each command takes the options it knows wherever
 * they stand (a parent's `--db` after the subcommand's name included) and hands the rest to the subcommand named first.
 */
function parsed(program: Command, words: string[]): { command: Command; operands: string[]; unknown: string[] } {
  let command = program;
  let args = words;
  for (;;) {
    const { operands, unknown } = command.parseOptions(args);
    const sub = command.commands.find((candidate) => candidate.name() === operands[0]);
    if (sub === undefined) return { command, operands, unknown };
    command = sub;
    args = [...operands.slice(1), ...unknown];
  }
}

describe('README.md', () => {
  const lines = readmeCommandLines();

  it('has command lines to check', () => {
    expect(lines.length).toBeGreaterThanOrEqual(20);
  });

  // A README that names an option facteur no longer has, or a value it refuses, sends its reader to a usage error.
  it.each(lines.map(({ line, args }) => [line, args] as const))(
    '%s: options and values facteur takes',
    async (_line, args) => {
      const { command, operands, unknown } = parsed(await buildProgram(), args);
      expect(command.name()).not.toBe('facteur');
      expect(unknown).toEqual([]);
      const declared = command.registeredArguments;
      const isVariadic = declared.at(-1)?.variadic === true;
      expect(isVariadic || operands.length <= declared.length).toBe(true);
    },
  );
});
