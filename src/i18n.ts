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

/** Replaces `{name}` placeholders in a text of the chosen language. */
export function render(text: Text, lang: Lang, values: Record<string, string | number> = {}): string {
  return text[lang].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}
