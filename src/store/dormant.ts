import type { Statement } from 'better-sqlite3';
import type { MailDomainState } from '../dormant/domain-verdict.js';
import type { DeadStatus } from '../dormant/domain-verdict.js';
import type { AddressEvent } from '../dormant/score-bounces.js';
import { InputError } from '../errors.js';
import type { Db } from './database.js';
import { EVENT_PACK_PERIOD_MS, MEMBER_DOMAIN, sqlDomainOf } from './migrations/009-dormant-packs.js';

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

/** An event with where it came from: whether it named a list, and the campaign it was sent for. */
export interface StoredEvent extends AddressEvent {
  hasList: boolean;
  campaignId: number | null;
}

/** Everything stored about one address within the scope: its memberships and its events, oldest first. */
export interface AddressRecord {
  address: string;
  /**
   * Its memberships: of the list in a list run, none in a campaign run. An all-lists run reads them with the events
   * only for the addresses a membership can make reportable (on a dead domain, or scored by Sympa at the given
   * threshold); for the others, null: they only say where to report it, ask `membersReader`.
   */
  members: MemberRecord[] | null;
  events: StoredEvent[];
  /** The lists its events name whose membership was never imported (all-lists runs only). */
  unimportedLists: string[];
  /**
   * The campaigns of the scope that queued it, oldest first, read only for an address on a confirmed dead domain:
   * only there does a queued message alone make an address reportable, before anything was sent or bounced.
   */
  recipientOf: number[];
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

/**
 * Replaces each domain's stored DNS state with `next` of it, reading and writing them all in one IMMEDIATE
 * transaction: two runs recording at once (a cron job's, an admin's) each build on the other's states, never on one
 * the other has replaced since it was read. Returns the new states.
 */
export function updateDomainStates<T extends { domain: string }>(
  db: Db,
  items: readonly T[],
  next: (item: T, previous: MailDomainState | null) => MailDomainState,
): MailDomainState[] {
  const select = db.prepare('SELECT * FROM mail_domains WHERE domain = ?');
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO mail_domains (domain, bad_status, bad_since, last_bad_at, bad_observations, last_ok_at,
       last_unknown_at, unknown_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db
    .transaction(() =>
      items.map((item) => {
        const row = select.get(item.domain) as DomainRow | undefined;
        const s = next(item, row === undefined ? null : toState(row));
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
        return s;
      }),
    )
    .immediate();
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
  if (id === undefined)
    throw new InputError(
      {
        en: `Cannot find campaign "${name}" in the database`,
        fr: `Impossible de trouver la campagne « ${name} » dans la base de données`,
      },
      { campaign: name },
    );
  return id;
}

/**
 * Fills the temporary candidate table for a scoped run: the members of an imported list, or else the addresses
 * that have events on it; the recipients of a campaign. Returns how many there are.
 */
function fillCandidates(db: Db, scope: Exclude<DormantScope, { kind: 'all' }>): number {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS dormant_candidates (address TEXT PRIMARY KEY) WITHOUT ROWID;
           DELETE FROM temp.dormant_candidates;`);
  if (scope.kind === 'list') {
    const imported = db.prepare('SELECT 1 FROM list_imports WHERE list = ?').get(scope.list) !== undefined;
    // Apply takes the members it removed out of list_members; the events of a list never imported still name them.
    db.prepare(
      imported
        ? 'INSERT OR IGNORE INTO temp.dormant_candidates SELECT address FROM list_members WHERE list = :list'
        : `INSERT OR IGNORE INTO temp.dormant_candidates SELECT subscribed_address FROM bounce_events WHERE list = :list
             AND subscribed_address NOT IN (SELECT address FROM list_removals WHERE list = :list AND superseded_at IS NULL)`,
    ).run({ list: scope.list });
  } else {
    const id = campaignId(db, scope.campaign);
    db.prepare(
      `INSERT OR IGNORE INTO temp.dormant_candidates
         SELECT email_key FROM messages WHERE campaign_id = ?
         UNION SELECT subscribed_address FROM bounce_events WHERE campaign_id = ?`,
    ).run(id, id);
  }
  return db.prepare('SELECT count(*) FROM temp.dormant_candidates').pluck().get() as number;
}

/** Columns of a member row, raw, in this order. */
const MEMBER_COLUMNS = `m.address, m.list, m.gecos, m.subscribed_at, m.sympa_bounce_first, m.sympa_bounce_last,
  m.sympa_bounce_count, m.sympa_bounce_status, m.sympa_bounce_score`;
type MemberTuple = [
  address: string,
  list: string,
  gecos: string | null,
  subscribedAt: number | null,
  bounceFirst: number | null,
  bounceLast: number | null,
  bounceCount: number | null,
  bounceStatus: string | null,
  bounceScore: number | null,
];
/**
 * How many addresses a scoped run looks up in the packs one by one before it reads them all instead. SQLite compares
 * a long pack whole when it passes it in the key tree, so a seek costs as much as reading about forty packs in order:
 * past 10,000 addresses, reading the million or so packs of a hosting-scale store (0.5 s) is the cheaper way.
 */
const PACK_SEEKS_MAX = 10_000;
/** Periods before the window hold nothing the pass reads but complaints, which never expire. */
const PACK_FILTER = 'p.period >= :period OR p.has_feedback = 1';
type PackTuple = [address: string, events: string];
const FAILED_COLUMNS = 'm.email_key, m.last_reply, m.campaign_id, m.updated_at';
type FailedTuple = [address: string, lastReply: string | null, campaignId: number, updatedAt: number];
type ListTuple = [address: string, list: string];
type RecipientTuple = [address: string, campaignId: number];

/** RFC 3463 enhanced status code in an SMTP reply such as `550 5.1.1 <x@example.org>: user unknown`. */
const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

function fromFailedTuple(row: FailedTuple): StoredEvent {
  return {
    kind: 'bounce',
    isHard: true,
    at: row[3],
    reason: 'rejected',
    statusCode: ENHANCED_STATUS.exec(row[1] ?? '')?.[1] ?? null,
    diagnostic: row[1],
    eventId: null,
    source: 'smtp',
    hasList: false,
    campaignId: row[2],
  };
}

function fromMemberTuple(row: MemberTuple): MemberRecord {
  const [address, list, gecos, subscribedAt, first, last, count, status, score] = row;
  return {
    list,
    address,
    gecos,
    subscribedAt,
    sympaBounce: first === null || last === null ? null : { first, last, count: count ?? 0, status },
    sympaScore: score,
  };
}

/** The event kinds of a pack's flags (bits 1 and 2), as schema 9 writes them. */
const PACK_KINDS = ['bounce', 'delivered', 'feedback'] as const;

/** Reads the comma- and semicolon-separated decimal integers of an event pack, one after the other. */
class PackReader {
  private position = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  get isDone(): boolean {
    return this.position >= this.text.length;
  }

  /** The next integer, or null when its field is empty; moves past the separator after it. */
  next(): number | null {
    const text = this.text;
    let code = text.charCodeAt(this.position++);
    const isNegative = code === 45;
    if (isNegative) code = text.charCodeAt(this.position++);
    let value = 0;
    let digits = 0;
    for (; code >= 48 && code <= 57; digits++) {
      value = value * 10 + code - 48;
      code = text.charCodeAt(this.position++);
    }
    if (digits === 0) return null;
    return isNegative ? -value : value;
  }
}

/**
 * Decodes one row of `address_event_packs` (format in migrations/009-dormant-packs.ts) into events, oldest first,
 * keeping what the window reads: events from `since` on, and complaints of any age.
 */
export function decodeEventPack(text: string, since: number, into: StoredEvent[]): void {
  const reader = new PackReader(text);
  while (!reader.isDone) {
    const at = reader.next();
    const id = reader.next();
    const flags = reader.next();
    const campaignId = reader.next();
    const kind = PACK_KINDS[((flags ?? 0) >> 1) & 3];
    if (at === null || id === null || flags === null || kind === undefined)
      throw new Error(`Cannot decode the event pack "${text.slice(0, 80)}": the store is damaged`);
    if (at < since && kind !== 'feedback') continue;
    into.push({
      kind,
      isHard: (flags & 1) === 1,
      at,
      // Filled by lastBounceDetailsReader for the addresses reported.
      reason: '',
      statusCode: null,
      diagnostic: null,
      eventId: id,
      source: 'bounce',
      hasList: (flags & 8) === 8,
      campaignId,
    });
  }
}

/**
 * The reason, status and diagnostic of an address's bounce event, kept out of the pass and read for the addresses
 * reported: the last counted bounce is the address's newest, which `address_last_bounces` keeps.
 */
export function lastBounceDetailsReader(
  db: Db,
): (
  address: string,
  eventId: number,
) => { reason: string; statusCode: string | null; diagnostic: string | null } | undefined {
  const statement = db.prepare(
    `SELECT reason, status_code AS statusCode, diagnostic FROM address_last_bounces WHERE address = ? AND event_id = ?`,
  );
  return (address, eventId) =>
    statement.get(address, eventId) as
      | { reason: string; statusCode: string | null; diagnostic: string | null }
      | undefined;
}

/** Every membership of an address, for the addresses an all-lists pass reports without having read them. */
export function membersReader(db: Db): (address: string) => MemberRecord[] {
  const statement = db
    .prepare(`SELECT ${MEMBER_COLUMNS} FROM list_members m WHERE m.address = ? ORDER BY m.list`)
    .raw();
  return (address) => (statement.all(address) as MemberTuple[]).map(fromMemberTuple);
}

/**
 * The members an all-lists pass must read with the events: every membership of an address on one of `deadDomains`
 * or scored by Sympa at `sympaScoreThreshold`, through the two indexes of schema 9. The domains go in as a JSON array:
 * SQLite then looks each up in the index, where a table of them would make it read every member.
 */
function reportableMembers(db: Db, deadDomains: Iterable<string>, sympaScoreThreshold: number): Iterator<MemberTuple> {
  return rows(
    db.prepare(
      `SELECT ${MEMBER_COLUMNS} FROM list_members m WHERE m.address IN (
         SELECT address FROM list_members WHERE ${MEMBER_DOMAIN} IN (SELECT value FROM json_each(:domains))
         UNION SELECT address FROM list_members WHERE sympa_bounce_score >= :threshold)
       ORDER BY m.address, m.list`,
    ),
    { domains: JSON.stringify([...deadDomains]), threshold: sympaScoreThreshold },
  );
}

/** The queued messages of the scope (one campaign, or all) whose address is on one of the dead domains. */
function deadDomainRecipients(
  db: Db,
  deadDomains: readonly string[],
  campaign: number | null,
): Iterator<RecipientTuple> {
  if (deadDomains.length === 0) return NO_ROWS[Symbol.iterator]();
  return rows(
    db.prepare(
      `SELECT DISTINCT m.email_key, m.campaign_id FROM messages m
       WHERE ${sqlDomainOf('m.email_key')} IN (SELECT value FROM json_each(:domains))
         AND (:campaign IS NULL OR m.campaign_id = :campaign)
       ORDER BY m.email_key, m.campaign_id`,
    ),
    { domains: JSON.stringify(deadDomains), campaign },
  );
}

const NO_ROWS: never[] = [];

/** A stream of raw rows sorted by their first column, the address, that can show its next row without taking it. */
class Peekable<T extends [string, ...unknown[]]> {
  private head: IteratorResult<T>;
  private readonly iterator: Iterator<T>;

  constructor(iterator: Iterator<T>) {
    this.iterator = iterator;
    this.head = iterator.next();
  }

  get address(): string | null {
    return this.head.done === true ? null : this.head.value[0];
  }

  /** Takes every row of `address`. */
  take(address: string): T[] {
    if (this.head.done === true || this.head.value[0] !== address) return NO_ROWS;
    const rows: T[] = [];
    while (this.head.done !== true && this.head.value[0] === address) {
      rows.push(this.head.value);
      this.head = this.iterator.next();
    }
    return rows;
  }
}

function rows<T>(statement: Statement, params: Record<string, number | string | null> = {}): Iterator<T> {
  return statement.raw().iterate(params) as Iterator<T>;
}

/**
 * Streams every address of the scope with its memberships and events, in address order: one pass over each table
 * in key order (members, the event packs of schema 9 from the window's first period, refused messages by
 * `messages_failed_by_address`, lists known only by their events), merged here, so memory holds one address at a time
 * whatever the database size. SQLite orders text by its bytes and JavaScript by UTF-16 units; the two agree except
 * for characters beyond U+FFFF, which mail addresses in practice do not hold; at worst such an address is reported
 * twice, never lost.
 */
export function* readAddressRecords(
  db: Db,
  scope: DormantScope,
  options: { since: number; deadDomains: Iterable<string>; sympaScoreThreshold: number },
): Generator<AddressRecord> {
  const since = options.since;
  const deadDomains = [...options.deadDomains];
  const period = Math.trunc(since / EVENT_PACK_PERIOD_MS);
  let members: Iterator<MemberTuple>;
  let packs: Iterator<PackTuple>;
  let failed: Iterator<FailedTuple>;
  let lists: Iterator<ListTuple>;
  let recipients: Iterator<RecipientTuple>;
  if (scope.kind === 'all') {
    members = reportableMembers(db, deadDomains, options.sympaScoreThreshold);
    recipients = deadDomainRecipients(db, deadDomains, null);
    packs = rows(
      db.prepare(
        `SELECT p.address, p.events FROM address_event_packs p WHERE ${PACK_FILTER} ORDER BY p.address, p.period`,
      ),
      { period },
    );
    failed = rows(
      db.prepare(
        `SELECT ${FAILED_COLUMNS} FROM messages m WHERE m.state = 'failed' AND m.last_reply_code >= 500
         ORDER BY m.email_key, m.updated_at`,
      ),
    );
    // A list never imported is known by its events, which still name the members apply removed from it.
    const removed = hasListRemovalsInForce(db)
      ? `AND NOT EXISTS (SELECT 1 FROM list_removals r
           WHERE r.list = l.list AND r.address = l.address AND r.superseded_at IS NULL)`
      : '';
    lists = rows(
      db.prepare(
        `SELECT l.address, l.list FROM address_event_lists l
         WHERE (l.last_at >= :since OR l.has_feedback = 1) AND l.list NOT IN (SELECT list FROM list_imports) ${removed}
         ORDER BY l.address, l.list`,
      ),
      { since },
    );
  } else {
    const candidates = fillCandidates(db, scope);
    recipients =
      scope.kind === 'campaign'
        ? deadDomainRecipients(db, deadDomains, campaignId(db, scope.campaign))
        : NO_ROWS[Symbol.iterator]();
    members =
      scope.kind === 'list'
        ? rows(db.prepare(`SELECT ${MEMBER_COLUMNS} FROM list_members m WHERE m.list = :list ORDER BY m.address`), {
            list: scope.list,
          })
        : NO_ROWS[Symbol.iterator]();
    packs = rows(
      db.prepare(
        candidates <= PACK_SEEKS_MAX
          ? `SELECT c.address, p.events FROM temp.dormant_candidates c JOIN address_event_packs p ON p.address = c.address
             WHERE ${PACK_FILTER} ORDER BY c.address, p.period`
          : // The unary + keeps SQLite from seeking the packs of each candidate: it reads them all, in key order.
            `SELECT p.address, p.events FROM address_event_packs p
             WHERE (${PACK_FILTER}) AND +p.address IN (SELECT address FROM temp.dormant_candidates)
             ORDER BY p.address, p.period`,
      ),
      { period },
    );
    failed = rows(
      db.prepare(
        `SELECT ${FAILED_COLUMNS} FROM temp.dormant_candidates c JOIN messages m ON m.email_key = c.address
         WHERE m.state = 'failed' AND m.last_reply_code >= 500 ORDER BY c.address, m.updated_at`,
      ),
    );
    // A scoped run reports each address under its scope: the lists of its events do not matter.
    lists = NO_ROWS[Symbol.iterator]();
  }
  yield* mergeByAddress(
    {
      members: new Peekable(members),
      packs: new Peekable(packs),
      failed: new Peekable(failed),
      lists: new Peekable(lists),
      recipients: new Peekable(recipients),
    },
    { since, hasAllMembers: scope.kind !== 'all' },
  );
}

/** Whether apply removed a member from a list that no import has superseded since (schema 13). */
function hasListRemovalsInForce(db: Db): boolean {
  return db.prepare('SELECT EXISTS (SELECT 1 FROM list_removals WHERE superseded_at IS NULL)').pluck().get() === 1;
}

/** The address that sorts first of two stream heads, null when both streams are done. */
function first(x: string | null, y: string | null): string | null {
  return x === null || (y !== null && y < x) ? y : x;
}

function* mergeByAddress(
  streams: {
    members: Peekable<MemberTuple>;
    packs: Peekable<PackTuple>;
    failed: Peekable<FailedTuple>;
    lists: Peekable<ListTuple>;
    recipients: Peekable<RecipientTuple>;
  },
  options: { since: number; hasAllMembers: boolean },
): Generator<AddressRecord> {
  const { members, packs, failed, lists, recipients } = streams;
  for (;;) {
    const address = first(
      first(first(members.address, packs.address), first(failed.address, lists.address)),
      recipients.address,
    );
    if (address === null) return;
    const events: StoredEvent[] = [];
    for (const pack of packs.take(address)) decodeEventPack(pack[1], options.since, events);
    const refused = failed.take(address);
    const memberRows = members.take(address);
    const unimportedLists = lists.take(address).map((row) => row[1]);
    const recipientOf = recipients.take(address).map((row) => row[1]);
    // A pack of the window's first period may hold only older events: nothing of the address is in the window.
    if (events.length === 0 && refused.length === 0 && memberRows.length === 0 && recipientOf.length === 0) continue;
    yield {
      address,
      members: memberRows.length === 0 && !options.hasAllMembers ? null : memberRows.map(fromMemberTuple),
      // Packs are in period order and each is sorted; refusals are merged in by time, after events of the same time.
      events: refused.length === 0 ? events : [...events, ...refused.map(fromFailedTuple)].sort((x, y) => x.at - y.at),
      unimportedLists,
      recipientOf,
    };
  }
}

/**
 * The distinct domains of the scope's addresses, for the DNS probe. The all-lists run reads the members' domains from
 * their index, the addresses of the event packs (the events that can make an address reportable: auto-replies never
 * do) and the queued messages, each apart, which at a million members and five million events takes a tenth of the
 * time of one union over the events themselves; scoped runs read the candidate table filled by the same rules as
 * readAddressRecords. Stored addresses are lower-cased by every writer.
 */
export function scopeDomains(db: Db, scope: DormantScope): string[] {
  if (scope.kind === 'all') {
    const domains = new Set<string>();
    for (const sql of [
      `SELECT DISTINCT ${MEMBER_DOMAIN} FROM list_members`,
      `SELECT DISTINCT ${sqlDomainOf('address')} FROM (SELECT DISTINCT address FROM address_event_packs)`,
      `SELECT DISTINCT ${sqlDomainOf('email_key')} FROM messages`,
    ])
      for (const domain of db.prepare(sql).pluck().iterate() as IterableIterator<string>) domains.add(domain);
    return [...domains];
  }
  fillCandidates(db, scope);
  return db
    .prepare(`SELECT DISTINCT ${sqlDomainOf('address')} FROM temp.dormant_candidates`)
    .pluck()
    .all() as string[];
}
