import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fileErrorReason, unreadableFile } from '../file-failure.js';

/** Dovecot passwd-file: `user:password:uid:gid:gecos:home:shell:extra_fields`, extra fields space-separated. */
const FIXED_FIELDS = 7;

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
  if (resolve(input) === resolve(output))
    throw new InputError(
      {
        en: `Cannot write "${output}": the passwd-file is never edited in place, name a new file`,
        fr: `Impossible d’écrire « ${output} » : le fichier passwd-file n’est jamais modifié sur place, indiquez un nouveau fichier`,
      },
      { file: output },
    );
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    throw unreadableFile({ en: 'passwd-file', fr: 'le fichier passwd-file' }, input, error);
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
  try {
    // 0600: a passwd-file holds password hashes; 'wx' refuses to overwrite anything already there.
    await writeFile(output, lines.join('\n'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const reason = fileErrorReason(error);
    throw new InputError(
      { en: `Cannot write "${output}": ${reason.en}`, fr: `Impossible d’écrire « ${output} » : ${reason.fr}` },
      { file: output },
    );
  }
  return { disabled };
}
