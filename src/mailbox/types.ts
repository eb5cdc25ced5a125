/** What a hoster knows of one mailbox's use: the last IMAP/POP3 login and the newest message saved to its INBOX. */
export interface MailboxActivity {
  user: string;
  lastLogin: Date | null;
  newestSavedAt: Date | null;
}
