import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLastLogins } from '../../src/mailbox/read-last-logins.js';
import { collect, scratch } from '../sympa/helpers.js';

/** Output of Dovecot 2.3.19.1's `doveadm -f tab dict iter -R file:… shared/last-login/` after two IMAP logins. */
const FIXTURES = join(import.meta.dirname, '../fixtures/mailbox');

describe('readLastLogins()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  it('reads the dict listing doveadm printed', async () => {
    const { items, errors } = await collect((onInputError) =>
      readLastLogins({ doveadmDictIter: join(FIXTURES, 'dict-iter-tab.txt') }, { onInputError }),
    );
    expect(errors).toEqual([]);
    expect(items).toEqual([
      { user: 'alice@example.test', lastLogin: new Date(1795446538_000) },
      { user: 'bob@example.test', lastLogin: new Date(1795446624_000) },
    ]);
  });

  it('reads a CSV export with seconds, milliseconds and ISO 8601 dates', async () => {
    const { items, errors } = await collect((onInputError) =>
      readLastLogins({ csv: join(FIXTURES, 'last-logins.csv') }, { onInputError }),
    );
    expect(errors).toEqual([]);
    expect(items).toEqual([
      { user: 'alice@example.test', lastLogin: new Date(1795446538_000) },
      { user: 'carol@example.test', lastLogin: new Date('2024-03-01T08:00:00Z') },
      { user: 'dan@example.test', lastLogin: new Date(1700000000123) },
    ]);
  });

  it('reads both sources, the dict first', async () => {
    const { items } = await collect(() =>
      readLastLogins({ doveadmDictIter: join(FIXTURES, 'dict-iter-tab.txt'), csv: join(FIXTURES, 'last-logins.csv') }),
    );
    expect(items.map((item) => item.user)).toEqual([
      'alice@example.test',
      'bob@example.test',
      'alice@example.test',
      'carol@example.test',
      'dan@example.test',
    ]);
  });

  it('uses another key prefix when last_login_key is changed', async () => {
    const file = files.write('iter.txt', 'key\tvalue\nshared/ll/x@example.test\t1700000000\n');
    const { items } = await collect(() => readLastLogins({ doveadmDictIter: file, keyPrefix: 'shared/ll/' }));
    expect(items).toEqual([{ user: 'x@example.test', lastLogin: new Date(1700000000_000) }]);
  });

  it.each([
    ['a key outside the prefix', 'shared/quota/x@example.test\t5', 'expected "shared/last-login/<user> <time>"'],
    ['a key with no user', 'shared/last-login/\t1700000000', 'expected "shared/last-login/<user> <time>"'],
    ['a value that is no time', 'shared/last-login/x@example.test\tyesterday', '"yesterday" is not a Unix time'],
    ['a third column', 'shared/last-login/x@example.test\t1700000000\textra', 'expected'],
  ])('reports %s with its line and goes on', async (_name, row, reason) => {
    const file = files.write('iter.txt', `key\tvalue\n${row}\nshared/last-login/ok@example.test\t1700000000\n`);
    const { items, errors } = await collect((onInputError) =>
      readLastLogins({ doveadmDictIter: file }, { onInputError }),
    );
    expect(items.map((item) => item.user)).toEqual(['ok@example.test']);
    expect(errors.map((error) => [error.location, error.message.includes(reason)])).toEqual([
      [{ file, line: 2 }, true],
    ]);
  });

  it.each([
    ['a local date-time without offset', 'x@example.test,2024-03-01 08:00:00', 'is not a Unix time or an ISO 8601'],
    ['an empty user', ',1700000000', 'user "" is empty'],
    ['a time past what a Date holds', 'x@example.test,9999999999999999', 'is not a Unix time'],
  ])('reports %s in a CSV with its line and goes on', async (_name, row, reason) => {
    const file = files.write('ll.csv', `user,last_login\n${row}\nok@example.test,1700000000\n`);
    const { items, errors } = await collect((onInputError) => readLastLogins({ csv: file }, { onInputError }));
    expect(items.map((item) => item.user)).toEqual(['ok@example.test']);
    expect(errors.map((error) => [error.location, error.message.includes(reason)])).toEqual([
      [{ file, line: 2 }, true],
    ]);
  });

  it('reads a CSV with a French header, the columns in any order among others', async () => {
    const file = files.write(
      'll.csv',
      'Quota,Dernière connexion,Utilisateur\n1G,1700000000,alice@example.test\n2G,2024-03-01T08:00:00Z,bob@example.test\n',
    );
    expect(await collect(() => readLastLogins({ csv: file }))).toEqual({
      items: [
        { user: 'alice@example.test', lastLogin: new Date(1700000000_000) },
        { user: 'bob@example.test', lastLogin: new Date('2024-03-01T08:00:00Z') },
      ],
      errors: [],
    });
  });

  it('refuses a CSV header naming the user column twice, naming both columns and the header line', async () => {
    const file = files.write('ll.csv', 'user,utilisateur,last_login\na@example.test,b@example.test,1700000000\n');
    await expect(collect(() => readLastLogins({ csv: file }))).rejects.toMatchObject({
      message: `Cannot read last-login CSV "${file}": the header names the column "user" twice, as "user" and as "utilisateur"; keep one of them`,
      location: { file, line: 1 },
    });
  });

  it('refuses a CSV without the columns it needs, rows or none', async () => {
    const file = files.write('ll.csv', 'email,date\nx@example.test,1700000000\n');
    await expect(collect(() => readLastLogins({ csv: file }))).rejects.toThrow(
      `Cannot read last-login CSV "${file}": the header needs "user" and "last_login" columns`,
    );
    const headerOnly = files.write('header-only.csv', 'email,date\n');
    await expect(collect(() => readLastLogins({ csv: headerOnly }))).rejects.toThrow(/the header needs "user"/);
    expect(await collect(() => readLastLogins({ csv: files.write('no-rows.csv', 'user,last_login\n') }))).toEqual({
      items: [],
      errors: [],
    });
  });

  it('turns missing files into InputErrors naming them', async () => {
    const missing = join(FIXTURES, 'none.txt');
    await expect(collect(() => readLastLogins({ doveadmDictIter: missing }))).rejects.toThrow(
      `Cannot read doveadm dict iter output "${missing}": no such file or directory (ENOENT)`,
    );
    await expect(collect(() => readLastLogins({ csv: missing }))).rejects.toThrow(
      `Cannot read last-login CSV "${missing}": no such file or directory (ENOENT)`,
    );
  });
});
