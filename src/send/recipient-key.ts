/**
 * The key under which two recipient rows are one mailbox: the normalised address (normaliseEmail(): domain lowercased,
 * in A-labels) lowercased whole. RFC 5321 2.4 lets a server treat the local part's case as meaningful, but a list
 * that names "Marie.Dupont@" and "marie.dupont@" means one person, and writing to her twice is the worse mistake.
 * The queue keeps one message per key, and preflight counts the rows it will drop by the same key.
 */
export function recipientKey(email: string): string {
  return email.toLowerCase();
}
