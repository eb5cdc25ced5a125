import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecipientEntry, RecipientsHooks } from '../../src/send/read-recipients.js';
import { normaliseEmail, readRecipients } from '../../src/send/read-recipients.js';

async function readAll(file: string, hooks: RecipientsHooks = {}): Promise<RecipientEntry[]> {
  const entries: RecipientEntry[] = [];
  for await (const entry of readRecipients(file, hooks)) entries.push(entry);
  return entries;
}

/** The header and quoting of a LimeSurvey 6 participant export ("Export participants to CSV"). */
const LIMESURVEY =
  '\uFEFF"tid","firstname","lastname","email","emailstatus","token","language","validfrom","validuntil","invited","reminded","remindercount","completed","usesleft","attribute_1 <Quartier>","attribute_2 <Code postal>"\n' +
  '"1","Zoé","Martin","zoe.martin@Example.ORG","OK","aB3dE","fr","","","N","N","0","N","1","Centre","88000"\n' +
  '"2","Paul","Durand","paul@example.org","bounced","fG7hI","fr","","","Y","N","0","N","1","Nord","88000"\n' +
  '"3","Léa","Petit","lea@example.org","OptOut","jK9lM","fr","","","Y","N","0","N","1","Sud","88000"\n' +
  '"4","Ana","Roy","not-an-address","OK","nO1pQ","fr","","","N","N","0","N","1","Est","88000"\n';

