import { InputError } from '../errors.js';
import { isMemberAddress } from './read-member-dump.js';

/** A list as Sympa's robot takes it: `name` or `name@domain` (List.pm splits at the `@`), no spaces. */
const LIST = /^[^\s@#-][^\s@]*(?:@[^\s@]+)?$/;

/**
 * Renders the body of a mail to Sympa's robot (`sympa@domain`) that unsubscribes each address without telling it:
 * one `QUIET DEL list address` line per address (Request/Message.pm strips the `QUIET` prefix, CommandDef.pm parses
 * `DEL <list> <email>`). Addresses are checked here, where the text is made, so none can add a line of its own.
 */
export function renderSympaMailCommands(list: string, addresses: Iterable<string>): string {
  if (!LIST.test(list)) throw new InputError(`Cannot write Sympa commands: list "${list}" is not a list name`);
  const lines: string[] = [];
  for (const address of addresses) {
    if (!isMemberAddress(address) || address.startsWith('#'))
      throw new InputError(`Cannot write Sympa commands: "${address}" is not an address`, { record: address });
    lines.push(`QUIET DEL ${list} ${address}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}
