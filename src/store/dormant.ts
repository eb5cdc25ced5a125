import type { MailDomainState } from '../dormant/domain-verdict.js';
import type { DeadStatus } from '../dormant/domain-verdict.js';
import type { AddressEvent } from '../dormant/score-bounces.js';
import { InputError } from '../errors.js';
import type { Db } from './database.js';

/** Which addresses a dormant run looks at: every list, one list, or one campaign's recipients. */
export type DormantScope = { kind: 'all' } | { kind: 'list'; list: string } | { kind: 'campaign'; campaign: string };

/** Sympa's own bounce record of a member (`bounce_subscriber`: first, last, count, status). */
export interface SympaBounceRecord {
  first: number;
  last: number;
  count: number;
  status: string | null;
}

/** A list member as imported from Sympa. */
export interface MemberRecord {
  list: string;
  address: string;
  gecos: string | null;
  subscribedAt: number | null;
  sympaBounce: SympaBounceRecord | null;
  sympaScore: number | null;
}

/** An event with where it came from: the list or campaign it was sent for. */
export interface StoredEvent extends AddressEvent {
  list: string | null;
  campaignId: number | null;
}

/** Everything stored about one address within the scope: its memberships and its events, oldest first. */
export interface AddressRecord {
  address: string;
  members: MemberRecord[];
  events: StoredEvent[];
}

/** One `facteur dormant forget` as recorded. */
export interface ForgetRecord {
  address: string;
  forgottenAt: number;
  eventsCleared: number;
  actor: string;
  note: string | null;
}

/** The lists whose membership was imported, with when and from where. */
export function listImports(db: Db): Map<string, { source: string; members: number; importedAt: number }> {
  const rows = db.prepare('SELECT list, source, members, imported_at FROM list_imports').all() as {
    list: string;
    source: string;
    members: number;
    imported_at: number;
  }[];
  return new Map(
    rows.map((row) => [row.list, { source: row.source, members: row.members, importedAt: row.imported_at }]),
  );
}

interface DomainRow {
  domain: string;
  bad_status: DeadStatus | null;
  bad_since: number | null;
  last_bad_at: number | null;
  bad_observations: number;
  last_ok_at: number | null;
  last_unknown_at: number | null;
  unknown_detail: string | null;
}

function toState(row: DomainRow): MailDomainState {
  return {
    domain: row.domain,
    badStatus: row.bad_status,
    badSince: row.bad_since,
    lastBadAt: row.last_bad_at,
    badObservations: row.bad_observations,
    lastOkAt: row.last_ok_at,
    lastUnknownAt: row.last_unknown_at,
    unknownDetail: row.unknown_detail,
  };
}

/** The stored DNS state of a domain, or null when no run looked at it. */
export function domainState(db: Db, domain: string): MailDomainState | null {
  const row = db.prepare('SELECT * FROM mail_domains WHERE domain = ?').get(domain) as DomainRow | undefined;
  return row === undefined ? null : toState(row);
}

/** Writes domain states computed by a run, in one transaction. */
export function saveDomainStates(db: Db, states: Iterable<MailDomainState>): void {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO mail_domains (domain, bad_status, bad_since, last_bad_at, bad_observations, last_ok_at,
       last_unknown_at, unknown_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const s of states)
      upsert.run(
        s.domain,
        s.badStatus,
        s.badSince,
        s.lastBadAt,
        s.badObservations,
        s.lastOkAt,
        s.lastUnknownAt,
        s.unknownDetail,
      );
  }).immediate();
}

/** The domains currently in a run of bad observations (confirmed or not). */
export function badDomainStates(db: Db): MailDomainState[] {
  return (db.prepare('SELECT * FROM mail_domains WHERE bad_since IS NOT NULL').all() as DomainRow[]).map(toState);
}

/** The latest time each address was forgotten. */
export function forgottenAddresses(db: Db): Map<string, number> {
  const rows = db
    .prepare('SELECT address, max(forgotten_at) AS at FROM forgotten_addresses GROUP BY address')
    .all() as { address: string; at: number }[];
  return new Map(rows.map((row) => [row.address, row.at]));
}

