import { InputError } from '../errors.js';
import { render, type Text } from '../i18n.js';

/** What is wrong in a record, in words for each language: `{term}` is the faulty text, `{keyword}` the tag or kind. */
export const SYNTAX_FAULTS = {
  empty_domain: { en: 'empty domain', fr: 'domaine vide' },
  invalid_domain: { en: 'invalid domain "{term}"', fr: 'domaine « {term} » invalide' },
  invalid_macro: { en: 'invalid macro in "{term}"', fr: 'macro invalide dans « {term} »' },
  invalid_prefix: { en: 'invalid prefix length "/{term}"', fr: 'longueur de préfixe « /{term} » invalide' },
  unexpected: { en: 'unexpected "{term}"', fr: '« {term} » inattendu' },
  unexpected_after_all: { en: 'unexpected "{term}" after "all"', fr: '« {term} » inattendu après « all »' },
  needs_domain: { en: '"{keyword}" needs a domain', fr: '« {keyword} » demande un domaine' },
  invalid_address: { en: 'invalid {keyword} address "{term}"', fr: 'adresse {keyword} « {term} » invalide' },
  unknown_mechanism: { en: 'unknown mechanism "{term}"', fr: 'mécanisme « {term} » inconnu' },
  missing_spf_version: { en: 'missing version "v=spf1"', fr: 'version « v=spf1 » absente' },
  bad_character: { en: 'non-ASCII or control character', fr: 'caractère non ASCII ou de contrôle' },
  second_modifier: { en: 'second "{keyword}" modifier', fr: 'second modificateur « {keyword} »' },
  unknown_value: { en: 'unknown {keyword} "{term}"', fr: 'valeur « {term} » inconnue pour {keyword}' },
  unknown_list_value: { en: 'unknown {keyword} value "{term}"', fr: 'valeur « {term} » inconnue pour {keyword}' },
  invalid_value: { en: 'invalid {keyword} "{term}"', fr: 'valeur « {term} » invalide pour {keyword}' },
  invalid_uri: { en: 'invalid {keyword} URI "{term}"', fr: 'URI {keyword} « {term} » invalide' },
  missing_dmarc_version: {
    en: 'missing version "v=DMARC1" as first tag',
    fr: 'la version « v=DMARC1 » n’est pas la première balise',
  },
  tag_without_value: { en: 'tag without value "{term}"', fr: 'balise sans valeur « {term} »' },
  second_tag: { en: 'second "{keyword}" tag', fr: 'seconde balise « {keyword} »' },
  p_not_second: { en: '"p" is not the second tag', fr: '« p » n’est pas la deuxième balise' },
  missing_p: { en: 'missing "p" tag', fr: 'balise « p » absente' },
} satisfies Record<string, Text>;

export type SyntaxFaultCode = keyof typeof SYNTAX_FAULTS;

/** One fault of a record's grammar: which, and the record's text it is about. */
export interface SyntaxFault {
  code: SyntaxFaultCode;
  term?: string;
  keyword?: string;
}

/** True when `code` names a fault of SYNTAX_FAULTS (a value read back from a recorded finding). */
export function isSyntaxFaultCode(code: unknown): code is SyntaxFaultCode {
  return typeof code === 'string' && Object.hasOwn(SYNTAX_FAULTS, code);
}

/** A fault in words: `unknown mechanism "foo"`, `mécanisme « foo » inconnu`. */
export function syntaxFaultText(fault: SyntaxFault): Text {
  const values = { term: fault.term ?? '', keyword: fault.keyword ?? '' };
  const words = SYNTAX_FAULTS[fault.code];
  return { en: render(words, 'en', values), fr: render(words, 'fr', values) };
}

/**
 * A syntax error as a finding's values, which a report renders again in its reader's language (renderFindingTitle):
 * the fault's code, its term and keyword, and the position.
 */
export function syntaxFaultValues(error: { fault: SyntaxFault; position: number }): Record<string, string | number> {
  const { code, term = '', keyword = '' } = error.fault;
  return { syntaxFault: code, faultTerm: term, faultKeyword: keyword, position: error.position };
}

/**
 * A DNS TXT record that breaks its protocol's grammar, with the 0-based offset of the bad part: one message shape
 * for every record parser, so the SPF and DMARC findings read alike.
 */
export class RecordSyntaxError extends InputError {
  readonly position: number;
  readonly fault: SyntaxFault;

  constructor(protocol: string, name: string, fault: SyntaxFault, position: number) {
    const reason = syntaxFaultText(fault);
    super(
      {
        en: `Cannot parse ${protocol} record at "${name}": ${reason.en} at position ${position}`,
        fr: `Impossible d’analyser l’enregistrement ${protocol} de « ${name} » : ${reason.fr} à la position ${position}`,
      },
      { record: name },
    );
    this.name = 'RecordSyntaxError';
    this.position = position;
    this.fault = fault;
  }
}
