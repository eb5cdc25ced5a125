import type { Db } from './database.js';

/** An acknowledgement: one finding id on one domain is known and accepted until a day (inclusive, UTC). */
export interface Ack {
  domain: string;
  findingId: string;
  /** `YYYY-MM-DD`; the ack applies through the end of that day, UTC. */
  until: string;
  note: string;
  createdAt: string;
}

interface AckRow {
  domain: string;
  finding_id: string;
  until: string;
  note: string;
  created_at: string;
}

function toAck(row: AckRow): Ack {
  return { domain: row.domain, findingId: row.finding_id, until: row.until, note: row.note, createdAt: row.created_at };
}

/** The UTC day of a date as `YYYY-MM-DD`, the form acks are compared in. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whether an ack still applies on `date`. */
export function isAckActive(ack: Pick<Ack, 'until'>, date: Date): boolean {
  return ack.until >= utcDay(date);
}

/** Records an ack, replacing the earlier one on the same domain and finding id; tells whether one was replaced. */
export function saveAck(db: Db, ack: Ack): { replaced: boolean } {
  return db
    .transaction(() => {
      const existed = db
        .prepare('SELECT 1 FROM acks WHERE domain = ? AND finding_id = ?')
        .get(ack.domain, ack.findingId);
      db.prepare(
        `INSERT INTO acks (domain, finding_id, until, note, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (domain, finding_id) DO UPDATE SET until = excluded.until, note = excluded.note,
           created_at = excluded.created_at`,
      ).run(ack.domain, ack.findingId, ack.until, ack.note, ack.createdAt);
      return { replaced: existed !== undefined };
    })
    .immediate();
}

/** Deletes the ack on a domain and finding id; tells whether there was one. */
export function removeAck(db: Db, domain: string, findingId: string): boolean {
  return db.prepare('DELETE FROM acks WHERE domain = ? AND finding_id = ?').run(domain, findingId).changes > 0;
}

/** Every ack, by domain then finding id; only those still applying on `activeOn` when it is given. */
export function listAcks(db: Db, options: { activeOn?: Date } = {}): Ack[] {
  const rows =
    options.activeOn === undefined
      ? db.prepare('SELECT * FROM acks ORDER BY domain, finding_id').all()
      : db.prepare('SELECT * FROM acks WHERE until >= ? ORDER BY domain, finding_id').all(utcDay(options.activeOn));
  return (rows as AckRow[]).map(toAck);
}

/** The key an ack is looked up by: a domain and a finding id. */
export function ackKey(domain: string, findingId: string): string {
  return `${domain}\u0000${findingId}`;
}

/** The acks applying on `date`, keyed by `ackKey(domain, findingId)`. */
export function activeAcks(db: Db, date: Date): Map<string, Ack> {
  return new Map(listAcks(db, { activeOn: date }).map((ack) => [ackKey(ack.domain, ack.findingId), ack]));
}
