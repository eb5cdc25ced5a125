import type { Text } from '../i18n.js';
import { folded } from '../folded.js';

/**
 * The names a CSV column may have in a header: its English key first, then the names a French export or spreadsheet
 * gives it. Compared by columnKey(), so capitals, accents, spaces, `-`, `_`, `'`, a trailing `:` (Galette's labels)
 * and `(s)` do not matter: "Sélecteur(s) DKIM", "selecteurs_dkim" and "SÉLECTEURS DKIM" are one name.
 */
export type ColumnNames<K extends string> = Readonly<Record<K, readonly string[]>>;

/** The members file of `facteur check --members`. */
export const MEMBER_COLUMNS = {
  domain: ['domain', 'domaine', 'nom de domaine'],
  member: ['member', 'membre', 'adhérent', 'adhérente', 'association'],
  contact: ['contact', 'courriel', 'e-mail', 'mail', 'mél', 'adresse e-mail', 'adresse mail', 'adresse électronique'],
  dkim_selectors: ['dkim_selectors', 'dkim selector', 'sélecteurs DKIM', 'sélecteur DKIM'],
  sending_ips: ['sending_ips', 'sending ip', 'IPs d’envoi', 'IP d’envoi', 'adresses IP d’envoi', 'adresse IP d’envoi'],
} as const satisfies ColumnNames<string>;

/**
 * The columns of a recipients list that facteur knows by name: the address, and the names LimeSurvey's participant
 * export gives (always in English, whatever the survey's language), which a spreadsheet in French calls otherwise
 * (Galette's "Nom" is the family name, as LimeSurvey's `lastname`).
 */
export const RECIPIENT_COLUMNS = {
  email: [
    'email',
    'e-mail',
    'mail',
    'courriel',
    'mél',
    'adresse e-mail',
    'adresse mail',
    'adresse courriel',
    'adresse électronique',
  ],
  firstname: ['firstname', 'first name', 'prénom'],
  lastname: ['lastname', 'last name', 'nom', 'nom de famille'],
} as const satisfies ColumnNames<string>;

/** The last-login CSV of `facteur dormant --last-logins-csv`: an export of the last_login dict or its SQL table. */
export const LAST_LOGIN_COLUMNS = {
  user: ['user', 'username', 'utilisateur', 'nom d’utilisateur', 'identifiant', 'login'],
  last_login: ['last_login', 'dernière connexion', 'date de dernière connexion'],
} as const satisfies ColumnNames<string>;

/**
 * The form two column names are compared in: letters and digits only, lowercase, without accents, `(s)` dropped.
 * "IPs d'envoi" and "ips_d_envoi" give "ipsdenvoi"; "E-Mail :" gives "email".
 */
export function columnKey(name: string): string {
  return folded(name)
    .replace(/\(s\)/g, 's')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** A header's known columns: each key with the header's column (index and name as written) that names it. */
export type HeaderColumns<K extends string> = Partial<Record<K, { index: number; name: string }>>;

/** Two columns of one header that name the same thing ("domain" and "Domaine"). */
export interface ColumnClash {
  key: string;
  names: [string, string];
}

/**
 * Finds the known columns of a header, by any of their names. A second column naming a key already found is a clash:
 * which of the two holds the data cannot be guessed, so the caller refuses the file.
 */
export function findColumns<K extends string>(
  header: readonly string[],
  names: ColumnNames<K>,
): { columns: HeaderColumns<K>; clash?: ColumnClash } {
  const byKey = new Map<string, K>();
  for (const key of Object.keys(names) as K[]) for (const name of names[key]) byKey.set(columnKey(name), key);
  const columns: HeaderColumns<K> = {};
  for (const [index, name] of header.entries()) {
    const key = byKey.get(columnKey(name));
    if (key === undefined) continue;
    const first = columns[key];
    if (first !== undefined) return { columns, clash: { key, names: [first.name, name] } };
    columns[key] = { index, name };
  }
  return { columns };
}

/** What is wrong with a header that has a clash, for the reader ("the header names the column … twice"). */
export function columnClashText({ key, names: [first, second] }: ColumnClash): Text {
  return {
    en: `the header names the column "${key}" twice, as "${first.trim()}" and as "${second.trim()}"; keep one of them`,
    fr: `l’en-tête nomme deux fois la colonne « ${key} », « ${first.trim()} » et « ${second.trim()} » ; n’en gardez qu’une`,
  };
}

/** The names a key is known by, quoted for a message: `"domain", "domaine" or "nom de domaine"`. */
export function columnNamesText(names: readonly string[]): Text {
  const list = (open: string, close: string, or: string): string => {
    const quoted = names.map((name) => `${open}${name}${close}`);
    return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${or} ${quoted.at(-1) ?? ''}`;
  };
  return { en: list('"', '"', 'or'), fr: list('« ', ' »', 'ou') };
}
