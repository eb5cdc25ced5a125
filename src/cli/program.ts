import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads facteur's version from the nearest package.json above this file (works from src/ and from dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Builds the commander program; each command registers itself from its own file in src/cli/commands/. */
export function buildProgram(): Command {
  const program = new Command('facteur')
    .description(
      'Email deliverability and mailing-list health: DNS checks, campaigns from your own server, bounces, dormant addresses',
    )
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  return program;
}
