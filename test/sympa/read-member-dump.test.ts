import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { MAX_LINE_BYTES } from '../../src/sympa/read-lines.js';
import { readMemberDump } from '../../src/sympa/read-member-dump.js';
import { collect, FIXTURES, scratch } from './helpers.js';

const LIST = 'probe@lists.example.org';

describe('readMemberDump()', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => {
    files = scratch();
  });
  afterEach(() => {
    files.cleanup();
  });

  it('reads the member.dump Sympa 6.2.70 wrote, bounce data included', async () => {
    const { items, errors } = await collect((onInputError) =>
      readMemberDump(join(FIXTURES, 'member.dump'), LIST, { onInputError }),
    );
    expect(errors).toEqual([]);
    expect(items).toEqual([
      {
        list: LIST,
        email: 'alice@example.org',
        gecos: 'Alice Liddell',
        subscribedAt: new Date(1795444000_000),
        bounce: null,
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: LIST,
        email: 'bob@example.net',
        gecos: 'Bob',
        subscribedAt: new Date(1795444000_000),
        bounce: { first: new Date(1795444004_000), last: new Date(1795444013_000), count: 2, status: '5.1.1' },
        bounceScore: 87,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: LIST,
        email: 'carol@example.com',
        gecos: 'Carol Été',
        subscribedAt: new Date(1795444000_000),
        bounce: null,
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
      {
        list: LIST,
        email: 'dave@gone.example',
        gecos: null,
        subscribedAt: new Date(1795444000_000),
        bounce: { first: new Date(1795444004_000), last: new Date(1795444004_000), count: 1, status: '4.2.2' },
        bounceScore: null,
        inclusion: null,
        isSubscribed: true,
      },
    ]);
  });

  it('reads where each member came from, as Sympa 6.2.70 dumps an include_file list', async () => {
    // What `sympa dump` wrote for a list with `include_file` after `sympa include`: both@ also subscribed by ADD.
    const file = files.write(
      'member.dump',
      [
        'date 1796477525\nemail both@example.org\ngecos Both\ninclusion 1796477531\ninclusion_ext 1796477531',
        'inclusion_label staff.txt\nnumber_messages 0\nreception mail\nsubscribed 1\nupdate_date 1796477525',
        'visibility noconceal\nincluded 1\n',
        'date 1796477526\nemail inc2@example.net\ninclusion 1796477531\ninclusion_ext 1796477531',
        'inclusion_label staff.txt\nnumber_messages 0\nreception mail\nsubscribed 0\nupdate_date 1796477526',
        'visibility noconceal\nincluded 1\n',
        // A dump from before Sympa 6.2.45: "included" alone.
        'date 1596477526\nemail old@example.net\nincluded 1\n',
      ].join('\n'),
    );
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(errors).toEqual([]);
    expect(items.map((member) => [member.email, member.isSubscribed, member.inclusion])).toEqual([
      ['both@example.org', true, { dataSource: 'staff.txt', syncedAt: new Date(1796477531_000) }],
      ['inc2@example.net', false, { dataSource: 'staff.txt', syncedAt: new Date(1796477531_000) }],
      ['old@example.net', false, { dataSource: null, syncedAt: null }],
    ]);
  });

  it('reports a damaged subscribed flag and inclusion date, keeping the member', async () => {
    const file = files.write('member.dump', 'email a@example.org\nsubscribed yes\ninclusion soon\n');
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(items.map((member) => [member.email, member.isSubscribed, member.inclusion])).toEqual([
      ['a@example.org', null, null],
    ]);
    expect(errors.map((error) => [error.location.line, error.message.split(': ')[1]])).toEqual([
      [2, 'subscribed "yes" is not 0 or 1'],
      [3, 'inclusion "soon" is not Unix seconds'],
    ]);
  });

  it('reads CRLF line ends, several blank lines and no final newline', async () => {
    const file = files.write('crlf.dump', '\r\n\r\nemail a@example.org\r\ngecos A\r\n\r\n\r\n\r\nemail b@example.org');
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(errors).toEqual([]);
    expect(items.map((member) => [member.email, member.gecos])).toEqual([
      ['a@example.org', 'A'],
      ['b@example.org', null],
    ]);
  });

  it.each([
    ['a record without email', 'gecos Nobody\ndate 1795444000\n\nemail ok@example.org\n', 1, 'has no "email"'],
    ['an email that is not an address', 'email not an address\n\nemail ok@example.org\n', 1, 'is not an address'],
    ['a line that is not "key value"', 'email ok@example.org\n=== ===\n', 2, 'is not "key value"'],
  ])('reports %s with its line and goes on', async (_name, content, line, reason) => {
    const file = files.write('bad.dump', content);
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(items.map((member) => member.email)).toEqual(['ok@example.org']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(reason);
    expect(errors[0]?.location).toEqual({ file, line });
  });

  it.each([
    ['date', 'date yesterday', 'subscribedAt', 'is not Unix seconds'],
    ['bounce', 'bounce 1795444004 soon 2 5.1.1', 'bounce', 'is not "first last count status"'],
    ['bounce_score', 'bounce_score high', 'bounceScore', 'is not a number'],
  ] as const)(
    'reports a damaged "%s" on its line and keeps the member without it',
    async (_key, line, field, reason) => {
      const file = files.write('field.dump', `email ok@example.org\n${line}\n`);
      const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
      expect(items).toHaveLength(1);
      expect(items[0]?.[field]).toBeNull();
      expect(errors.map((error) => [error.location.line, error.message.includes(reason)])).toEqual([[2, true]]);
    },
  );

  it('reports a line that is not UTF-8 and keeps its text with replacement characters', async () => {
    const file = files.write('latin1.dump', Buffer.from('email e@example.org\ngecos \xc9lodie\n', 'latin1'));
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(items[0]?.gecos).toBe('\ufffdlodie');
    expect(errors.map((error) => error.location.line)).toEqual([2]);
  });

  it('skips an over-long line without holding it in memory', async () => {
    const file = files.write(
      'long.dump',
      `email a@example.org\ngecos ${'x'.repeat(MAX_LINE_BYTES + 10)}\n\nemail b@example.org\n`,
    );
    const { items, errors } = await collect((onInputError) => readMemberDump(file, LIST, { onInputError }));
    expect(items.map((member) => [member.email, member.gecos])).toEqual([
      ['a@example.org', null],
      ['b@example.org', null],
    ]);
    expect(errors.map((error) => [error.location.line, error.message.endsWith('line is too long')])).toEqual([
      [2, true],
    ]);
  });

  it('stops at the first bad record when no error handler is given', async () => {
    const file = files.write('strict.dump', 'email ok@example.org\n\ngecos Nobody\n');
    await expect(collect(() => readMemberDump(file, LIST))).rejects.toThrow(
      `Cannot read Sympa member dump "${file}": member record has no "email"`,
    );
  });

  it('turns a missing file into an InputError naming it', async () => {
    const missing = join(FIXTURES, 'no-such.dump');
    await expect(collect(() => readMemberDump(missing, LIST))).rejects.toThrow(
      new InputError(
        {
          en: `Cannot read Sympa member dump "${missing}": no such file or directory (ENOENT)`,
          fr: `Impossible de lire la sauvegarde des abonnés Sympa « ${missing} » : aucun fichier ou répertoire de ce nom (ENOENT)`,
        },
        { file: missing },
      ),
    );
  });
});