/**
 * Forgets an address's bounce history, as `sympa bouncers reset` does: its events up to now stop counting but stay
 * stored, and the forget itself is recorded with who asked, so the history can be audited.
 */
export function forgetAddress(db: Db, address: string, now: number, actor: string, note: string | null): ForgetRecord {
  return db
    .transaction(() => {
      const since = (db
        .prepare('SELECT max(forgotten_at) FROM forgotten_addresses WHERE address = ?')
        .pluck()
        .get(address) ?? -1) as number;
      const events =
        (db
          .prepare(
            'SELECT count(*) FROM bounce_events WHERE subscribed_address = ? AND occurred_at > ? AND occurred_at <= ?',
          )
          .pluck()
          .get(address, since, now) as number) +
        (db
          .prepare(
            `SELECT count(*) FROM messages WHERE state = 'failed' AND email_key = ? AND updated_at > ? AND updated_at <= ?`,
          )
          .pluck()
          .get(address, since, now) as number);
      db.prepare(
        'INSERT INTO forgotten_addresses (address, forgotten_at, events_cleared, actor, note) VALUES (?, ?, ?, ?, ?)',
      ).run(address, now, events, actor, note);
      return { address, forgottenAt: now, eventsCleared: events, actor, note };
    })
    .immediate();
}

/** Every forget recorded for an address, oldest first. */
export function forgetHistory(db: Db, address: string): ForgetRecord[] {
  const rows = db
    .prepare(
      'SELECT address, forgotten_at, events_cleared, actor, note FROM forgotten_addresses WHERE address = ? ORDER BY id',
    )
    .all(address) as {
    address: string;
    forgotten_at: number;
    events_cleared: number;
    actor: string;
    note: string | null;
  }[];
  return rows.map((row) => ({
    address: row.address,
    forgottenAt: row.forgotten_at,
    eventsCleared: row.events_cleared,
    actor: row.actor,
    note: row.note,
  }));
}

/** Campaign names by id, to name them in the evidence. */
export function campaignNames(db: Db): Map<number, string> {
  const rows = db.prepare('SELECT id, name FROM campaigns').all() as { id: number; name: string }[];
  return new Map(rows.map((row) => [row.id, row.name]));
}

function campaignId(db: Db, name: string): number {
  const id = db.prepare('SELECT id FROM campaigns WHERE name = ?').pluck().get(name) as number | undefined;
  if (id === undefined) throw new InputError(`Cannot find campaign "${name}" in the database`, { record: name });
  return id;
}

/**
 * Fills the temporary candidate table for a scoped run: the members of an imported list, or else the addresses
 * that have events on it; the recipients of a campaign. Scoped runs then read events by address through the index.
 */
