import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseMembersCsv, whyNotDomain } from '../../src/parse/parse-members-csv.js';
import { thrown } from '../helpers/thrown.js';

describe('parseMembersCsv()', () => {
  it('reads the documented columns and ignores the others', () => {
    const text =
      '\uFEFFid_adh,Domain,member,contact,dkim_selectors,sending_ips\n' +
      '1,Exemple.ORG,Assoc,admin@exemple.org,"mail s2",192.0.2.1 2001:db8::1\n';
    const { rows, errors } = parseMembersCsv(text, 'm.csv');
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        domain: 'exemple.org',
        member: 'Assoc',
        contact: 'admin@exemple.org',
        dkimSelectors: ['mail', 's2'],
        sendingIps: ['192.0.2.1', '2001:db8::1'],
        line: 2,
      },
    ]);
  });

  it('converts an internationalised domain to A-labels', () => {
    const { rows } = parseMembersCsv('domain\nmairie-épinal.fr\n', 'm.csv');
    expect(rows[0]?.domain).toBe('xn--mairie-pinal-heb.fr');
  });

  it.each([
    ['a bad domain', 'domain\nnot a domain\nok.example\n', /"not a domain" holds a space, which no domain has/],
    ['an IP address as domain', 'domain\n192.0.2.1\nok.example\n', /"192.0.2.1" is an IP address/],
    [
      'a bad selector',
      'domain,dkim_selectors\nok.example,bad_sel!\nok2.example,\n',
      /invalid DKIM selector "bad_sel!"/,
    ],
    ['a bad IP', 'domain,sending_ips\nok.example,192.0.2.300\nok2.example,\n', /invalid sending IP "192.0.2.300"/],
    ['a duplicate', 'domain\nok.example\nOK.example\n', /already listed at line 2/],
  ])('reports %s with its line and keeps the other rows', (_name, text, message) => {
    const { rows, errors } = parseMembersCsv(text, 'm.csv');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(message);
    expect(errors[0]?.location.line).toBeGreaterThanOrEqual(2);
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  it('marks a repeated domain apart from the rows that could not be read: the domain itself is kept', () => {
    const { rows, errors } = parseMembersCsv('domain\nok.example\nOK.example\nnot a domain\n', 'm.csv');
    expect(rows.map((row) => row.domain)).toEqual(['ok.example']);
    expect(errors.map((error) => error.code)).toEqual(['EDUPLICATE', 'EINPUT']);
  });

  it('rejects a file without a domain column, naming its columns as written and the names it takes', () => {
    expect(() => parseMembersCsv('Nom;Site web\nfoo;foo.example\n', 'm.csv')).toThrow(
      'the header has no "domain" column (its columns: "Nom", "Site web"); name the column of the domains "domain", "domaine" or "nom de domaine"',
    );
  });

  it('rejects a header-only file without a domain column, as one with rows', () => {
    expect(() => parseMembersCsv('Nom;Site web\n', 'm.csv')).toThrow('the header has no "domain" column');
  });

  it('reads a French header: accents, capitals, spaces and separators as a spreadsheet or Galette writes them', () => {
    const text =
      "Adhérent;Domaine;Courriel;Sélecteurs DKIM;IPs d'envoi;Téléphone\n" +
      'Vélo Brestois;asso-velo.example;admin@asso-velo.example;mail s2;192.0.2.1\n';
    const { rows, errors } = parseMembersCsv(text, 'm.csv');
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        domain: 'asso-velo.example',
        member: 'Vélo Brestois',
        contact: 'admin@asso-velo.example',
        dkimSelectors: ['mail', 's2'],
        sendingIps: ['192.0.2.1'],
        line: 2,
      },
    ]);
  });

  it('reads a French header written as a programmer would: selecteurs_dkim, ips_d_envoi', () => {
    const { rows } = parseMembersCsv('domaine,selecteurs_dkim,ips_d_envoi\nok.example,mail,192.0.2.1\n', 'm.csv');
    expect(rows[0]).toMatchObject({ domain: 'ok.example', dkimSelectors: ['mail'], sendingIps: ['192.0.2.1'] });
  });

  it('rejects a header naming a column twice, in English and in French, naming both and the header line', () => {
    const error = thrown(() => parseMembersCsv('domain;Domaine\na.example;b.example\n', 'm.csv')) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'Cannot read members file "m.csv": the header names the column "domain" twice, as "domain" and as "Domaine"; keep one of them',
    );
    expect(error.location).toEqual({ file: 'm.csv', line: 1 });
    expect(error.text.fr).toBe(
      'Impossible de lire le fichier des adhérents « m.csv » : l’en-tête nomme deux fois la colonne « domain », « domain » et « Domaine » ; n’en gardez qu’une',
    );
  });

  it('rejects an unterminated quote naming the file, in words of its own', () => {
    const error = thrown(() => parseMembersCsv('domain\n"ok.example\n', 'm.csv'));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).text.fr).toBe(
      'Impossible d’analyser le fichier des adhérents « m.csv » : un guillemet ouvre un champ sans jamais le refermer : le fichier se termine à l’intérieur ; un guillemet dans un champ entre guillemets s’écrit doublé ("")',
    );
    expect((error as InputError).location).toEqual({ file: 'm.csv', line: 2 });
  });

  it('reads a quote inside an unquoted field as text, and refuses a quoted field that goes on after its quote', () => {
    const { rows, errors } = parseMembersCsv('domain,member\nasso.example,Club "Photo"\nvelo.example,Vélo\n', 'm.csv');
    expect(errors).toEqual([]);
    expect(rows.map((row) => [row.domain, row.member, row.line])).toEqual([
      ['asso.example', 'Club "Photo"', 2],
      ['velo.example', 'Vélo', 3],
    ]);
    const error = thrown(() => parseMembersCsv('domain,member\n"theatre.example"x,Théâtre\n', 'm.csv'));
    expect((error as InputError).text.en).toMatch(
      /^Cannot parse members file "m.csv": a quoted field goes on after its closing quote; /,
    );
    expect((error as InputError).location).toEqual({ file: 'm.csv', line: 2 });
  });
});

describe('whyNotDomain()', () => {
  it.each([
    ['', 'the domain is empty'],
    [
      'https://www.asso-velo.example/adhesion',
      '"https://www.asso-velo.example/adhesion" is a web address: write its domain alone, "www.asso-velo.example"',
    ],
    [
      'contact@Théâtre.example',
      '"contact@Théâtre.example" is an email address: write its domain alone, "Théâtre.example"',
    ],
    ['mailto:contact@theatre', '"mailto:contact@theatre" is an email address, not a domain'],
    [
      '2001:db8::25',
      '"2001:db8::25" is an IP address: facteur checks domains (the hoster\'s own IPs go in --sending-ips)',
    ],
    ['.atelier.example', '".atelier.example" starts with a dot: write "atelier.example"'],
    ['asso velo.example', '"asso velo.example" holds a space, which no domain has'],
    ['asso_velo!.example', '"asso_velo!.example" is not a domain name'],
  ])('says why "%s" is not a domain, and which one to write', (input, reason) => {
    expect(whyNotDomain(input).en).toBe(reason);
  });

  it('says it in French too', () => {
    expect(whyNotDomain('contact@theatre.example').fr).toBe(
      '« contact@theatre.example » est une adresse électronique : écrivez son domaine seul, « theatre.example »',
    );
  });
});
