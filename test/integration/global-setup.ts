import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Integration suites run the built CLI as a subprocess: make sure dist/ exists before any suite starts. */
export default function setup(): void {
  if (!existsSync(join(import.meta.dirname, '../../dist/src/cli/main.js'))) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
}
