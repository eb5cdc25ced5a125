import { Help, type Argument, type Command, type Option } from 'commander';
import type { Lang, Text } from '../i18n.js';

/**
 * commander's own words in a help screen, which it writes in English only. Headings are found by the English text
 * commander passes to Help.styleTitle (commander 14.0.3, as package.json pins); a heading missing here stays English.
 */
const HEADINGS: Record<string, Text> = {
  'Usage:': { en: 'Usage:', fr: 'Utilisation :' },
  'Arguments:': { en: 'Arguments:', fr: 'Arguments :' },
  'Options:': { en: 'Options:', fr: 'Options :' },
  'Commands:': { en: 'Commands:', fr: 'Commandes :' },
};

const TEXTS = {
  help: { en: 'display help for command', fr: 'afficher l’aide de la commande' },
  version: { en: 'output the version number', fr: 'afficher le numéro de version' },
  choices: { en: 'choices: {value}', fr: 'valeurs : {value}' },
  default: { en: 'default: {value}', fr: 'par défaut : {value}' },
} satisfies Record<string, Text>;

/**
 * French sets a space before : ; ? ! and » and after «: commander, which wraps help at any space, must not start a
 * line with a colon or end one with an opening guillemet.
 */
const FRENCH_UNBREAKABLE_SPACE = / (?=[:;?!»])|(?<=«) /g;

/** Stands for a space that must not break while commander wraps: one column wide, and not whitespace to its regex. */
const HELD_SPACE = '\uE000';

/** The description of an option or argument followed by its choices and default, as commander's Help writes them. */
function withDetails(
  description: string,
  lang: Lang,
  choices: readonly string[] | undefined,
  defaultShown: string | undefined,
): string {
  const details: string[] = [];
  if (choices !== undefined)
    details.push(TEXTS.choices[lang].replace('{value}', choices.map((choice) => JSON.stringify(choice)).join(', ')));
  if (defaultShown !== undefined) details.push(TEXTS.default[lang].replace('{value}', defaultShown));
  if (details.length === 0) return description;
  const extra = `(${details.join(', ')})`;
  return description === '' ? extra : `${description} ${extra}`;
}

/** How commander shows a default value: its description when given, else the value as JSON. */
function shownDefault(item: Option | Argument): string {
  return item.defaultValueDescription || JSON.stringify(item.defaultValue);
}

/**
 * Gives the program its version and sets commander's help words in `lang`: headings, "(default: …)" and
 * "(choices: …)", and the descriptions of the version option, help option and help command. Call it before adding
 * subcommands: each copies these settings from its parent when created. commander's "(preset: …)" and "(env: …)" are
 * not written, as no option uses them (a test compares the English with commander's own).
 */
export function localiseHelp(program: Command, lang: Lang, version: string): Command {
  return program
    .version(version, '-V, --version', TEXTS.version[lang])
    .configureHelp({
      ...(lang === 'fr'
        ? {
            boxWrap(this: Help, text: string, width: number): string {
              const held = text.replace(FRENCH_UNBREAKABLE_SPACE, HELD_SPACE);
              return Help.prototype.boxWrap.call(this, held, width).replaceAll(HELD_SPACE, ' ');
            },
          }
        : {}),
      styleTitle: (title) => HEADINGS[title]?.[lang] ?? title,
      optionDescription: (option) => {
        // As commander: the default of an option taking a value, and of a flag only when it is true or false (a
        // --no- flag's default is implied by its name).
        const isDefaultShown =
          option.defaultValue !== undefined &&
          (option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean'));
        return withDetails(
          option.description,
          lang,
          option.argChoices,
          isDefaultShown ? shownDefault(option) : undefined,
        );
      },
      argumentDescription: (argument) =>
        withDetails(
          argument.description,
          lang,
          argument.argChoices,
          argument.defaultValue === undefined ? undefined : shownDefault(argument),
        ),
    })
    .helpOption('-h, --help', TEXTS.help[lang])
    .helpCommand('help [command]', TEXTS.help[lang]);
}
