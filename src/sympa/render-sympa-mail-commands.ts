import { InputError } from '../errors.js';
import { isMemberAddress } from './read-member-dump.js';

/** A list as Sympa's robot takes it: `name` or `name@domain` (List.pm splits at the `@`), no spaces. */
const LIST = /^[^\s@#-][^\s@]*(?:@[^\s@]+)?$/;

/**
 * Sympa 6.2.70's address pattern (Sympa::Regexps::email), whole. CommandDef.pm reads `DEL <list> <email>` with that
 * pattern and no end anchor, so from `bob@example.net!x` it would take `bob@example.net`, another member; the body
 * reaches it as UTF-8 bytes, where Perl's `\w` is ASCII only.
 */
const SYMPA_EMAIL = /^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+|"(?:\\.|[^\\"])*")@[-A-Za-z0-9_]+(?:\.[-A-Za-z0-9_]+)+$/;

/**
 * Tells whether Sympa's robot reads an address in a command line as exactly itself: one address (no space or line
 * break, which would add words or lines), matching Sympa's own pattern to its end, and not starting with `#`.
 */
export function isSympaCommandAddress(address: string): boolean {
  return isMemberAddress(address) && !address.startsWith('#') && SYMPA_EMAIL.test(address);
}

/**
 * Renders the body of a mail to Sympa's robot (`sympa@domain`) that unsubscribes each address without telling it:
 * one `QUIET DEL list address` line per address (Request/Message.pm strips the `QUIET` prefix, CommandDef.pm parses
 * `DEL <list> <email>`). Addresses are checked here, where the text is made, so none can add a line of its own or
 * name another member.
 */
export function renderSympaMailCommands(list: string, addresses: Iterable<string>): string {
  if (!LIST.test(list))
    throw new InputError({
      en: `Cannot write Sympa commands: list "${list}" is not a list name`,
      fr: `Impossible d’écrire les commandes Sympa : « ${list} » n’est pas un nom de liste`,
    });
  const lines: string[] = [];
  for (const address of addresses) {
    if (!isSympaCommandAddress(address))
      throw new InputError(
        {
          en: `Cannot write Sympa commands: Sympa would not read "${address}" as this address`,
          fr: `Impossible d’écrire les commandes Sympa : Sympa ne lirait pas l’adresse « ${address} » telle quelle`,
        },
        { address },
      );
    lines.push(`QUIET DEL ${list} ${address}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}
