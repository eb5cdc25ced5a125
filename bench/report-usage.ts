/**
 * Preloaded (`node --import`) into a measured child process by the benches: as the process exits, writes its own
 * resource usage (process.resourceUsage(): CPU microseconds, peak RSS in KiB) as JSON to fd 3, the pipe the bench
 * opened for it, so the program measured runs unchanged.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(3, JSON.stringify(process.resourceUsage()));
});
