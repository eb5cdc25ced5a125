import type { Db } from './database.js';

/** Where a mail of commands to Sympa's robot stands (schema 10). */
export type SympaMailState = 'sending' | 'sent' | 'uncertain' | 'failed';

/** The last mail that may have carried an address's command to a list's robot. */
export interface SentSympaCommand {
  messageId: string;
  /** `sent`, or `uncertain`: the server may have taken it (connection lost after DATA, or a run killed mid-send). */
  state: 'sent' | 'uncertain';
  /** When the server accepted it (or when it was attempted, for an uncertain one). */
  at: number;
  /** A membership import of the list after that still holds the address: Sympa has not run the command. */
  isStillMember: boolean;
}

/** One mail of commands, as written before its SMTP transaction. */
export interface SympaMailIntent {
  list: string;
  robot: string;
  headerFrom: string;
  messageId: string;
  /** Lowercase, as facteur keys addresses. */
  addresses: readonly string[];
}

interface SentRow {
  address: string;
  message_id: string;
  state: SympaMailState;
  updated_at: number;
  is_still_member: number;
}

/**
 * The commands for a list that Sympa's robot may have received, by lowercase address: the latest mail per address
 * that was not refused or failed. A `sending` row is a run killed during its SMTP transaction, so it reads as
 * uncertain. `isStillMember` compares with the list's last membership import: an import after the mail that still
 * holds the address shows that Sympa did not remove it (a confirmation it waits for, or a refusal it reported).
 */
export function sentSympaCommands(db: Db, list: string): Map<string, SentSympaCommand> {
  const rows = db
    .prepare(
      `SELECT c.address, m.message_id, m.state, m.updated_at,
         EXISTS (SELECT 1 FROM list_imports i JOIN list_members lm ON lm.list = i.list AND lm.address = c.address
                 WHERE i.list = m.list AND i.imported_at > m.updated_at) AS is_still_member
       FROM sympa_mail_messages m JOIN sympa_mail_commands c ON c.message = m.id
       WHERE m.list = ? AND m.state <> 'failed'
       ORDER BY m.id`,
    )
    .all(list) as SentRow[];
  const sent = new Map<string, SentSympaCommand>();
  for (const row of rows)
    sent.set(row.address, {
      messageId: row.message_id,
      state: row.state === 'sent' ? 'sent' : 'uncertain',
      at: row.updated_at,
      isStillMember: row.is_still_member === 1,
    });
  return sent;
}

/** Records a mail and its addresses as being sent, in one transaction, before the SMTP transaction starts. */
export function recordSympaMailIntent(db: Db, intent: SympaMailIntent, now: number): number {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare(
          `INSERT INTO sympa_mail_messages (list, robot, header_from, message_id, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'sending', ?, ?)`,
        )
        .run(intent.list, intent.robot, intent.headerFrom, intent.messageId, now, now).lastInsertRowid,
    );
    const insert = db.prepare('INSERT OR IGNORE INTO sympa_mail_commands (message, address) VALUES (?, ?)');
    for (const address of intent.addresses) insert.run(id, address);
    return id;
  })();
}

/** Records what became of a mail: the server's reply, or why it is uncertain or failed. */
export function recordSympaMailOutcome(
  db: Db,
  id: number,
  outcome: { state: Exclude<SympaMailState, 'sending'>; reply: string },
  now: number,
): void {
  db.prepare('UPDATE sympa_mail_messages SET state = ?, reply = ?, updated_at = ? WHERE id = ?').run(
    outcome.state,
    outcome.reply,
    now,
    id,
  );
}
