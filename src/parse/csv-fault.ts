import type { Text } from '../i18n.js';

/** The parts of csv-parse's CsvError that say what and where. */
interface CsvErrorLike {
  code?: unknown;
  message: string;
  lines?: unknown;
}

/** What a quote inside a field needs, said after each quoting fault. */
const DOUBLE_QUOTES: Text = {
  en: 'a quote inside a quoted field is written twice ("")',
  fr: 'un guillemet dans un champ entre guillemets s’écrit doublé ("")',
};

/**
 * What csv-parse found wrong with a CSV file, in the reader's language, and the line it names (for the error's
 * location): its own messages are English and speak of the parser ("Invalid Closing Quote: … trimable character (if
 * activated) or comment"). A fault this table does not know keeps csv-parse's words, after a sentence of ours.
 */
export function csvFault(error: unknown): { text: Text; line?: number } {
  const { code, message, lines } = error as CsvErrorLike;
  const line = typeof lines === 'number' ? lines : undefined;
  const where = line === undefined ? {} : { line };
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return {
        text: {
          en: `a quote opens a field and is never closed: the file ends inside it; ${DOUBLE_QUOTES.en}`,
          fr: `un guillemet ouvre un champ sans jamais le refermer : le fichier se termine à l’intérieur ; ${DOUBLE_QUOTES.fr}`,
        },
        ...where,
      };
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return {
        text: {
          en: `a quoted field goes on after its closing quote; ${DOUBLE_QUOTES.en}`,
          fr: `un champ entre guillemets continue après son guillemet fermant ; ${DOUBLE_QUOTES.fr}`,
        },
        ...where,
      };
    default:
      return {
        text: {
          en: `it is not CSV that facteur can read: ${message}`,
          fr: `ce n’est pas un CSV que facteur sait lire : ${message}`,
        },
        ...where,
      };
  }
}
