import { CommanderError, InvalidArgumentError } from 'commander';
import type { Lang } from '../i18n.js';

/**
 * Command-line mistakes in the user's language. commander words its errors in English only: they are read back here
 * by code and pattern, against the messages of the commander version package.json pins, and said again in French.
 * A message no pattern matches is shown as commander wrote it, so a commander upgrade loses a translation, never an
 * error.
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
} as const;

export type ValueProblem = Exclude<keyof typeof VALUE_PROBLEMS, 'choices'>;

/** The error an option parser throws for a value it refuses; commander adds the option's name. */
export function invalidValue(problem: ValueProblem, value: string): InvalidArgumentError {
  return new InvalidArgumentError(VALUE_PROBLEMS[problem].en.replace('{value}', value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const VALUE_PATTERNS = Object.values(VALUE_PROBLEMS).map(({ en, fr }) => ({
  pattern: new RegExp(`^${escapeRegExp(en).replace(escapeRegExp('{value}'), '(.*)')}$`, 's'),
  fr,
}));

function valueProblemFr(detail: string): string | undefined {
  for (const { pattern, fr } of VALUE_PATTERNS) {
    const match = pattern.exec(detail);
    if (match) return fr.replace('{value}', match[1] ?? '');
  }
  return undefined;
}

/** "(Did you mean --timeout?)" after an unknown name, in French. */
function suggestionFr(suggestion: string | undefined): string {
  if (suggestion === undefined) return '';
  const one = /^\(Did you mean (?:one of )?(.*)\?\)$/.exec(suggestion.trim());
  return one ? `\n(vouliez-vous dire ${one[1] ?? ''} ?)` : `\n${suggestion.trim()}`;
}

/** A count and its French participle, which takes the plural from 2 on. */
function agreeing(count: string | undefined, participle: string): string {
  return `${count ?? ''} ${Number(count) >= 2 ? `${participle}s` : participle}`;
}

/** The French wording of commander's English message, when its pattern is known. */
function frenchOf(code: string, text: string): string | undefined {
  const [first = '', ...rest] = text.split('\n');
  const suggestion = rest.length > 0 ? rest.join('\n') : undefined;
  let match: RegExpExecArray | null;
  switch (code) {
    case 'commander.unknownOption':
      match = /^unknown option '(.*)'$/.exec(first);
      return match ? `option inconnue « ${match[1] ?? ''} »${suggestionFr(suggestion)}` : undefined;
    case 'commander.unknownCommand':
      match = /^unknown command '(.*)'$/.exec(first);
      return match ? `commande inconnue « ${match[1] ?? ''} »${suggestionFr(suggestion)}` : undefined;
    case 'commander.missingArgument':
      match = /^missing required argument '(.*)'$/.exec(text);
      return match ? `il manque l’argument obligatoire « ${match[1] ?? ''} »` : undefined;
    case 'commander.optionMissingArgument':
      match = /^option '(.*)' argument missing$/.exec(text);
      return match ? `l’option « ${match[1] ?? ''} » attend une valeur` : undefined;
    case 'commander.missingMandatoryOptionValue':
      match = /^required option '(.*)' not specified$/.exec(text);
      return match ? `l’option obligatoire « ${match[1] ?? ''} » manque` : undefined;
    case 'commander.conflictingOption':
      match = /^option '(.*)' cannot be used with option '(.*)'$/.exec(text);
      return match
        ? `l’option « ${match[1] ?? ''} » ne peut pas être employée avec l’option « ${match[2] ?? ''} »`
        : undefined;
    case 'commander.excessArguments':
      match = /^too many arguments(?: for '(.*)')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(text);
      return match
        ? `trop d’arguments${match[1] === undefined ? '' : ` pour « ${match[1]} »`} : ${agreeing(match[2], 'attendu')}, ${agreeing(match[3], 'donné')}`
        : undefined;
    case 'commander.invalidArgument': {
      match = /^option '(.*)' argument '(.*)' is invalid\. (.*)$/s.exec(text);
      if (match) {
        const detail = valueProblemFr(match[3] ?? '');
        return detail === undefined ? undefined : `l’option « ${match[1] ?? ''} » refuse cette valeur : ${detail}`;
      }
      match = /^command-argument value '(.*)' is invalid for argument '(.*)'\. (.*)$/s.exec(text);
      if (match) {
        const detail = valueProblemFr(match[3] ?? '');
        return detail === undefined ? undefined : `l’argument « ${match[2] ?? ''} » refuse cette valeur : ${detail}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** commander's message for a command-line mistake, without its "error: " prefix, in `lang`. */
export function usageMessage(error: CommanderError, lang: Lang): string {
  const text = error.message.replace(/^error: /, '');
  return (lang === 'fr' ? frenchOf(error.code, text) : undefined) ?? text;
}

/** What to run to see the options of the command that was mistyped. */
export function helpHint(command: string, lang: Lang): string {
  return lang === 'fr'
    ? `Lancez « ${command} --help » pour en voir les options et les arguments.`
    : `Run "${command} --help" to see its options and arguments.`;
}
