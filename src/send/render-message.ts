import { InputError } from '../errors.js';

/** A piece of a compiled template: literal text, or the name of a recipient field. */
type Part = { text: string } | { field: string };

/** A template compiled once per campaign, rendered once per recipient. */
export interface Template {
  /** Where it came from, for messages: a file path or `subject`. */
  source: string;
  parts: readonly Part[];
  /** Every field it uses, so a preflight can compare them with the recipients' columns once. */
  fields: readonly string[];
}

/**
 * `{{field}}` or `{{ field }}`; LimeSurvey's own names (`attribute_1`, `firstname`) fit, and so do a spreadsheet's
 * French headers (`Prénom`): letters of any script with their accents, digits, `_`, `.` and `-`.
 */
const PLACEHOLDER = /\{\{\s*([\p{L}\p{M}\p{N}_.-]+)\s*\}\}/gu;

/** Compiles `{{field}}` placeholders; any other `{{` is a typo the user should see rather than send. */
export function compileTemplate(text: string, source: string): Template {
  const parts: Part[] = [];
  const fields = new Set<string>();
  const pushText = (start: number, end: number): void => {
    if (end <= start) return;
    const stray = text.indexOf('{{', start);
    if (stray >= 0 && stray < end) {
      const line = text.slice(0, stray).split('\n').length;
      throw new InputError(
        {
          en: `Cannot compile template "${source}": "{{" at line ${line} does not start a {{field}} placeholder`,
          fr: `Impossible de compiler le modèle « ${source} » : le « {{ » de la ligne ${line} n’ouvre aucun champ {{champ}}`,
        },
        { file: source, line },
      );
    }
    parts.push({ text: text.slice(start, end) });
  };
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const field = match[1] ?? '';
    pushText(last, match.index);
    parts.push({ field });
    fields.add(field);
    last = match.index + match[0].length;
  }
  pushText(last, text.length);
  return { source, parts, fields: [...fields] };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values, so a recipient field cannot inject markup. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Where a recipient came from, for error messages. */
export interface RowLocation {
  file: string;
  line: number;
}

/** Fills a template with one recipient's fields; a field the row lacks is an error naming the row. */
export function renderTemplate(
  template: Template,
  fields: Readonly<Record<string, string>>,
  row: RowLocation,
  escape: (value: string) => string = (value) => value,
): string {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = fields[part.field];
    if (value === undefined) {
      throw new InputError(
        {
          en: `Cannot render "${template.source}" for line ${row.line} of "${row.file}": no field "${part.field}"`,
          fr: `Impossible de rendre « ${template.source} » pour la ligne ${row.line} de « ${row.file} » : pas de champ « ${part.field} »`,
        },
        { file: row.file, line: row.line },
      );
    }
    out += escape(value);
  }
  return out;
}

/** Anything that would end a header line or smuggle a control character into it; a tab only folds it. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const HEADER_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Checks a header value where it is assigned (nodemailer's rule: sanitize at the assignment, not at every call site):
 * a CR or LF would end the header and let a recipient field add its own (`Bcc:`), so it is refused, never stripped.
 */
export function headerValue(value: string, header: string, row: RowLocation): string {
  if (HEADER_UNSAFE.test(value)) {
    throw new InputError(
      {
        en: `Cannot use the ${header} header for line ${row.line} of "${row.file}": it contains a line break or control character`,
        fr: `Impossible d’utiliser l’en-tête ${header} pour la ligne ${row.line} de « ${row.file} » : il contient un saut de ligne ou un caractère de contrôle`,
      },
      { file: row.file, line: row.line },
    );
  }
  return value;
}

/** The compiled templates of a campaign. */
export interface CampaignTemplates {
  subject: Template;
  text: Template | null;
  html: Template | null;
}
