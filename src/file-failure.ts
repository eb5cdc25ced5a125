import { InputError, systemFailure, type ErrorCode, type TransientError } from './errors.js';
import type { Text } from './i18n.js';

/** Why the system refused a file operation, by errno code: what the person at the keyboard can do about it. */
const REASONS = new Map<string, { transient: boolean; reason: Text }>(
  Object.entries({
    ENOENT: {
      transient: false,
      reason: { en: 'no such file or directory', fr: 'aucun fichier ou répertoire de ce nom' },
    },
    EACCES: { transient: false, reason: { en: 'permission denied', fr: 'permission refusée' } },
    EPERM: { transient: false, reason: { en: 'operation not permitted', fr: 'opération non permise' } },
    EISDIR: { transient: false, reason: { en: 'it is a directory', fr: 'c’est un répertoire' } },
    ENOTDIR: {
      transient: false,
      reason: { en: 'a part of the path is not a directory', fr: 'une partie du chemin n’est pas un répertoire' },
    },
    EEXIST: {
      transient: false,
      reason: { en: 'a file of that name is in the way', fr: 'un fichier de ce nom est déjà là' },
    },
    EROFS: {
      transient: false,
      reason: { en: 'the file system is read-only', fr: 'le système de fichiers est en lecture seule' },
    },
    ENOSPC: {
      transient: true,
      reason: {
        en: 'no space left on the disk: free some and run again',
        fr: 'plus de place sur le disque : libérez-en et relancez',
      },
    },
    EDQUOT: {
      transient: true,
      reason: {
        en: 'the disk quota is exceeded: free some space and run again',
        fr: 'le quota disque est dépassé : libérez de la place et relancez',
      },
    },
  }),
);

/** The calls on an open file: their errors carry no path. */
const FILE_DESCRIPTOR_CALLS = new Set(['read', 'write', 'fstat', 'fsync', 'ftruncate']);

/**
 * A file operation the system refused (Node's fs errors, with the path when the call had one), as a message for
 * people: a path that is missing, forbidden or of the wrong kind is theirs to fix (exit 2); a full disk may pass
 * (exit 3). Commands say most of these in their own words; this is the floor for the ones they do not, so that none
 * reads as facteur's bug. Any other error gets undefined.
 */
export function fileFailure(error: unknown): InputError | TransientError | undefined {
  // The system's errors name the call that failed; a read on an open file does not name the file.
  if (!(error instanceof Error) || !('code' in error) || !('syscall' in error)) return undefined;
  const known = REASONS.get(String(error.code));
  if (known === undefined) return undefined;
  const path = 'path' in error && typeof error.path === 'string' ? error.path : undefined;
  // Without a path, only a call on an open file is known to be about a file (a socket's EACCES is not).
  if (path === undefined && !FILE_DESCRIPTOR_CALLS.has(String(error.syscall))) return undefined;
  const code = String(error.code);
  const what: Text =
    path === undefined
      ? { en: 'Cannot use a file', fr: 'Impossible d’utiliser un fichier' }
      : { en: `Cannot use "${path}"`, fr: `Impossible d’utiliser « ${path} »` };
  const { reason, transient } = known;
  return systemFailure({ what, reason, code, transient, ...(path === undefined ? {} : { file: path }) }, error);
}

/**
 * Why a file could not be read, for a message that names the file itself: "it is a directory (EISDIR)"; the system's
 * code alone when there are no words for it, and the error's message when it is not the system's.
 */
export function fileErrorReason(error: unknown): Text {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  if (code === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return { en: message, fr: message };
  }
  const reason = REASONS.get(code)?.reason;
  return reason === undefined ? { en: code, fr: code } : { en: `${reason.en} (${code})`, fr: `${reason.fr} (${code})` };
}

/**
 * The error for a file that cannot be read: what it is, where, and why in words, as
 * `Cannot read template "a.txt": it is a directory (EISDIR)`; `what` carries its article in French.
 */
export function unreadableFile(what: Text, file: string, error: unknown, code?: ErrorCode): InputError {
  const reason = fileErrorReason(error);
  return new InputError(
    {
      en: `Cannot read ${what.en} "${file}": ${reason.en}`,
      fr: `Impossible de lire ${what.fr} « ${file} » : ${reason.fr}`,
    },
    { file },
    code,
  );
}