describe('readRecipients()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-recipients-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a list saved as Excel\'s "CSV" (Windows-1252, semicolons) with its accents right', async () => {
    const file = join(dir, 'habitants.csv');
    // One byte a character: é is 0xE9, É 0xC9, and the curly apostrophe Windows-1252's 0x92.
    writeFileSync(
      file,
      Buffer.from('email;pr\u00e9nom;rue\r\nzoe@example.org;Zo\u00e9;Rue de l\u0092\u00c9glise\r\n', 'latin1'),
    );
    expect(await readAll(file)).toEqual([
      {
        kind: 'recipient',
        line: 2,
        email: 'zoe@example.org',
        fields: { email: 'zoe@example.org', prénom: 'Zoé', rue: 'Rue de l’Église', firstname: 'Zoé' },
      },
    ]);
  });

  it('reads a LimeSurvey participant export as is, skipping rows whose emailstatus is not OK', async () => {
    writeFileSync(join(dir, 'tokens.csv'), LIMESURVEY);
    const entries = await readAll(join(dir, 'tokens.csv'));
    expect(entries.map((entry) => [entry.kind, entry.line])).toEqual([
      ['recipient', 2],
      ['skipped', 3],
      ['skipped', 4],
      ['skipped', 5],
    ]);
    const first = entries[0];
    expect(first?.kind === 'recipient' && first.email).toBe('zoe.martin@example.org');
    expect(first?.kind === 'recipient' && first.fields).toMatchObject({
      tid: '1',
      firstname: 'Zoé',
      token: 'aB3dE',
      attribute_1: 'Centre',
      attribute_2: '88000',
    });
    expect(entries.slice(1)).toEqual([
      { kind: 'skipped', line: 3, reason: 'email_status', value: 'bounced' },
      { kind: 'skipped', line: 4, reason: 'email_status', value: 'OptOut' },
      { kind: 'skipped', line: 5, reason: 'invalid_email', value: 'not-an-address' },
    ]);
  });

  it('reads our own columns, semicolon-separated, with fields spanning lines', async () => {
    writeFileSync(join(dir, 'r.csv'), 'email;name;note\na@example.org;A;"two\nlines"\nb@example.org;B;x\n');
    const entries = await readAll(join(dir, 'r.csv'));
    expect(entries).toEqual([
      {
        kind: 'recipient',
        line: 3,
        email: 'a@example.org',
        fields: { email: 'a@example.org', name: 'A', note: 'two\nlines' },
      },
      { kind: 'recipient', line: 4, email: 'b@example.org', fields: { email: 'b@example.org', name: 'B', note: 'x' } },
    ]);
  });

  it('refuses a file without an email column, naming the header line and the columns it has', async () => {
    writeFileSync(join(dir, 'r.csv'), 'Téléphone;Nom\n0102030405;A\n');
    await expect(readAll(join(dir, 'r.csv'))).rejects.toThrow(
      `Cannot read recipients file "${join(dir, 'r.csv')}": the header has no "email" column (its columns: "Téléphone", "Nom"); name the column of the addresses "email", "e-mail", "mail" or "courriel"`,
    );
  });

  it('reads a French header: the address under "Adresse e-mail", {{firstname}} and {{lastname}} from "Prénom" and "Nom", each column still under its own name', async () => {
    writeFileSync(
      join(dir, 'r.csv'),
      'Nom;Prénom;Adresse e-mail;Quartier\nMartin;Camille;camille@example.org;Centre\n',
    );
    expect(await readAll(join(dir, 'r.csv'))).toEqual([
      {
        kind: 'recipient',
        line: 2,
        email: 'camille@example.org',
        fields: {
          Nom: 'Martin',
          Prénom: 'Camille',
          'Adresse e-mail': 'camille@example.org',
          Quartier: 'Centre',
          email: 'camille@example.org',
          firstname: 'Camille',
          lastname: 'Martin',
        },
      },
    ]);
  });

  it('leaves a short row without the field under both names, so that a template using it fails on that row', async () => {
    writeFileSync(join(dir, 'r.csv'), 'Courriel;Nom;Prénom\na@example.org;Martin\n');
    expect(await readAll(join(dir, 'r.csv'))).toEqual([
      {
        kind: 'recipient',
        line: 2,
        email: 'a@example.org',
        fields: { Courriel: 'a@example.org', Nom: 'Martin', email: 'a@example.org', lastname: 'Martin' },
      },
    ]);
  });

  it('tells the templates every field a French header gives: its columns and the English names of the known ones', async () => {
    writeFileSync(join(dir, 'r.csv'), 'Courriel;Prénom\na@example.org;A\n');
    const seen: { header: readonly string[]; fields: readonly string[] }[] = [];
    await readAll(join(dir, 'r.csv'), { onColumns: (columns) => seen.push(columns) });
    expect(seen).toEqual([{ header: ['Courriel', 'Prénom'], fields: ['Courriel', 'Prénom', 'email', 'firstname'] }]);
  });

  it('refuses a header naming the address column twice, naming both columns and the header line', async () => {
    writeFileSync(join(dir, 'r.csv'), 'email;Prénom;Courriel\na@example.org;A;b@example.org\n');
    await expect(readAll(join(dir, 'r.csv'))).rejects.toMatchObject({
      message: `Cannot read recipients file "${join(dir, 'r.csv')}": the header names the column "email" twice, as "email" and as "Courriel"; keep one of them`,
      location: { file: join(dir, 'r.csv'), line: 1 },
    });
  });

  it.each([
    ['empty', '', 'it is empty; it needs a header line with an "email" column'],
    ['blank', '\n\n', 'it is empty; it needs a header line with an "email" column'],
    ['header-only', '\uFEFFemail;firstname\n', 'it has a header but no recipient line'],
    ['header-only without an email column', 'Téléphone;Nom\n', 'the header has no "email" column'],
  ])('refuses a file with no recipient line (%s), naming it', async (_name, content, reason) => {
    writeFileSync(join(dir, 'r.csv'), content);
    await expect(readAll(join(dir, 'r.csv'))).rejects.toThrow(
      `Cannot read recipients file "${join(dir, 'r.csv')}": ${reason}`,
    );
  });

  it('reads a list whose every row is skipped as such, not as an empty list', async () => {
    writeFileSync(join(dir, 'r.csv'), 'email,emailstatus\na@example.org,bounced\n');
    expect(await readAll(join(dir, 'r.csv'))).toEqual([
      { kind: 'skipped', line: 2, reason: 'email_status', value: 'bounced' },
    ]);
  });

  it('finds the email column whatever its capitals, as a spreadsheet may write it; templates still say {{email}}', async () => {
    writeFileSync(join(dir, 'r.csv'), 'Email;Prénom\nZoe@Example.ORG;Zoé\n');
    expect(await readAll(join(dir, 'r.csv'))).toEqual([
      {
        kind: 'recipient',
        line: 2,
        email: 'Zoe@example.org',
        fields: { Email: 'Zoe@Example.ORG', Prénom: 'Zoé', email: 'Zoe@Example.ORG', firstname: 'Zoé' },
      },
    ]);
  });

  it('names a missing file', async () => {
    await expect(readAll(join(dir, 'none.csv'))).rejects.toThrow(
      /Cannot read recipients file ".*none\.csv": no such file or directory \(ENOENT\)/,
    );
  });

  it('names the file on a CSV syntax error, and says it in words of its own', async () => {
    writeFileSync(join(dir, 'r.csv'), 'email,name\n"a@example.org,A\n');
    await expect(readAll(join(dir, 'r.csv'))).rejects.toThrow(
      /^Cannot parse recipients file ".*r\.csv": a quote opens a field and is never closed: the file ends inside it; /,
    );
  });

  it('reads a quote inside an unquoted field as text, as a hand-written list has it', async () => {
    writeFileSync(join(dir, 'r.csv'), 'email;name\njean@example.org;Jean "Jeannot" Dupont\nlea@example.org;Léa\n');
    const entries = await readAll(join(dir, 'r.csv'));
    expect(entries.map((entry) => (entry.kind === 'recipient' ? entry.fields.name : entry))).toEqual([
      'Jean "Jeannot" Dupont',
      'Léa',
    ]);
  });

  it('reads 20,000 rows one at a time', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `user${i}@example.org,${i}`).join('\n');
    writeFileSync(join(dir, 'big.csv'), `email,n\n${rows}\n`);
    let count = 0;
    let lastLine = 0;
    for await (const entry of readRecipients(join(dir, 'big.csv'))) {
      if (entry.kind === 'recipient') count++;
      lastLine = entry.line;
    }
    expect(count).toBe(20_000);
    expect(lastLine).toBe(20_001);
  });
});

describe('normaliseEmail()', () => {
  it.each([
    ['Jo@Example.ORG', 'Jo@example.org'],
    [' jo@example.org ', 'jo@example.org'],
    ['jo@mairie-épinal.fr', 'jo@xn--mairie-pinal-heb.fr'],
    ['jo@example', null],
    ['jo@@example.org', null],
    ['jo <jo@example.org>', null],
    ['jo@example.org\r\nBcc: x@evil.example', null],
    [`${'a'.repeat(65)}@example.org`, null],
  ])('normalises %j to %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });
});
