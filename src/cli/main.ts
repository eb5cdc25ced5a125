#!/usr/bin/env node
import { runCli } from './run-cli.js';

// A reader that stops early (`facteur check --json | head`) closes the pipe: the rest of the output has nowhere to go.
// The run still ends as it would have, its records and exit code intact, instead of dying on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.stdout.destroy();
});

process.exitCode = await runCli(process.argv);
