import { render, type Lang, type Text } from '../i18n.js';
import { isSyntaxFaultCode, SYNTAX_FAULTS } from '../parse/record-syntax-error.js';
import type { AliasNote } from './record-owner.js';
import type { Finding, FindingMeta } from './types.js';

/**
 * Said after the title of a finding about a name that is an alias (values `alias`, `canonicalName` and `aliasNote`,
 * from recordOwner()): the suggested record names another name than the one looked up, and the note says why and who
 * changes it.
 */
const ALIAS_NOTES: Record<AliasNote, Text> = {
  records: {
    en: '{title} ("{alias}" is an alias of "{canonicalName}": its records go there)',
    fr: '{title} (« {alias} » est un alias de « {canonicalName} » : ses enregistrements vont là)',
  },
  published: {
    en: '{title} ("{alias}" is an alias of "{canonicalName}": the record is published there, by whoever runs that name; change it there or ask them)',
    fr: '{title} (« {alias} » est un alias de « {canonicalName} » : l’enregistrement est publié là, par qui gère ce nom ; modifiez-le là ou demandez-le-lui)',
  },
  dangling: {
    en: '{title} ("{alias}" is an alias of "{canonicalName}", which publishes no such record: publish it there, ask whoever runs that name, or remove the alias)',
    fr: '{title} (« {alias} » est un alias de « {canonicalName} », qui ne publie pas cet enregistrement : publiez-le là, demandez-le à qui gère ce nom, ou retirez l’alias)',
  },
};

function isAliasNote(value: string | number | undefined): value is AliasNote {
  return typeof value === 'string' && Object.hasOwn(ALIAS_NOTES, value);
}

/** Said after the title of a record that cannot be parsed (values from syntaxFaultValues()): what is wrong, and where. */
const SYNTAX_FAULT_NOTE: Text = {
  en: '{title}: {fault} at position {position}',
  fr: '{title} : {fault} à la position {position}',
};

/**
 * The title of a finding id rendered from its values, with what is wrong when the values name a syntax fault, and
 * the alias note when they name an alias.
 */
export function renderFindingTitle(
  meta: Pick<FindingMeta, 'title'>,
  lang: Lang,
  values: Record<string, string | number> = {},
): string {
  const { syntaxFault } = values;
  const title = isSyntaxFaultCode(syntaxFault)
    ? render(SYNTAX_FAULT_NOTE, lang, {
        title: render(meta.title, lang, values),
        fault: render(SYNTAX_FAULTS[syntaxFault], lang, {
          term: values.faultTerm ?? '',
          keyword: values.faultKeyword ?? '',
        }),
        position: values.position ?? '?',
      })
    : render(meta.title, lang, values);
  return values.alias === undefined || values.canonicalName === undefined
    ? title
    : render(ALIAS_NOTES[isAliasNote(values.aliasNote) ? values.aliasNote : 'records'], lang, { ...values, title });
}

/**
 * A finding's one-line title in `lang`: rendered again from its values when its check still declares the id, else
 * the message as recorded (a finding recorded before schema 11, or an id this facteur no longer knows).
 */
export function findingTitle(
  finding: Pick<Finding, 'message' | 'values'>,
  meta: FindingMeta | undefined,
  lang: Lang,
): string {
  return meta === undefined || finding.values === undefined
    ? finding.message
    : renderFindingTitle(meta, lang, finding.values);
}
