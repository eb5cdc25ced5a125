import { CONNECT_TIMEOUT_MS, tlsOptions } from './read-postgresql-subscribers.js';
import { sympaDatabasePlace, type SympaServerDatabase } from './read-sympa-conf.js';
import { toSympaDatabaseError } from './sympa-database-error.js';
import {
  subscriberRowReport,
  subscriberSelect,
  subscriberWhere,
  toSympaMember,
  type SubscriberRow,
} from './subscriber-row.js';
import type { SubscriberTableOptions } from './read-subscriber-table.js';
import type { SympaMember } from './types.js';

/** Rows buffered ahead of the consumer; past it mysql2 stops reading the socket until the consumer catches up. */
const HIGH_WATER_ROWS = 1_000;

/**
 * How long the server may wait on a paused client before it gives up on it (MySQL's default is 60 s): while facteur
 * writes a list to its own store the stream pauses, so leave room.
 */
const NET_WRITE_TIMEOUT_S = 600;

/**
 * Reads Sympa's `subscriber_table` from MySQL or MariaDB (`db_type mysql`), as readSubscriberTable reads SQLite:
 * the same members, bounce data and data sources, in the table's own order (no sort on the server). One
 * consistent-snapshot read-only transaction; the rows are streamed with backpressure, never held as one result.
 */
export async function* readMysqlSubscribers(
  database: SympaServerDatabase,
  options: SubscriberTableOptions = {},
): AsyncGenerator<SympaMember> {
  const what = sympaDatabasePlace(database);
  const report = subscriberRowReport(what, {}, options);
  const ssl = tlsOptions(database.tls);
  // The driver is loaded when a Sympa database on this server is read: every other command, and `--help`, goes
  // without it.
  const { default: mysql } = await import('mysql2');
  const connection = mysql.createConnection({
    ...(database.socketPath === null
      ? { host: database.host ?? 'localhost', port: database.port }
      : { socketPath: database.socketPath }),
    database: database.database,
    ...(database.user === null ? {} : { user: database.user }),
    ...(database.password === null ? {} : { password: database.password }),
    ...(ssl === false ? {} : { ssl: { ...ssl, rejectUnauthorized: true } }),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Sympa's MySQL driver sets utf8mb4 (or utf8) for the session: its text is UTF-8.
    charset: 'utf8mb4',
    supportBigNumbers: true,
  });
  // A connection lost between two queries is reported by the next query; this only keeps it from being unhandled.
  connection.on('error', () => undefined);
  const query = (sql: string, values: unknown[] = []): Promise<unknown> =>
    new Promise((resolve, reject) => {
      connection.query(sql, values, (error, rows) => {
        if (error === null) resolve(rows);
        else reject(error);
      });
    });
  let isDone = false;
  try {
    try {
      await new Promise<void>((resolve, reject) => {
        connection.connect((error) => {
          if (error === null) resolve();
          else reject(error);
        });
      });
    } catch (error) {
      throw toSympaDatabaseError(error, database);
    }
    await query(`SET SESSION net_write_timeout = ${NET_WRITE_TIMEOUT_S}`);
    await query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const found = (await query(
      `SELECT LOWER(COLUMN_NAME) AS name FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'subscriber_table'`,
    )) as { name: string }[];
    const columns = subscriberSelect(new Set(found.map((row) => row.name)), what, {});
    const { where, values } = subscriberWhere(options.list);
    const rows = connection
      .query(`SELECT ${columns} FROM subscriber_table ${where}`, values)
      .stream({ highWaterMark: HIGH_WATER_ROWS }) as AsyncIterable<SubscriberRow>;
    for await (const row of rows) {
      const member = toSympaMember(row, report);
      if (member !== null) yield member;
    }
    await query('COMMIT');
    isDone = true;
  } catch (error) {
    throw toSympaDatabaseError(error, database);
  } finally {
    // A graceful goodbye after a complete read; otherwise (an error, or the caller stopped early with rows still
    // coming) the socket is closed at once, and the server rolls the read-only transaction back.
    if (isDone)
      await new Promise<void>((resolve) => {
        connection.end(() => {
          resolve();
        });
      });
    connection.destroy();
  }
}
