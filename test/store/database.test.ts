import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, TransientError } from '../../src/errors.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { storeFailure } from '../../src/store/store-failure.js';
import { thrown } from '../helpers/thrown.js';

describe('openDatabase()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-db-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings a new file to the latest schema in WAL mode', () => {
    const db = openDatabase(join(dir, 'f.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('creates a new database, and its WAL files, readable by its owner only, whatever the umask', () => {
    const path = join(dir, 'campaign.sqlite');
    const umask = process.umask(0o022);
    try {
      const db = openDatabase(path);
      db.exec('CREATE TABLE t (x INTEGER) STRICT; INSERT INTO t VALUES (1)');
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777).toBe(0o600);
      db.close();
    } finally {
      process.umask(umask);
    }
  });

  it('leaves the mode of an existing database as its owner set it', () => {
    const path = join(dir, 'shared.sqlite');
    openDatabase(path).close();
    chmodSync(path, 0o640);
    openDatabase(path).close();
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('refuses a database written by a newer facteur', () => {
    const path = join(dir, 'newer.sqlite');
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(/written by a newer facteur/);
  });

  it('brings a database written by an older facteur up to date when a command opens it only to read', () => {
    const path = join(dir, 'older.sqlite');
    const raw = new Database(path);
    for (const [index, step] of MIGRATIONS.slice(0, -1).entries()) {
      step(raw);
      raw.pragma(`user_version = ${index + 1}`);
    }
    raw.close();
    const schemaOf = (db: Database.Database): unknown =>
      db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
    const fresh = openDatabase(join(dir, 'fresh.sqlite'));
    const db = openDatabase(path, { readonly: true });
    expect(db.readonly).toBe(true);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(schemaOf(db)).toEqual(schemaOf(fresh));
    db.close();
    fresh.close();
  });

  it('refuses a file that is no SQLite database, in words, whether it would write or only read', () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'not a database, but long enough for SQLite to read a header from it\n'.repeat(20));
    for (const options of [{}, { readonly: true }]) {
      const error = thrown(() => openDatabase(path, options));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).text).toEqual({
        en: `Cannot use database "${path}": the file is not a SQLite database (SQLITE_NOTADB)`,
        fr: `Impossible d’utiliser la base de données « ${path} » : ce fichier n’est pas une base de données SQLite (SQLITE_NOTADB)`,
      });
    }
  });

  it('refuses a path whose directory does not exist, naming the directory', () => {
    const path = join(dir, 'missing', 'facteur.sqlite');
    expect((thrown(() => openDatabase(path)) as InputError).text).toEqual({
      en: `Cannot use database "${path}": its directory "${join(dir, 'missing')}" does not exist`,
      fr: `Impossible d’utiliser la base de données « ${path} » : son répertoire « ${join(dir, 'missing')} » n’existe pas`,
    });
  });

  it('refuses a file that does not exist with what to run first, when the caller says it, and creates nothing', () => {
    const path = join(dir, 'typo.sqlite');
    const whenMissing = { en: 'run "facteur check --db" first', fr: 'lancez d’abord « facteur check --db »' };
    for (const readonly of [false, true]) {
      expect((thrown(() => openDatabase(path, { readonly, whenMissing })) as InputError).text).toEqual({
        en: `Cannot open database "${path}": no such file; run "facteur check --db" first`,
        fr: `Impossible d’ouvrir la base de données « ${path} » : ce fichier n’existe pas ; lancez d’abord « facteur check --db »`,
      });
    }
    expect(existsSync(path)).toBe(false);
    openDatabase(path).close();
    openDatabase(path, { whenMissing }).close();
  });
});

describe('storeFailure()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-db-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a full disk a transient failure, which a rerun may not meet: SQLite’s own SQLITE_FULL', () => {
    const path = join(dir, 'small.sqlite');
    const db = openDatabase(path);
    // SQLite answers SQLITE_FULL when a database reaches max_page_count, as it does when the disk is full.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    db.exec('CREATE TABLE filler (text TEXT)');
    const insert = db.prepare('INSERT INTO filler VALUES (?)');
    const error = thrown(() => {
      for (let row = 0; row < 100; row++) insert.run('x'.repeat(4000));
    });
    db.close();
    expect(error).toMatchObject({ name: 'SqliteError', code: 'SQLITE_FULL' });
    const failure = storeFailure(error, path);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure?.text.fr).toBe(
      `Impossible d’utiliser la base de données « ${path} » : le disque est plein : libérez de la place et relancez (SQLITE_FULL)`,
    );
    expect(storeFailure(error)?.text.en).toBe(
      'Cannot use the database: the disk is full: free some space and run again (SQLITE_FULL)',
    );
  });

  it('leaves an SQL mistake, and any other error, to be reported as facteur’s bug', () => {
    const db = openDatabase(join(dir, 'f.sqlite'));
    const error = thrown(() => db.exec('SELECT * FROM no_such_table'));
    db.close();
    expect(error).toMatchObject({ name: 'SqliteError', code: 'SQLITE_ERROR' });
    expect(storeFailure(error)).toBeUndefined();
    expect(storeFailure(new Error('SQLITE_FULL'))).toBeUndefined();
  });
});
