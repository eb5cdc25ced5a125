import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, TransientError } from '../src/errors.js';
import { fileErrorReason, fileFailure, unreadableFile } from '../src/file-failure.js';
import { thrown } from './helpers/thrown.js';

describe('fileFailure()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-files-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the path and what is wrong with it, in English and French, for the system’s own errors', () => {
    // A directory opens, then refuses to be read: that error has no path.
    const directory = fileFailure(thrown(() => readFileSync(dir)));
    expect(directory).toBeInstanceOf(InputError);
    expect(directory?.text).toEqual({
      en: 'Cannot use a file: it is a directory (EISDIR)',
      fr: 'Impossible d’utiliser un fichier : c’est un répertoire (EISDIR)',
    });
    const missing = join(dir, 'missing.csv');
    expect(fileFailure(thrown(() => readFileSync(missing)))?.text.en).toBe(
      `Cannot use "${missing}": no such file or directory (ENOENT)`,
    );
    const file = join(dir, 'report');
    writeFileSync(file, '');
    expect(fileFailure(thrown(() => mkdirSync(file, { recursive: true })))?.text.fr).toBe(
      `Impossible d’utiliser « ${file} » : un fichier de ce nom est déjà là (EEXIST)`,
    );
  });

  it('makes a full disk transient, which a rerun may not meet', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: '/var/x',
    });
    expect(fileFailure(full)).toBeInstanceOf(TransientError);
  });

  it('leaves errors the system did not raise, or of another kind, to be reported as they are', () => {
    expect(fileFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(
      fileFailure(Object.assign(new Error('odd'), { code: 'EWHATEVER', syscall: 'open', path: '/x' })),
    ).toBeUndefined();
    expect(fileFailure(Object.assign(new Error('made up'), { code: 'ENOENT' }))).toBeUndefined();
    expect(
      fileFailure(Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen' })),
    ).toBeUndefined();
    expect(fileFailure(new TypeError('x is not a function'))).toBeUndefined();
  });
});

describe('unreadableFile()', () => {
  it('says what could not be read, where, and why in words, with the system’s code for a search', () => {
    const missing = join(tmpdir(), 'facteur-no-such-dir', 'list.csv');
    const error = unreadableFile(
      { en: 'recipients file', fr: 'le fichier de destinataires' },
      missing,
      thrown(() => readFileSync(missing)),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.location).toEqual({ file: missing });
    expect(error.text).toEqual({
      en: `Cannot read recipients file "${missing}": no such file or directory (ENOENT)`,
      fr: `Impossible de lire le fichier de destinataires « ${missing} » : aucun fichier ou répertoire de ce nom (ENOENT)`,
    });
  });

  it('gives the code alone for a refusal it has no words for, and the message of an error that is not the system’s', () => {
    expect(fileErrorReason(Object.assign(new Error('io'), { code: 'EIO' }))).toEqual({ en: 'EIO', fr: 'EIO' });
    expect(fileErrorReason(new Error('stream ended'))).toEqual({ en: 'stream ended', fr: 'stream ended' });
  });
});
