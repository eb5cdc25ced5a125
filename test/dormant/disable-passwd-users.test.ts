import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPasswdFiles } from '../../src/dormant/disable-passwd-users.js';
import { InputError } from '../../src/errors.js';
import { thrown } from '../helpers/thrown.js';

describe('checkPasswdFiles()', () => {
  let dir: string;
  let input: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-passwd-out-'));
    input = join(dir, 'users');
    writeFileSync(input, 'marie:{PLAIN}x\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a new file in a directory that exists', () => {
    expect(() => {
      checkPasswdFiles(input, join(dir, 'users.new'));
    }).not.toThrow();
  });

  it.each([
    ['the passwd-file itself', () => input, 'the passwd-file is never edited in place'],
    [
      'a file already there',
      () => {
        writeFileSync(join(dir, 'users.new'), 'kept\n');
        return join(dir, 'users.new');
      },
      'the file already exists (EEXIST) and is never overwritten',
    ],
    [
      'a dangling symbolic link',
      () => {
        symlinkSync(join(dir, 'nowhere'), join(dir, 'link'));
        return join(dir, 'link');
      },
      'the file already exists (EEXIST)',
    ],
    [
      'a directory that does not exist',
      () => join(dir, 'missing', 'users.new'),
      () => `its directory "${join(dir, 'missing')}" does not exist`,
    ],
    ['a path under a file', () => join(input, 'users.new'), () => `"${input}" is not a directory`],
  ])('refuses %s, naming the file', (_name, output, why) => {
    const path = output();
    const reason = typeof why === 'string' ? why : why();
    const error = thrown(() => {
      checkPasswdFiles(input, path);
    });
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).text.en).toContain(`Cannot write "${path}": ${reason}`);
    expect((error as InputError).text.fr).toContain(`Impossible d’écrire « ${path} » : `);
    expect((error as InputError).location).toEqual({ file: path });
  });
});
