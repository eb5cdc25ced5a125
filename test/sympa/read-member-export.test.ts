import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMemberExport } from '../../src/sympa/read-member-export.js';
import { collect, FIXTURES, scratch } from './helpers.js';

/**
 * The export-*.txt fixtures are written from the print statements of `do_export_member` in Sympa 6.2.70's
 * wwsympa.fcgi (tab-separated, the bounce header, an undefined gecos printed as nothing), with the members and
 * bounces of member.dump; they were not downloaded from a running WWSympa.
 */
const LIST = 'probe@lists.example.org';

async function read(file: string) {
  return collect((onInputError) => readMemberExport(file, LIST, { onInputError }));
}

describe('readMemberExport()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  it.each([
    ['export-light.txt', [null, null, null, null]],
    ['export-full.txt', ['Alice Liddell', 'Bob', 'Carol Été', null]],
  ])('reads the %s format: addresses and names, no bounce data', async (name, gecos) => {
    const { items, errors } = await read(join(FIXTURES, name));
    expect(errors).toEqual([]);
    expect(items.map((member) => member.email)).toEqual([
      'alice@example.org',
      'bob@example.net',
      'carol@example.com',
      'dave@gone.example',
    ]);
    expect(items.map((member) => member.gecos)).toEqual(gecos);
    expect(items.every((member) => member.bounce === null && member.bounceScore === null)).toBe(true);
  });

  it('skips the search-filter comment of a filtered full export', async () => {
    const { items, errors } = await read(join(FIXTURES, 'export-full-filtered.txt'));
    expect(errors).toEqual([]);
    expect(items.map((member) => [member.email, member.gecos])).toEqual([
      ['alice@example.org', 'Alice Liddell'],
      ['bob@example.net', 'Bob'],
    ]);
  });

  it('reads the bounce format: score, count, first and last bounce, no status', async () => {
    const { items, errors } = await read(join(FIXTURES, 'export-bounce.txt'));
    expect(errors).toEqual([]);
    expect(items).toEqual([
      {
        list: LIST,
        email: 'bob@example.net',
        gecos: 'Bob',
        subscribedAt: null,
        bounce: { first: new Date(1795444004_000), last: new Date(1795444013_000), count: 2, status: null },
        bounceScore: 87,
        inclusion: null,
        isSubscribed: null,
      },
      {
        list: LIST,
        email: 'dave@gone.example',
        gecos: null,
        subscribedAt: null,
        bounce: { first: new Date(1795444004_000), last: new Date(1795444004_000), count: 1, status: null },
        bounceScore: null,
        inclusion: null,
        isSubscribed: null,
      },
    ]);
  });

  it('reads a browser download with CRLF line ends', async () => {
    const file = files.write('crlf.txt', 'a@example.org\tA\r\nb@example.org\r\n');
    const { items, errors } = await read(file);
    expect(errors).toEqual([]);
    expect(items.map((member) => [member.email, member.gecos])).toEqual([
      ['a@example.org', 'A'],
      ['b@example.org', null],
    ]);
  });

  it.each([
    ['a word that is no address', 'ok@example.org\nJohn Smith\n', 2, 'is not an address', 1],
    ['too many columns', 'ok@example.org\tA\tB\n', 1, 'found 3 columns', 1],
    [
      'a bounce row with a column missing',
      '# Email\tName\tBounce score\tBounce count\tFirst bounce\tLast bounce\nok@example.org\tA\t\t1\t1795444004\nok2@example.org\tB\t\t1\t1795444004\t1795444004\n',
      2,
      'expected 6 tab-separated columns',
      1,
    ],
    [
      'a bounce row with a date that is no number',
      '# Email\tName\tBounce score\tBounce count\tFirst bounce\tLast bounce\nok@example.org\tA\t\t1\t2026-11-23\t1795444004\n',
      2,
      'are not numbers',
      1,
    ],
  ])('reports %s with its line and goes on', async (_name, content, line, reason, count) => {
    const file = files.write('bad.txt', content);
    const { items, errors } = await read(file);
    expect(items).toHaveLength(count);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(reason);
    expect(errors[0]?.location).toEqual({ file, line });
  });

  it('stops at the first bad line when no error handler is given', async () => {
    const file = files.write('strict.txt', 'ok@example.org\nnot-an-address\n');
    await expect(collect(() => readMemberExport(file, LIST))).rejects.toThrow(
      `Cannot read Sympa member export "${file}": "not-an-address" is not an address`,
    );
  });
});
