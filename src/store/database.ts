import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** How long a writer waits for another run's transaction before giving up: long enough for a nightly batch commit. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) a facteur database: WAL, foreign keys, a busy timeout, then brings the schema up to date.
 * A database written by a newer facteur is refused, never downgraded.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  try {
    migrate(db, path, options.readonly ?? false);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Runs the migrations the database lacks, each in its own transaction together with `user_version`. */
function migrate(db: Db, path: string, readonly: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new InputError(
      {
        en: `Cannot open database "${path}": it was written by a newer facteur (schema ${current}, this version knows ${MIGRATIONS.length})`,
        fr: `Impossible d’ouvrir la base de données « ${path} » : elle a été écrite par un facteur plus récent (schéma ${current}, cette version connaît ${MIGRATIONS.length})`,
      },
      { file: path },
      'ESCHEMA',
    );
  }
  if (current === MIGRATIONS.length) return;
  if (readonly) {
    throw new InputError(
      {
        en: `Cannot read database "${path}": its schema is out of date; run a writing command first`,
        fr: `Impossible de lire la base de données « ${path} » : son schéma n’est pas à jour ; lancez d’abord une commande qui y écrit`,
      },
      { file: path },
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version - 1];
    if (step === undefined) break;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
