import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMemberDump } from '../../src/sympa/read-member-dump.js';
import { readSubscriberTable } from '../../src/sympa/read-subscriber-table.js';
import { runSympaDel } from '../../src/sympa/run-sympa-del.js';
import { createSympaList, setBounceScore, SYMPA, sympa, type SympaList } from './helpers/sympa.js';

const MEMBERS = [
  { email: 'alice@example.org', gecos: 'Alice Liddell' },
  { email: 'bob@example.net', gecos: 'Bob' },
  { email: 'carol@example.com', gecos: 'Carol Été' },
  { email: 'dave@gone.example' },
];

describe('Sympa 6.2 for real: read members and bounces, then unsubscribe the bouncing ones', () => {
  let list: SympaList;
  const created: SympaList[] = [];
  beforeAll(async () => {
    list = await createSympaList('facteur-dormant');
    created.push(list);
    await list.add(MEMBERS);
    await list.bounce([
      { email: 'bob@example.net', status: '5.1.1' },
      { email: 'dave@gone.example', status: '4.2.2' },
    ]);
    setBounceScore(list, 'bob@example.net', 87);
  });
  afterAll(async () => {
    for (const each of created) await each.remove();
  });

  it('readSubscriberTable() reads the members and the bounces bounced.pl recorded', () => {
    const members = [...readSubscriberTable(list.dbFile, { list: list.address })];
    expect(members.map((m) => [m.list, m.email, m.gecos])).toEqual([
      [list.address, 'alice@example.org', 'Alice Liddell'],
      [list.address, 'bob@example.net', 'Bob'],
      [list.address, 'carol@example.com', 'Carol Été'],
      [list.address, 'dave@gone.example', null],
    ]);
    expect(members.map((m) => [m.email, m.bounce?.count ?? 0, m.bounce?.status ?? null, m.bounceScore])).toEqual([
      ['alice@example.org', 0, null, null],
      ['bob@example.net', 1, '5.1.1', 87],
      ['carol@example.com', 0, null, null],
      ['dave@gone.example', 1, '4.2.2', null],
    ]);
    for (const member of members) expect(member.subscribedAt).toBeInstanceOf(Date);
  });

  it('readMemberDump() reads what "sympa dump" writes, the same as the database', async () => {
    const dumped = await sympa(['dump', list.address]);
    expect(dumped.code).toBe(0);
    const fromDump = [];
    for await (const member of readMemberDump(`/var/lib/sympa/list_data/${list.name}/member.dump`, list.address))
      fromDump.push(member);
    expect(fromDump).toEqual([...readSubscriberTable(list.dbFile, { list: list.address })]);
  });

  it('runSympaDel() changes nothing in a dry run, then removes exactly the bouncing members', async () => {
    const bouncing = [...readSubscriberTable(list.dbFile, { list: list.address })]
      .filter((member) => member.bounce !== null)
      .map((member) => member.email);
    expect(bouncing).toEqual(['bob@example.net', 'dave@gone.example']);

    const planned = await runSympaDel(list.address, bouncing, { sympaCommand: SYMPA, dryRun: true });
    expect(planned.results.map((r) => r.outcome)).toEqual(['planned', 'planned']);
    expect(await list.review()).toEqual(MEMBERS.map((member) => member.email));

    const done = await runSympaDel(list.address, [...bouncing, 'nobody@example.org'], {
      sympaCommand: SYMPA,
      dryRun: false,
    });
    expect(done.results.map((r) => [r.address, r.outcome])).toEqual([
      ['bob@example.net', 'removed'],
      ['dave@gone.example', 'removed'],
      ['nobody@example.org', 'refused'],
    ]);
    // Sympa exits 1 when any address of the batch failed: here the non-member.
    expect(done.exitCode).toBe(1);
    expect(await list.review()).toEqual(['alice@example.org', 'carol@example.com']);
  });
});