function fillCandidates(db: Db, scope: Exclude<DormantScope, { kind: 'all' }>): void {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS dormant_candidates (address TEXT PRIMARY KEY) WITHOUT ROWID;
           DELETE FROM temp.dormant_candidates;`);
  if (scope.kind === 'list') {
    const imported = db.prepare('SELECT 1 FROM list_imports WHERE list = ?').get(scope.list) !== undefined;
    db.prepare(
      imported
        ? 'INSERT OR IGNORE INTO temp.dormant_candidates SELECT address FROM list_members WHERE list = ?'
        : 'INSERT OR IGNORE INTO temp.dormant_candidates SELECT subscribed_address FROM bounce_events WHERE list = ?',
    ).run(scope.list);
  } else {
    const id = campaignId(db, scope.campaign);
    db.prepare(
      `INSERT OR IGNORE INTO temp.dormant_candidates
         SELECT email_key FROM messages WHERE campaign_id = ?
         UNION SELECT subscribed_address FROM bounce_events WHERE campaign_id = ?`,
    ).run(id, id);
  }
}

/** Columns of `bounce_events_dormant`, so the pass never reads the table itself; raw rows, in this order. */
const EVENT_COLUMNS = `e.subscribed_address, e.kind, e.hardbounce, e.id, e.list, e.campaign_id, e.occurred_at`;
/** Auto-replies never count, and events before the window only as complaints: dropped inside SQLite. */
const EVENT_FILTER = `e.kind != 'autoreply' AND (e.occurred_at >= :since OR e.kind = 'feedback')`;
const FAILED_COLUMNS = `m.email_key AS address, m.last_reply, m.campaign_id, m.updated_at`;
const MEMBER_COLUMNS = `address, list, gecos, subscribed_at, sympa_bounce_first, sympa_bounce_last,
  sympa_bounce_count, sympa_bounce_status, sympa_bounce_score`;

/** A raw row of EVENT_COLUMNS. */
type EventTuple = [string, AddressEvent['kind'], number, number, string | null, number | null, number];

/** A raw event row with its address where the merge looks for it. */
interface EventRow {
  address: string;
  row: EventTuple;
}

interface FailedRow {
  address: string;
  last_reply: string | null;
  campaign_id: number;
  updated_at: number;
}

interface MemberRow {
  address: string;
  list: string;
  gecos: string | null;
  subscribed_at: number | null;
  sympa_bounce_first: number | null;
  sympa_bounce_last: number | null;
  sympa_bounce_count: number | null;
  sympa_bounce_status: string | null;
  sympa_bounce_score: number | null;
}

/** RFC 3463 enhanced status code in an SMTP reply such as `550 5.1.1 <x@example.org>: user unknown`. */
const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

function fromEventRow({ row }: EventRow): StoredEvent {
  return {
    kind: row[1],
    isHard: row[2] === 1,
    at: row[6],
    // Filled by eventDetailsReader for the addresses reported.
    reason: '',
    statusCode: null,
    diagnostic: null,
    eventId: row[3],
    source: 'bounce',
    list: row[4],
    campaignId: row[5],
  };
}

function* eventRows(rows: Iterable<EventTuple>): Generator<EventRow> {
  for (const row of rows) yield { address: row[0], row };
}

function fromFailedRow(row: FailedRow): StoredEvent {
  return {
    kind: 'bounce',
    isHard: true,
    at: row.updated_at,
    reason: 'rejected',
    statusCode: ENHANCED_STATUS.exec(row.last_reply ?? '')?.[1] ?? null,
    diagnostic: row.last_reply,
    eventId: null,
    source: 'smtp',
    list: null,
    campaignId: row.campaign_id,
  };
}

function fromMemberRow(row: MemberRow): MemberRecord {
  return {
    list: row.list,
    address: row.address,
    gecos: row.gecos,
    subscribedAt: row.subscribed_at,
    sympaBounce:
      row.sympa_bounce_first === null || row.sympa_bounce_last === null
        ? null
        : {
            first: row.sympa_bounce_first,
            last: row.sympa_bounce_last,
            count: row.sympa_bounce_count ?? 0,
            status: row.sympa_bounce_status,
          },
    sympaScore: row.sympa_bounce_score,
  };
}

/** The reason, status and diagnostic of a bounce event, kept out of the pass and read for the addresses reported. */
export function eventDetailsReader(
  db: Db,
): (eventId: number) => { reason: string; statusCode: string | null; diagnostic: string | null } | undefined {
  const statement = db.prepare('SELECT reason, status_code AS statusCode, diagnostic FROM bounce_events WHERE id = ?');
  return (eventId) =>
    statement.get(eventId) as { reason: string; statusCode: string | null; diagnostic: string | null } | undefined;
}

/** A sorted stream that can show its next row without taking it. */
class Peekable<T extends { address: string }> {
  private head: IteratorResult<T>;
  private readonly iterator: Iterator<T>;

  constructor(iterator: Iterator<T>) {
    this.iterator = iterator;
    this.head = iterator.next();
  }

  get address(): string | null {
    return this.head.done === true ? null : this.head.value.address;
  }

  /** Takes every row of `address` (the stream is sorted by address). */
  take(address: string): T[] {
    const rows: T[] = [];
    while (this.head.done !== true && this.head.value.address === address) {
      rows.push(this.head.value);
      this.head = this.iterator.next();
    }
    return rows;
  }
}

/**
 * Streams every address of the scope with its memberships and events, in address order: one pass over each table
 * in index order (members by primary key, events by `bounce_events_by_address`, refused messages by
 * `messages_failed_by_address`), merged here, so memory holds one address at a time whatever the database size.
 * SQLite orders text by its bytes and JavaScript by UTF-16 units; the two agree except for characters beyond U+FFFF,
 * which mail addresses in practice do not hold; at worst such an address is reported twice, never lost.
 */
export function* readAddressRecords(db: Db, scope: DormantScope, since: number): Generator<AddressRecord> {
  let members: Iterator<MemberRow>;
  let events: Iterator<EventRow>;
  let failed: Iterator<FailedRow>;
  if (scope.kind === 'all') {
    members = db
      .prepare(`SELECT ${MEMBER_COLUMNS} FROM list_members ORDER BY address, list`)
      .iterate() as Iterator<MemberRow>;
    events = eventRows(
      db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM bounce_events e WHERE ${EVENT_FILTER} ORDER BY e.subscribed_address, e.occurred_at`,
        )
        .raw()
        .iterate({ since }) as Iterable<EventTuple>,
    );
    failed = db
      .prepare(
        `SELECT ${FAILED_COLUMNS} FROM messages m WHERE m.state = 'failed' AND m.last_reply_code >= 500
         ORDER BY m.email_key, m.updated_at`,
      )
      .iterate() as Iterator<FailedRow>;
  } else {
    fillCandidates(db, scope);
    members =
      scope.kind === 'list'
        ? (db
            .prepare(`SELECT ${MEMBER_COLUMNS} FROM list_members WHERE list = ? ORDER BY address`)
            .iterate(scope.list) as Iterator<MemberRow>)
        : [][Symbol.iterator]();
    events = eventRows(
      db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM temp.dormant_candidates c
           JOIN bounce_events e ON e.subscribed_address = c.address
           WHERE ${EVENT_FILTER} ORDER BY c.address, e.occurred_at`,
        )
        .raw()
        .iterate({ since }) as Iterable<EventTuple>,
    );
    failed = db
      .prepare(
        `SELECT ${FAILED_COLUMNS} FROM temp.dormant_candidates c JOIN messages m ON m.email_key = c.address
         WHERE m.state = 'failed' AND m.last_reply_code >= 500 ORDER BY c.address, m.updated_at`,
      )
      .iterate() as Iterator<FailedRow>;
  }
  yield* mergeByAddress(new Peekable(members), new Peekable(events), new Peekable(failed));
}

function* mergeByAddress(
  members: Peekable<MemberRow>,
  events: Peekable<EventRow>,
  failed: Peekable<FailedRow>,
): Generator<AddressRecord> {
  for (;;) {
    let address: string | null = null;
    for (const candidate of [members.address, events.address, failed.address])
      if (candidate !== null && (address === null || candidate < address)) address = candidate;
    if (address === null) return;
    const memberRows = members.take(address);
    const eventRows = events.take(address).map(fromEventRow);
    const failedRows = failed.take(address).map(fromFailedRow);
    const all = failedRows.length === 0 ? eventRows : [...eventRows, ...failedRows].sort((x, y) => x.at - y.at);
    yield { address, members: memberRows.map(fromMemberRow), events: all };
  }
}

/**
 * The distinct domains of the scope's addresses, for the DNS probe. The all-lists run reads members and event
 * addresses; scoped runs the candidate table filled by the same rules as readAddressRecords.
 */
export function scopeDomains(db: Db, scope: DormantScope): string[] {
  const domainOf = (column: string) => `lower(substr(${column}, instr(${column}, '@') + 1))`;
  if (scope.kind === 'all')
    return db
      .prepare(
        `SELECT ${domainOf('address')} FROM list_members
         UNION SELECT ${domainOf('subscribed_address')} FROM bounce_events
         UNION SELECT ${domainOf('email_key')} FROM messages`,
      )
      .pluck()
      .all() as string[];
  fillCandidates(db, scope);
  return db
    .prepare(`SELECT DISTINCT ${domainOf('address')} FROM temp.dormant_candidates`)
    .pluck()
    .all() as string[];
}
