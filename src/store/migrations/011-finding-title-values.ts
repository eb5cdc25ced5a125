import type Database from 'better-sqlite3';

/**
 * Schema 11: the values of a finding's title placeholders, beside its message, so that `facteur report` and
 * `facteur changes` render the title in their reader's language, not the one of the run that found it. Findings
 * recorded before keep NULL and their recorded message.
 */
export function migrate011FindingTitleValues(db: Database.Database): void {
  db.exec('ALTER TABLE finding_details ADD COLUMN title_values TEXT');
}
