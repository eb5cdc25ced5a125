import { CommanderError, InvalidArgumentError } from 'commander';
import { PLACEHOLDER, render, type Lang, type Text } from '../i18n.js';

/**
 * Command-line mistakes in the user's language. commander words its errors in English only: each is read back here
 * against the English of the commander version package.json pins, written as a template whose placeholders catch the
 * names, and said again with the French template. A message no template matches is shown as commander wrote it, so a
 * commander upgrade loses a translation, never an error.
 */

/** Why an option value was refused: the English text goes through commander, the French one is found from it. */
const VALUE_PROBLEMS = {
  positiveInteger: {
    en: 'expected a positive integer, got "{value}"',
    fr: 'un nombre entier positif est attendu, pas « {value} »',
  },
  nonNegativeInteger: {
    en: 'expected a non-negative integer, got "{value}"',
    fr: 'un nombre entier positif ou nul est attendu, pas « {value} »',
  },
  email: { en: 'expected an email address, got "{value}"', fr: 'une adresse e-mail est attendue, pas « {value} »' },
  runOrDate: {
    en: 'expected a run id or a date such as "2026-11-22", got "{value}"',
    fr: 'un numéro de passage ou une date comme « 2026-11-22 » est attendu, pas « {value} »',
  },
  date: {
    en: 'expected a date such as "2026-12-31", got "{value}"',
    fr: 'une date comme « 2026-12-31 » est attendue, pas « {value} »',
  },
  // Written by commander itself, for an option declared with .choices().
  choices: { en: 'Allowed choices are {value}.', fr: 'les valeurs possibles sont {value}' },
} satisfies Record<string, Text>;

export type ValueProblem = Exclude<keyof typeof VALUE_PROBLEMS, 'choices'>;

/** The error an option parser throws for a value it refuses; commander adds the option's name. */
export function invalidValue(problem: ValueProblem, value: string): InvalidArgumentError {
  return new InvalidArgumentError(render(VALUE_PROBLEMS[problem], 'en', { value }));
}

/**
 * commander's messages, first line only (an unknown name's suggestion follows on the next). `{detail}` is the refusal
 * of a parser or of .choices(), itself one of VALUE_PROBLEMS.
 */
const COMMANDER_MESSAGES: Text[] = [
  { en: "unknown option '{name}'", fr: 'option inconnue « {name} »' },
  { en: "unknown command '{name}'", fr: 'commande inconnue « {name} »' },
  { en: "missing required argument '{name}'", fr: 'il manque l’argument obligatoire « {name} »' },
  { en: "option '{flags}' argument missing", fr: 'l’option « {flags} » attend une valeur' },
  { en: "required option '{flags}' not specified", fr: 'l’option obligatoire « {flags} » manque' },
  {
    en: "option '{flags}' cannot be used with option '{other}'",
    fr: 'l’option « {flags} » ne peut pas être employée avec l’option « {other} »',
  },
  {
    en: "too many arguments for '{name}'. Expected {expected|argument|arguments} but got {received}.",
    fr: 'trop d’arguments pour « {name} » : {expected|attendu|attendus}, {received|donné|donnés}',
  },
  {
    en: 'too many arguments. Expected {expected|argument|arguments} but got {received}.',
    fr: 'trop d’arguments : {expected|attendu|attendus}, {received|donné|donnés}',
  },
  {
    en: "option '{flags}' argument '{value}' is invalid. {detail}",
    fr: 'l’option « {flags} » refuse cette valeur : {detail}',
  },
  {
    en: "command-argument value '{value}' is invalid for argument '{name}'. {detail}",
    fr: 'l’argument « {name} » refuse cette valeur : {detail}',
  },
];

/** The lines commander adds after an unknown option or command. */
const SUGGESTIONS: Text[] = [
  { en: '(Did you mean one of {names}?)', fr: '(vouliez-vous dire {names} ?)' },
  { en: '(Did you mean {names}?)', fr: '(vouliez-vous dire {names} ?)' },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A template's English as a pattern: `{name}` catches any text, `{name|word|words}` a number and its word. */
function patternOf(english: string): RegExp {
  let source = '';
  let last = 0;
  for (const match of english.matchAll(PLACEHOLDER)) {
    const [whole, name = '', form, one = '', other = ''] = match;
    source += escapeRegExp(english.slice(last, match.index));
    source +=
      form === undefined ? `(?<${name}>.*?)` : `(?<${name}>\\d+) (?:${escapeRegExp(one)}|${escapeRegExp(other)})`;
    last = match.index + whole.length;
  }
  return new RegExp(`^${source}${escapeRegExp(english.slice(last))}$`, 's');
}

const patterned = (texts: Text[]): { text: Text; pattern: RegExp }[] =>
  texts.map((text) => ({ text, pattern: patternOf(text.en) }));
const MESSAGE_PATTERNS = patterned(COMMANDER_MESSAGES);
const VALUE_PATTERNS = patterned(Object.values(VALUE_PROBLEMS));
const SUGGESTION_PATTERNS = patterned(SUGGESTIONS);

/** The French of an English line some template matches; a `{detail}` it catches must be translatable too. */
function frenchOf(line: string, patterns: { text: Text; pattern: RegExp }[]): string | undefined {
  for (const { text, pattern } of patterns) {
    const values = pattern.exec(line)?.groups;
    if (values === undefined) continue;
    if (values.detail !== undefined) {
      const detail = frenchOf(values.detail, VALUE_PATTERNS);
      if (detail === undefined) return undefined;
      values.detail = detail;
    }
    return render(text, 'fr', values);
  }
  return undefined;
}

/** commander's message for a command-line mistake, without its "error: " prefix, in `lang`. */
export function usageMessage(error: CommanderError, lang: Lang): string {
  const text = error.message.replace(/^error: /, '');
  if (lang === 'en') return text;
  const [first = '', ...rest] = text.split('\n');
  const french = frenchOf(first, MESSAGE_PATTERNS);
  if (french === undefined) return text;
  return [french, ...rest.map((line) => frenchOf(line, SUGGESTION_PATTERNS) ?? line)].join('\n');
}

/** What to run to see the options of the command that was mistyped. */
export function helpHint(command: string, lang: Lang): string {
  return lang === 'fr'
    ? `Lancez « ${command} --help » pour en voir les options et les arguments.`
    : `Run "${command} --help" to see its options and arguments.`;
}
