import type Database from 'better-sqlite3';

/**
 * Schema 10: the mails of commands `facteur dormant apply --sympa-mail` sent to a Sympa robot, so that a rerun does
 * not send the same `QUIET DEL` again. One row per mail with its Message-ID and state: `sending` is written before
 * the SMTP transaction (a run killed then leaves it, read as uncertain), `sent` once the server accepted it,
 * `uncertain` when the connection was lost after the end of DATA (RFC 1047), `failed` when it was refused or never
 * handed over (its addresses count as not sent). One row per address the mail carried. Times are Unix milliseconds.
 */
export function migrate010SympaMail(db: Database.Database): void {
  db.exec(`
    CREATE TABLE sympa_mail_messages (
      id INTEGER PRIMARY KEY,
      list TEXT NOT NULL,
      robot TEXT NOT NULL,
      header_from TEXT NOT NULL,
      message_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'uncertain', 'failed')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      reply TEXT
    ) STRICT;
    CREATE INDEX sympa_mail_messages_by_list ON sympa_mail_messages (list, id);

    CREATE TABLE sympa_mail_commands (
      message INTEGER NOT NULL REFERENCES sympa_mail_messages (id),
      address TEXT NOT NULL,
      PRIMARY KEY (message, address)
    ) STRICT, WITHOUT ROWID;
  `);
}
