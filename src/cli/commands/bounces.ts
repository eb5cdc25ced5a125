import type { Command } from 'commander';
import { registerBouncesFetch } from './bounces-fetch.js';
import { registerBouncesParse } from './bounces-parse.js';

/** Adds the `facteur bounces` command group. */
export function registerBounces(program: Command): void {
  const bounces = program.command('bounces').description('Read, parse and classify bounce messages');
  registerBouncesParse(bounces);
  registerBouncesFetch(bounces);
}
