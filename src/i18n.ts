/** The languages facteur speaks to people in. */
export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

/** A human string in every language; ids, codes and JSON keys stay English. */
export interface Text {
  en: string;
  fr: string;
}

/** Reads the language from LC_ALL, LC_MESSAGES or LANG (POSIX precedence); English unless French is asked for. */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): Lang {
  const value = env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG ?? '';
  return value.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Checks a `--lang` value. */
export function isLang(value: string): value is Lang {
  return (LANGS as readonly string[]).includes(value);
}

/** Plural categories by language: French counts 0 and 1 as singular, English only 1 (CLDR, as Intl knows them). */
const PLURAL_RULES: Record<Lang, Intl.PluralRules> = { en: new Intl.PluralRules('en'), fr: new Intl.PluralRules('fr') };

/**
 * `{name}`; `{name|word|words}` for a number and the word that agrees with it; `{name:word|words}` for the agreeing
 * word alone, for a verb or pronoun further on.
 */
export const PLACEHOLDER = /\{(\w+)(?:([|:])([^|{}]*)\|([^|{}]*))?\}/g;

/**
 * Replaces `{name}` placeholders in a text of the chosen language. `{name|word|words}` writes the number and the word
 * that agrees with it: `{error|erreur|erreurs}` gives "0 erreur", "1 erreur", "2 erreurs" in French; `{name:is|are}`
 * writes the agreeing word alone.
 */
export function render(text: Text, lang: Lang, values: Record<string, string | number> = {}): string {
  return text[lang].replace(
    PLACEHOLDER,
    (whole, name: string, form: string | undefined, one: string | undefined, other: string | undefined) => {
      const value = values[name];
      if (value === undefined) return whole;
      if (form === undefined || one === undefined || other === undefined) return String(value);
      const word = PLURAL_RULES[lang].select(Number(value)) === 'one' ? one : other;
      return form === ':' ? word : `${value} ${word}`;
    },
  );
}

/**
 * A number with the decimal mark of the reader's language ("2.46" in English, "2,46" in French), at most `digits`
 * after it, or exactly `digits` when `isFixed`; no grouping, as facteur writes every other number.
 */
export function formatDecimal(value: number, lang: Lang, digits = 2, isFixed = false): string {
  return new Intl.NumberFormat(lang, {
    maximumFractionDigits: digits,
    minimumFractionDigits: isFixed ? digits : 0,
    useGrouping: false,
  }).format(value);
}

/** A text whose placeholders have no value (a finding id explained, not a finding): each becomes "…", plurals "… words". */
export function renderWithoutValues(text: Text, lang: Lang): string {
  return text[lang].replace(
    PLACEHOLDER,
    (_whole, _name: string, form: string | undefined, _one: string | undefined, other: string | undefined) =>
      other === undefined ? '…' : form === ':' ? other : `… ${other}`,
  );
}

/** A value of a text built for every language: a plain value is the same in each, a `Text` gives each its own. */
export type TextValue = string | number | Text;

/**
 * Renders a text in every language at once, for a reason recorded now and read later in its reader's language: a
 * `Text` value (a nested reason) is taken in the language being rendered.
 */
export function fillText(text: Text, values: Record<string, TextValue>): Text {
  const filled = (lang: Lang): string =>
    render(
      text,
      lang,
      Object.fromEntries(
        Object.entries(values).map(([name, value]) => [name, typeof value === 'object' ? value[lang] : value]),
      ),
    );
  return { en: filled('en'), fr: filled('fr') };
}

/** A technical text that reads the same in every language: a server's reply, a code, a record as published. */
export function untranslated(text: string): Text {
  return { en: text, fr: text };
}

/** Texts joined in every language, each with its own separator (French sets a space before ";"). */
export function joinTexts(texts: readonly Text[], separator: Text): Text {
  return {
    en: texts.map((text) => text.en).join(separator.en),
    fr: texts.map((text) => text.fr).join(separator.fr),
  };
}
