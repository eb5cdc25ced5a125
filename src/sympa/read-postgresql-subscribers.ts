import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { sympaDatabasePlace, type SympaServerDatabase } from './read-sympa-conf.js';
import { toSympaDatabaseError } from './sympa-database-error.js';
import {
  subscriberFilter,
  subscriberRowReport,
  subscriberSelect,
  toSympaMember,
  type SubscriberRow,
} from './subscriber-row.js';
import type { SubscriberTableOptions } from './read-subscriber-table.js';
import type { SympaMember } from './types.js';
import { fileErrorReason } from '../file-failure.js';

/** How long to wait for the server to answer a connection: a server that is up answers in well under a second. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Rows fetched per round trip from the server-side cursor: a page of 5,000 members is about a megabyte, so memory
 * stays flat whatever the table's size, and a million members take 200 round trips.
 */
const PAGE_ROWS = 5_000;

/** The TLS options of node-postgres and mysql2 (both take Node's `tls.connect` options). */
export function tlsOptions(
  tls: SympaServerDatabase['tls'],
): false | { ca?: string; checkServerIdentity?: () => undefined } {
  if (tls === null) return false;
  return {
    ...(tls.ca === null ? {} : { ca: readCa(tls.ca) }),
    // verify-ca: the chain is checked, the name is not (libpq's meaning).
    ...(tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = fileErrorReason(error);
    throw new InputError(
      {
        en: `Cannot read the CA file "${file}" named in sympa.conf's db_options: ${reason.en}`,
        fr: `Impossible de lire le fichier d’autorité de certification « ${file} » indiqué par db_options dans sympa.conf : ${reason.fr}`,
      },
      { file },
      'ECONFIG',
    );
  }
}

/**
 * Reads Sympa's `subscriber_table` from PostgreSQL (`db_type Pg` or `PostgreSQL`), as readSubscriberTable reads
 * SQLite: the same members, bounce data and data sources, in the table's own order (no sort on the server). One
 * read-only transaction sees one snapshot, read through a server-side cursor a page at a time.
 */
export async function* readPostgresqlSubscribers(
  database: SympaServerDatabase,
  options: SubscriberTableOptions = {},
): AsyncGenerator<SympaMember> {
  const what = sympaDatabasePlace(database);
  const report = subscriberRowReport(what, {}, options);
  // The driver is loaded when a Sympa database on this server is read: every other command, and `--help`, goes
  // without it.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: database.socketPath ?? database.host ?? undefined,
    port: database.port,
    database: database.database,
    ...(database.user === null ? {} : { user: database.user }),
    ...(database.password === null ? {} : { password: database.password }),
    ssl: tlsOptions(database.tls),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'facteur',
  });
  // A connection lost between two queries is reported by the next query; this only keeps it from being unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toSympaDatabaseError(error, database);
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const found = await client.query<{ name: string }>(
      `SELECT lower(column_name) AS name FROM information_schema.columns
       WHERE table_name = 'subscriber_table' AND table_schema = ANY (current_schemas(false))`,
    );
    const columns = subscriberSelect(new Set(found.rows.map((row) => row.name)), what, {});
    const filter = subscriberFilter(options.list);
    const conditions: string[] = [];
    if (filter.list !== null) conditions.push(`list_subscriber = ${client.escapeLiteral(filter.list)}`);
    if (filter.robot !== null) conditions.push(`robot_subscriber = ${client.escapeLiteral(filter.robot)}`);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    await client.query(`DECLARE facteur_members NO SCROLL CURSOR FOR SELECT ${columns} FROM subscriber_table ${where}`);
    for (;;) {
      const page = await client.query<SubscriberRow>(`FETCH ${PAGE_ROWS} FROM facteur_members`);
      for (const row of page.rows) {
        const member = toSympaMember(row, report);
        if (member !== null) yield member;
      }
      if (page.rows.length < PAGE_ROWS) break;
    }
    await client.query('COMMIT');
  } catch (error) {
    throw toSympaDatabaseError(error, database);
  } finally {
    await client.end().catch(() => undefined);
  }
}
