import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Text } from '../i18n.js';
import { fileErrorReason } from '../file-failure.js';

/**
 * Reads a secret file (a password, a private key), refusing one that group or others can read: a secret readable by
 * all has leaked. On refusal, `problem` completes a sentence about the setting that names the file.
 */
export function readSecretFile(path: string): { ok: true; text: string } | { ok: false; problem: Text } {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    const reason = fileErrorReason(error);
    return {
      ok: false,
      problem: {
        en: `names a file that cannot be read, "${path}": ${reason.en}`,
        fr: `désigne un fichier illisible, « ${path} » : ${reason.fr}`,
      },
    };
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8);
    return {
      ok: false,
      problem: {
        en: `names "${path}" with mode ${octal}; run chmod 600 on it first`,
        fr: `désigne « ${path} », en mode ${octal} ; faites d’abord chmod 600 dessus`,
      },
    };
  }
  return { ok: true, text: readFileSync(path, 'utf8') };
}

/** Tells whether a host is the local machine, where an unencrypted connection crosses no network. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
