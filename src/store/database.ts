import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { MIGRATIONS } from './migrations.js';
import { BUSY_TIMEOUT_MS, noteOpenedDatabase, storeFailure } from './store-failure.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a facteur database: WAL, foreign keys, a busy timeout, then brings the schema up to date.
 * A database written by a newer facteur is refused, never downgraded. A file SQLite cannot use (no database, damaged,
 * no rights, a full disk) is refused with what to do about it, as is a directory that does not exist. A command that
 * only reads what others recorded gives `whenMissing`, what to run first: a file that does not exist is then refused
 * with it, since a typo in the path would otherwise open a new, empty database and find nothing. Opened read-only, a
 * database written by an older facteur is brought up to date first (upgradeToRead).
 */
export function openDatabase(path: string, options: { readonly?: boolean; whenMissing?: Text } = {}): Db {
  const { whenMissing } = options;
  if (whenMissing !== undefined && !existsSync(path))
    throw new InputError(
      {
        en: `Cannot open database "${path}": no such file; ${whenMissing.en}`,
        fr: `Impossible d’ouvrir la base de données « ${path} » : ce fichier n’existe pas ; ${whenMissing.fr}`,
      },
      { file: path },
    );
  const directory = dirname(resolve(path));
  if (!existsSync(directory))
    throw new InputError(
      {
        en: `Cannot use database "${path}": its directory "${directory}" does not exist`,
        fr: `Impossible d’utiliser la base de données « ${path} » : son répertoire « ${directory} » n’existe pas`,
      },
      { file: path },
    );
  noteOpenedDatabase(path);
  let db: Db | undefined;
  try {
    if (!options.readonly) {
      // The store holds each campaign's VERP key and the recipients' names and addresses: a new one is its owner's
      // alone (SQLite gives the -wal and -shm files the mode of the database file). An existing one keeps its mode.
      if (!existsSync(path))
        try {
          closeSync(openSync(path, 'a', 0o600));
        } catch {
          // A directory this user may not write in: SQLite's own refusal, next, says what to do about it.
        }
      return openWritable(path, false);
    }
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    if (schemaVersion(db, path) === MIGRATIONS.length) return db;
    db.close();
    db = undefined;
    upgradeToRead(path);
    return openDatabase(path, options);
  } catch (error) {
    db?.close();
    throw storeFailure(error, path) ?? error;
  }
}

/**
 * Runs `read` in one read transaction: every query sees the database as its first query found it. A command that reads
 * in several queries (`changes`, `report`, `send status`) while another process commits (a night's check finishing,
 * a send run ending) would otherwise mix the states before and after that commit: the current run of one query
 * becoming the baseline of the next.
 */
export function readSnapshot<T>(db: Db, read: () => T): T {
  return db.transaction(read)();
}

/** Opens for writing: WAL, foreign keys, a busy timeout, then the migrations the database lacks. */
function openWritable(path: string, fileMustExist: boolean): Db {
  const db = new Database(path, { fileMustExist });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Brings up to date a database that a reading command (`changes`, `send status`) found written by an older facteur,
 * as any writing command would: after an upgrade, reading need not wait for the next night's check or send. A user
 * who may not write the file is told who can.
 */
function upgradeToRead(path: string): void {
  try {
    openWritable(path, true).close();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code)) throw error;
    throw new InputError(
      {
        en: `Cannot read database "${path}": it was written by an older facteur, and this user may not write it to bring it up to date (${code}); run this command once as a user who may, such as its owner`,
        fr: `Impossible de lire la base de données « ${path} » : elle a été écrite par un facteur plus ancien, et cet utilisateur ne peut pas l’écrire pour la mettre à jour (${code}) ; lancez cette commande une fois en tant qu’un utilisateur qui le peut, comme son propriétaire`,
      },
      { file: path },
    );
  }
}

/** The database's schema version; a database written by a newer facteur is refused, never downgraded. */
function schemaVersion(db: Db, path: string): number {
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
  return current;
}

/**
 * Runs the migrations the database lacks, each in its own transaction together with `user_version`. Two processes may
 * open a new or older database at the same moment (a night's check and a `changes`, two cron jobs): the version is read
 * again under the write lock, so each step runs once, by whichever process gets there first.
 */
function migrate(db: Db, path: string): void {
  if (schemaVersion(db, path) === MIGRATIONS.length) return;
  const next = db.transaction((): boolean => {
    const current = schemaVersion(db, path);
    const step = MIGRATIONS[current];
    if (step === undefined) return false;
    step(db);
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  while (next.immediate());
}
