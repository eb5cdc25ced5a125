import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMailboxStatus } from '../../src/mailbox/read-mailbox-status.js';
import { collect, scratch } from '../sympa/helpers.js';

/** Output of Dovecot 2.3.19.1's `doveadm -f tab fetch -A 'date.saved.unixtime' mailbox INBOX all`. */
const FIXTURE = join(import.meta.dirname, '../fixtures/mailbox/fetch-saved-dates.txt');

describe('readMailboxStatus()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  it('reads the newest saved date doveadm printed per user', async () => {
    const { items, errors } = await collect((onInputError) => readMailboxStatus(FIXTURE, { onInputError }));
    expect(errors).toEqual([]);
    expect(items).toEqual([
      { user: 'alice@example.test', newestSavedAt: new Date(1795446538_000) },
      { user: 'bob@example.test', newestSavedAt: new Date(1795446891_000) },
    ]);
  });

  it("keeps the newest of each user's messages, in whatever order they come", async () => {
    const file = files.write(
      'out.txt',
      'Username\tdate.saved.unixtime\na@x.test\t1700000500\na@x.test\t1700000900\nb@x.test\t1600000000\na@x.test\t1700000100\n',
    );
    const { items } = await collect(() => readMailboxStatus(file));
    expect(items).toEqual([
      { user: 'a@x.test', newestSavedAt: new Date(1700000900_000) },
      { user: 'b@x.test', newestSavedAt: new Date(1600000000_000) },
    ]);
  });

  it('finds the columns by name, wherever doveadm puts them', async () => {
    const file = files.write('out.txt', 'uid\tdate.saved.unixtime\tUsername\n7\t1700000000\tx@example.test\n');
    const { items } = await collect(() => readMailboxStatus(file));
    expect(items).toEqual([{ user: 'x@example.test', newestSavedAt: new Date(1700000000_000) }]);
  });

  it.each([
    ['a date that is no Unix time', 'x@example.test\t2024-01-01 10:00:00', 'is not a Unix time'],
    ['a missing date', 'x@example.test', '"" is not a Unix time'],
    ['an empty user', '\t1700000000', 'user "" is empty'],
  ])('reports %s with its line and goes on', async (_name, row, reason) => {
    const file = files.write('out.txt', `Username\tdate.saved.unixtime\n${row}\nok@example.test\t1700000000\n`);
    const { items, errors } = await collect((onInputError) => readMailboxStatus(file, { onInputError }));
    expect(items.map((item) => item.user)).toEqual(['ok@example.test']);
    expect(errors.map((error) => [error.location, error.message.includes(reason)])).toEqual([
      [{ file, line: 2 }, true],
    ]);
  });

  it('refuses output of another doveadm command, saying which to run', async () => {
    const file = files.write(
      'out.txt',
      'Username\tmailbox\tmessages\tfirstsaved\nx@example.test\tINBOX\t2\t1700000000\n',
    );
    await expect(collect(() => readMailboxStatus(file))).rejects.toThrow(
      'the header needs "Username" and "date.saved.unixtime" (run doveadm -f tab fetch -A date.saved.unixtime mailbox INBOX all)',
    );
  });
});
