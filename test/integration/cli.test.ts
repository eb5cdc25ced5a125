import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../dist/src/cli/main.js');

describe('facteur CLI', () => {
  it('prints help and exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toContain('Usage: facteur');
  });

  it('exits 2 on an unknown option', async () => {
    await expect(run(process.execPath, [BIN, '--no-such-option'])).rejects.toMatchObject({ code: 2 });
  });
});
