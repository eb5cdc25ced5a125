import { readMysqlSubscribers } from './read-mysql-subscribers.js';
import { readPostgresqlSubscribers } from './read-postgresql-subscribers.js';
import { readSubscriberTable, type SubscriberTableOptions } from './read-subscriber-table.js';
import type { SympaDatabase } from './read-sympa-conf.js';
import type { SympaMember } from './types.js';

/**
 * Reads the members of Sympa's database wherever sympa.conf puts it (SQLite, MySQL/MariaDB, PostgreSQL): the same
 * members, bounce data and data sources from each, streamed in the database's own order.
 */
export async function* readSympaDatabase(
  database: SympaDatabase,
  options: SubscriberTableOptions = {},
): AsyncGenerator<SympaMember> {
  if (database.type === 'SQLite') yield* readSubscriberTable(database.file, options);
  else if (database.type === 'PostgreSQL') yield* readPostgresqlSubscribers(database, options);
  else yield* readMysqlSubscribers(database, options);
}
