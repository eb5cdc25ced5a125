import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { render, type Lang, type Text } from '../../i18n.js';
import { normaliseDomain } from '../../parse/parse-members-csv.js';
import { isAckActive, listAcks, removeAck, saveAck, utcDay, type Ack } from '../../store/acks.js';
import { openDatabase } from '../../store/database.js';
import { langOption } from '../options.js';
import { DEFAULT_DB_PATH } from './changes.js';
import { findFinding } from './explain.js';

/** A finding id as the catalogue spells them: `<area>.<code>` (STYLE.md). */
const FINDING_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/** A note is one line shown in every report: long enough for a ticket reference and a reason, short enough to read. */
const MAX_NOTE_LENGTH = 500;

/** Parses `--until`: a calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export function parseUntil(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const time = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(time) || utcDay(new Date(time)) !== value) {
    throw new InvalidArgumentError(`expected a date such as "2026-12-31", got "${value}"`);
  }
  return value;
}

/** The options of `facteur ack`, as commander hands them over. */
interface AckCommandOptions {
  until?: string;
  note?: string;
  list: boolean;
  remove: boolean;
  all: boolean;
  db: string;
  json: boolean;
  lang?: string;
}

const TEXTS = {
  saved: {
    en: 'Acknowledged {id} on {domain} until {until}',
    fr: '{id} pris en compte sur {domain} jusqu’au {until}',
  },
  replaced: {
    en: 'Acknowledged {id} on {domain} until {until} (replaces the earlier acknowledgement)',
    fr: '{id} pris en compte sur {domain} jusqu’au {until} (remplace la prise en compte précédente)',
  },
  unknownId: {
    en: 'Warning: "{id}" is not a finding id of this facteur; the acknowledgement is kept all the same',
    fr: 'Attention : « {id} » n’est pas un identifiant de constat connu de ce facteur ; la prise en compte est gardée quand même',
  },
  removed: {
    en: 'Removed the acknowledgement of {id} on {domain}',
    fr: 'Prise en compte de {id} sur {domain} retirée',
  },
  none: { en: 'No acknowledgement', fr: 'Aucune prise en compte' },
  expired: { en: 'expired', fr: 'expiré' },
} satisfies Record<string, Text>;

/** Checks and normalises the DOMAIN and ID arguments. */
function target(domainArg: string | undefined, idArg: string | undefined): { domain: string; id: string } {
  if (domainArg === undefined || idArg === undefined) {
    throw new InputError(
      'Cannot acknowledge: give a DOMAIN and a finding ID, e.g. "facteur ack example.org dmarc.policy_none"',
    );
  }
  const domain = normaliseDomain(domainArg);
  if (domain === null) throw new InputError(`Cannot acknowledge on "${domainArg}": not a domain name`);
  if (!FINDING_ID.test(idArg)) {
    throw new InputError(`Cannot acknowledge "${idArg}": not a finding id such as "dmarc.policy_none"`);
  }
  return { domain, id: idArg };
}

function listLines(acks: readonly Ack[], now: Date, lang: Lang): string {
  if (acks.length === 0) return `${TEXTS.none[lang]}\n`;
  return acks
    .map((ack) => {
      const expired = isAckActive(ack, now) ? '' : ` (${TEXTS.expired[lang]})`;
      return `${ack.domain}\t${ack.findingId}\t${ack.until}${expired}\t${ack.note}\n`;
    })
    .join('');
}

/** Adds `facteur ack DOMAIN ID --until DATE --note TEXT`, `ack --list [--all]` and `ack --remove DOMAIN ID`. */
export function registerAck(program: Command): void {
  program
    .command('ack')
    .description(
      'Acknowledge a finding on a domain until a date: reports list it as acknowledged, changes never alert on it',
    )
    .argument('[domain]', 'the domain the finding is on')
    .argument('[id]', 'the finding id, e.g. dmarc.policy_none (see "facteur explain")')
    .option(
      '--until <date>',
      'last day (YYYY-MM-DD, UTC) the acknowledgement applies; it expires by itself',
      parseUntil,
    )
    .option('--note <text>', 'why the finding is accepted, shown in every report')
    .option('--list', 'list the acknowledgements still applying', false)
    .option('--all', 'with --list: also the expired ones', false)
    .option('--remove', 'remove the acknowledgement of DOMAIN and ID', false)
    .option('--db <file>', 'the history database written by "facteur check --db"', DEFAULT_DB_PATH)
    .option('--json', 'print one JSON document on stdout', false)
    .option('--lang <lang>', 'language of messages: en or fr (default: from LANG)')
    .action((domainArg: string | undefined, idArg: string | undefined, options: AckCommandOptions) => {
      const lang = langOption(options.lang);
      const now = new Date();
      if (options.list && options.remove) throw new InputError('Cannot use --list and --remove together');
      if (options.list) {
        if (domainArg !== undefined) throw new InputError('Cannot list: --list takes no DOMAIN or ID');
        if (!existsSync(options.db)) throw new InputError(`Cannot list acknowledgements: no database "${options.db}"`);
        const db = openDatabase(options.db);
        try {
          const acks = listAcks(db, options.all ? {} : { activeOn: now });
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ schemaVersion: 1, acks: acks.map((ack) => ({ ...ack, isActive: isAckActive(ack, now) })) }, null, 2)}\n`
              : listLines(acks, now, lang),
          );
        } finally {
          db.close();
        }
        return;
      }
      const { domain, id } = target(domainArg, idArg);
      if (options.remove) {
        const db = openDatabase(options.db);
        try {
          const removed = removeAck(db, domain, id);
          if (!removed)
            throw new InputError(`Cannot remove the acknowledgement of "${id}" on "${domain}": there is none`);
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ schemaVersion: 1, removed: { domain, findingId: id } }, null, 2)}\n`
              : `${render(TEXTS.removed, lang, { id, domain })}\n`,
          );
        } finally {
          db.close();
        }
        return;
      }
      if (options.until === undefined)
        throw new InputError('Cannot acknowledge without --until DATE: an acknowledgement must expire');
      if (options.until < utcDay(now)) {
        throw new InputError(`Cannot acknowledge until "${options.until}": that day is already past`);
      }
      const note = (options.note ?? '').trim();
      if (note === '') throw new InputError('Cannot acknowledge without --note: say why, for whoever reads the report');
      // eslint-disable-next-line no-control-regex -- the note is shown in terminals and reports
      if (/[\u0000-\u001f\u007f-\u009f]/.test(note) || note.length > MAX_NOTE_LENGTH) {
        throw new InputError(`Cannot acknowledge: --note must be one line of at most ${MAX_NOTE_LENGTH} characters`);
      }
      if (findFinding(id) === undefined) process.stderr.write(`facteur: ${render(TEXTS.unknownId, lang, { id })}\n`);
      const db = openDatabase(options.db);
      try {
        const ack: Ack = { domain, findingId: id, until: options.until, note, createdAt: now.toISOString() };
        const { replaced } = saveAck(db, ack);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ schemaVersion: 1, ack, replaced }, null, 2)}\n`
            : `${render(replaced ? TEXTS.replaced : TEXTS.saved, lang, { id, domain, until: ack.until })}\n`,
        );
      } finally {
        db.close();
      }
    });
}
