/**
 * Runs facteur's command line in this process, as dist/src/cli/main.js does, for the benchmarks; sends the parent its
 * exit code and peak RSS once done. The parent times it from fork to that message: startup and output included.
 */
import { runCli } from '../src/cli/run-cli.js';

const code = await runCli(['node', 'facteur', ...process.argv.slice(2)]);
process.send?.({ code, rssMb: process.resourceUsage().maxRSS / 1024 });
process.disconnect();
