import type { SentSympaCommand } from '../store/sympa-mail.js';
import { isSympaCommandAddress } from './render-sympa-mail-commands.js';

/**
 * What a run decides for one address before anything is sent:
 * - `planned`: its command goes in one of this run's mails;
 * - `skipped`: a mail already carried its command (or may have: uncertain); `--force` sends it again;
 * - `unapplied`: a mail carried its command, yet a membership import after it still lists the address: Sympa did
 *   not remove it (a confirmation it waits for, or a refusal it reported to From); `--force` sends it again;
 * - `invalid`: Sympa would not read it as this address, so it is never sent.
 */
export type SympaMailDecision = 'planned' | 'skipped' | 'unapplied' | 'invalid';

/** One address and the decision about it. */
export interface SympaMailPlanItem {
  address: string;
  decision: SympaMailDecision;
  /** The mail that carried its command before, if any. */
  previous: SentSympaCommand | null;
  /** Which of the planned mails carries it (an index into `mails`), when planned. */
  mail: number | null;
}

/** One mail to send: its addresses, and the Message-ID to use again when it resends an uncertain mail. */
export interface PlannedSympaMail {
  messageId: string | null;
  addresses: string[];
}

/**
 * Decides, address by address, what to mail to Sympa's robot, and groups the commands into mails of at most
 * `maxCommands`. Addresses are taken once each, compared lowercased as Sympa compares them. With `force`, addresses
 * sent before go again; those of a mail that may or may not have arrived (uncertain) go in a mail with that same
 * Message-ID, which Sympa's sympa_msg.pl ignores if it has already processed it (its loop detection keeps the
 * Message-IDs it saw for `msgid_table_cleanup_ttl`, a day by default).
 */
export function planSympaMail(
  addresses: Iterable<string>,
  sent: ReadonlyMap<string, SentSympaCommand>,
  options: { force: boolean; maxCommands: number },
): { items: SympaMailPlanItem[]; mails: PlannedSympaMail[] } {
  const items: SympaMailPlanItem[] = [];
  const seen = new Set<string>();
  const resent = new Map<string, SympaMailPlanItem[]>();
  const fresh: SympaMailPlanItem[] = [];
  for (const raw of addresses) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const previous = sent.get(key) ?? null;
    const item: SympaMailPlanItem = { address, decision: 'planned', previous, mail: null };
    items.push(item);
    if (!isSympaCommandAddress(address)) item.decision = 'invalid';
    else if (previous !== null && !options.force) item.decision = previous.isStillMember ? 'unapplied' : 'skipped';
    else if (previous?.state === 'uncertain') {
      const group = resent.get(previous.messageId) ?? [];
      group.push(item);
      resent.set(previous.messageId, group);
    } else fresh.push(item);
  }
  const mails: PlannedSympaMail[] = [];
  const add = (messageId: string | null, group: SympaMailPlanItem[]): void => {
    for (let start = 0; start < group.length; start += options.maxCommands) {
      const chunk = group.slice(start, start + options.maxCommands);
      // Only the first chunk may reuse the Message-ID: two mails must never share one.
      for (const item of chunk) item.mail = mails.length;
      mails.push({ messageId: start === 0 ? messageId : null, addresses: chunk.map((item) => item.address) });
    }
  };
  for (const [messageId, group] of resent) add(messageId, group);
  add(null, fresh);
  return { items, mails };
}
