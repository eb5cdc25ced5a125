import { describe, expect, it } from 'vitest';
import {
  columnClashText,
  columnKey,
  columnNamesText,
  findColumns,
  LAST_LOGIN_COLUMNS,
  MEMBER_COLUMNS,
  RECIPIENT_COLUMNS,
} from '../../src/parse/csv-columns.js';

describe('columnKey()', () => {
  it.each([
    ['sélecteurs DKIM', 'selecteursdkim'],
    ['selecteurs_dkim', 'selecteursdkim'],
    ['Sélecteur(s) DKIM', 'selecteursdkim'],
    ["IPs d'envoi", 'ipsdenvoi'],
    ['IPs d’envoi', 'ipsdenvoi'],
    ['  Courriel  ', 'courriel'],
    ['E-Mail :', 'email'],
    ['Adresse e-mail', 'adresseemail'],
    ['PRÉNOM', 'prenom'],
    ['last_login', 'lastlogin'],
    ['lastLogin', 'lastlogin'],
  ])('columnKey() reads "%s" as "%s"', (name, key) => {
    expect(columnKey(name)).toBe(key);
  });
});

describe('findColumns()', () => {
  it.each([
    ['domaine', 'domain'],
    ['Domaine', 'domain'],
    ['Nom de domaine', 'domain'],
    ['Adhérent', 'member'],
    ['adherente', 'member'],
    ['Courriel', 'contact'],
    ['Adresse électronique', 'contact'],
    ['sélecteurs DKIM', 'dkim_selectors'],
    ['selecteurs_dkim', 'dkim_selectors'],
    ["IPs d'envoi", 'sending_ips'],
    ['adresses_ip_d_envoi', 'sending_ips'],
    ['DKIM selectors', 'dkim_selectors'],
  ])('findColumns() takes the members header "%s" for "%s"', (name, key) => {
    expect(findColumns(['Téléphone', name], MEMBER_COLUMNS)).toEqual({ columns: { [key]: { index: 1, name } } });
  });

  it.each([
    ['Courriel', 'email'],
    ['Adresse e-mail', 'email'],
    ['E-mail', 'email'],
    ['Mél', 'email'],
    ['Email', 'email'],
    ['Prénom', 'firstname'],
    ['Nom', 'lastname'],
    ['Nom de famille', 'lastname'],
  ])('findColumns() takes the recipients header "%s" for "%s"', (name, key) => {
    expect(findColumns([name], RECIPIENT_COLUMNS).columns).toEqual({ [key]: { index: 0, name } });
  });

  it.each([
    ['Utilisateur', 'user'],
    ['username', 'user'],
    ["Nom d'utilisateur", 'user'],
    ['Dernière connexion', 'last_login'],
    ['lastLogin', 'last_login'],
  ])('findColumns() takes the last-login header "%s" for "%s"', (name, key) => {
    expect(findColumns([name], LAST_LOGIN_COLUMNS).columns).toEqual({ [key]: { index: 0, name } });
  });

  it('findColumns() finds every column of a French members header, in its place', () => {
    const header = ['Adhérent', 'Domaine', 'Courriel', 'Sélecteurs DKIM', "IPs d'envoi", 'Notes'];
    expect(findColumns(header, MEMBER_COLUMNS)).toEqual({
      columns: {
        member: { index: 0, name: 'Adhérent' },
        domain: { index: 1, name: 'Domaine' },
        contact: { index: 2, name: 'Courriel' },
        dkim_selectors: { index: 3, name: 'Sélecteurs DKIM' },
        sending_ips: { index: 4, name: "IPs d'envoi" },
      },
    });
  });

  it('findColumns() leaves unknown and near-miss names alone', () => {
    expect(findColumns(['Domaines web', 'site', 'courriels'], MEMBER_COLUMNS)).toEqual({ columns: {} });
  });

  it.each([
    [['domain', 'domaine'], 'domain', ['domain', 'domaine']],
    [['Domaine', 'x', 'DOMAIN'], 'domain', ['Domaine', 'DOMAIN']],
    [['domain', 'domain'], 'domain', ['domain', 'domain']],
    [['Courriel', 'contact'], 'contact', ['Courriel', 'contact']],
  ])('findColumns() reports a members header %j naming "%s" twice', (header, key, names) => {
    expect(findColumns(header, MEMBER_COLUMNS).clash).toEqual({ key, names });
  });

  it('findColumns() reports a recipients header with both "email" and "Courriel"', () => {
    expect(findColumns(['email', 'Prénom', 'Courriel'], RECIPIENT_COLUMNS).clash).toEqual({
      key: 'email',
      names: ['email', 'Courriel'],
    });
  });
});

describe('columnClashText()', () => {
  it('columnClashText() names the column and both header names, in both languages', () => {
    expect(columnClashText({ key: 'domain', names: ['domain', ' Domaine '] })).toEqual({
      en: 'the header names the column "domain" twice, as "domain" and as "Domaine"; keep one of them',
      fr: 'l’en-tête nomme deux fois la colonne « domain », « domain » et « Domaine » ; n’en gardez qu’une',
    });
  });
});

describe('columnNamesText()', () => {
  it('columnNamesText() lists the names with "or"', () => {
    expect(columnNamesText(['domain', 'domaine', 'nom de domaine'])).toEqual({
      en: '"domain", "domaine" or "nom de domaine"',
      fr: '« domain », « domaine » ou « nom de domaine »',
    });
    expect(columnNamesText(['email'])).toEqual({ en: '"email"', fr: '« email »' });
  });
});
