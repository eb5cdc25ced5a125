import { readLastLogins, type LastLoginSource } from '../mailbox/read-last-logins.js';
import { readMailboxStatus } from '../mailbox/read-mailbox-status.js';
import type { MailboxActivity } from '../mailbox/types.js';

/**
 * Joins Dovecot's last logins with, when given, the newest saved date of each INBOX (doveadm fetch output, read
 * first: it yields its users only at its end). A user is judged on the last login; the saved date is evidence.
 */
export async function* readMailboxActivity(
  logins: LastLoginSource,
  inboxSaved: string | undefined,
): AsyncGenerator<MailboxActivity> {
  const saved = new Map<string, Date>();
  if (inboxSaved !== undefined)
    for await (const { user, newestSavedAt } of readMailboxStatus(inboxSaved)) saved.set(user, newestSavedAt);
  for await (const { user, lastLogin } of readLastLogins(logins))
    yield { user, lastLogin, newestSavedAt: saved.get(user) ?? null };
}
