import { accessSync, closeSync, constants, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fileErrorReason, unreadableFile } from '../file-failure.js';
import type { Text } from '../i18n.js';

/** Dovecot passwd-file: `user:password:uid:gid:gecos:home:shell:extra_fields`, extra fields space-separated. */
const FIXED_FIELDS = 7;

/** The error for a passwd-file copy that cannot be written to `output`, and why. */
function unwritable(output: string, why: Text): InputError {
  return new InputError(
    { en: `Cannot write "${output}": ${why.en}`, fr: `Impossible d’écrire « ${output} » : ${why.fr}` },
    { file: output },
  );
}

/** Whether a path names something, a symbolic link included: a dangling link is in the way of a new file too. */
function isTaken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    // ENOTDIR: a part of the path is a file; the directory check says which.
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR'))
      return false;
    throw error;
  }
}

/** The error for a passwd-file that cannot be read, and why. */
function unreadablePasswdFile(input: string, error: unknown): InputError {
  return unreadableFile({ en: 'passwd-file', fr: 'le fichier passwd-file' }, input, error);
}

/**
 * Checks, before any work, that `input` can be read (its first byte: a directory fails there) and that its copy can be
 * written to `output`: not the passwd-file itself, no file there yet, in a directory that exists and takes new files.
 * The read and the write themselves still refuse what changed since; this only spares a run that would fail at its
 * very end.
 */
export function checkPasswdFiles(input: string, output: string): void {
  try {
    const descriptor = openSync(input, 'r');
    try {
      readSync(descriptor, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    throw unreadablePasswdFile(input, error);
  }
  if (resolve(input) === resolve(output))
    throw unwritable(output, {
      en: 'the passwd-file is never edited in place, name a new file',
      fr: 'le fichier passwd-file n’est jamais modifié sur place, indiquez un nouveau fichier',
    });
  const directory = dirname(resolve(output));
  try {
    if (isTaken(output))
      throw unwritable(output, {
        en: 'the file already exists (EEXIST) and is never overwritten: name a new file, or move it away first',
        fr: 'ce fichier existe déjà (EEXIST) et n’est jamais écrasé : indiquez un nouveau fichier, ou déplacez-le d’abord',
      });
    if (!statSync(directory).isDirectory())
      throw unwritable(output, {
        en: `"${directory}" is not a directory`,
        fr: `« ${directory} » n’est pas un répertoire`,
      });
    accessSync(directory, constants.W_OK);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT')
      throw unwritable(output, {
        en: `its directory "${directory}" does not exist`,
        fr: `son répertoire « ${directory} » n’existe pas`,
      });
    const reason = fileErrorReason(error);
    throw unwritable(output, {
      en: `its directory "${directory}" takes no new file: ${reason.en}`,
      fr: `son répertoire « ${directory} » n’accepte pas de nouveau fichier : ${reason.fr}`,
    });
  }
}

/**
 * Writes a copy of a Dovecot passwd-file in which the given users carry the `nologin=y` extra field (Dovecot refuses
 * their login even with the right password); every other byte is kept. The original is never touched and an
 * existing output file is never overwritten. Users match by the whole `user` field, or its part before `@`.
 */
export async function disablePasswdUsers(
  input: string,
  output: string,
  users: ReadonlySet<string>,
): Promise<{ disabled: string[] }> {
  checkPasswdFiles(input, output);
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    throw unreadablePasswdFile(input, error);
  }
  const disabled: string[] = [];
  const lines = text.split('\n').map((line) => {
    if (line.trim() === '' || line.startsWith('#')) return line;
    const fields = line.replace(/\r$/, '').split(':');
    const user = (fields[0] ?? '').toLowerCase();
    const local = user.includes('@') ? user.slice(0, user.indexOf('@')) : user;
    if (!users.has(user) && !users.has(local)) return line;
    const fixed = fields.slice(0, FIXED_FIELDS);
    while (fixed.length < FIXED_FIELDS) fixed.push('');
    const extra = fields.slice(FIXED_FIELDS).join(':');
    if (extra.split(' ').some((field) => field === 'nologin' || field.startsWith('nologin='))) return line;
    disabled.push(fields[0] ?? '');
    return `${fixed.join(':')}:${extra === '' ? 'nologin=y' : `${extra} nologin=y`}${line.endsWith('\r') ? '\r' : ''}`;
  });
  // Written beside it, then linked in place: the copy appears whole or not at all, so that a write cut short (a full
  // disk) leaves no half passwd-file to move in place by mistake, nor one that refuses the rerun. link(2), unlike
  // rename(2), fails on a file already there: one written meanwhile is never overwritten either.
  const partial = `${output}.${process.pid}.partial`;
  try {
    // 0600: a passwd-file holds password hashes; 'wx' refuses to overwrite anything already there.
    await writeFile(partial, lines.join('\n'), { flag: 'wx', mode: 0o600 });
    await link(partial, output);
  } catch (error) {
    throw unwritable(output, fileErrorReason(error));
  } finally {
    await rm(partial, { force: true });
  }
  return { disabled };
}
