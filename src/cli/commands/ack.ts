import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { render, type Lang, type Text } from '../../i18n.js';
import { normaliseDomain } from '../../parse/parse-members-csv.js';
import { isAckActive, listAcks, removeAck, saveAck, utcDay, type Ack } from '../../store/acks.js';
import { openDatabase } from '../../store/database.js';
import { addHistoryOptions, historySettings, type HistoryCommandOptions } from '../history-options.js';
import { nearestFindingId } from '../../config/finding-id.js';
import { findFinding } from './explain.js';
import { OPTION_HELP } from '../options.js';
import { invalidValue } from '../usage-error.js';
import { noticePrefix } from '../notice-prefix.js';

/** A finding id as the catalogue spells them: `<area>.<code>` (STYLE.md). */
const FINDING_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/** A note is one line shown in every report: long enough for a ticket reference and a reason, short enough to read. */
const MAX_NOTE_LENGTH = 500;

/** Parses `--until`: a calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export function parseUntil(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const time = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(time) || utcDay(new Date(time)) !== value) throw invalidValue('date', value);
  return value;
}

/** The options of `facteur ack`, as commander hands them over. */
interface AckCommandOptions extends HistoryCommandOptions {
  until?: string;
  note?: string;
  list: boolean;
  remove: boolean;
  all: boolean;
  json: boolean;
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
    throw new InputError({
      en: 'Cannot acknowledge: give a DOMAIN and a finding ID, e.g. "facteur ack example.org dmarc.policy_none"',
      fr: 'Impossible d’enregistrer la prise en compte : donnez un DOMAINE et un ID de constat, par exemple « facteur ack example.org dmarc.policy_none »',
    });
  }
  const domain = normaliseDomain(domainArg);
  if (domain === null)
    throw new InputError({
      en: `Cannot acknowledge on "${domainArg}": not a domain name`,
      fr: `Impossible de prendre en compte un constat sur « ${domainArg} » : ce n’est pas un nom de domaine`,
    });
  if (!FINDING_ID.test(idArg)) {
    throw new InputError({
      en: `Cannot acknowledge "${idArg}": not a finding id such as "dmarc.policy_none"`,
      fr: `Impossible de prendre en compte « ${idArg} » : ce n’est pas un identifiant de constat comme « dmarc.policy_none »`,
    });
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

/** The help of `facteur ack`. */
const HELP = {
  description: {
    en: 'Acknowledge a finding on a domain until a date: reports list it as acknowledged, changes never alert on it',
    fr: 'Prendre en compte un constat sur un domaine jusqu’à une date : les rapports l’indiquent comme pris en compte, « changes » ne le signale jamais',
  },
  domain: { en: 'the domain the finding is on', fr: 'le domaine concerné par le constat' },
  id: {
    en: 'the finding id, e.g. dmarc.policy_none (see "facteur explain")',
    fr: 'l’identifiant du constat, par ex. dmarc.policy_none (voir « facteur explain »)',
  },
  until: {
    en: 'last day (YYYY-MM-DD, UTC) the acknowledgement applies; it expires by itself',
    fr: 'dernier jour (AAAA-MM-JJ, UTC) où la prise en compte s’applique ; elle expire d’elle-même',
  },
  note: {
    en: 'why the finding is accepted, shown in every report',
    fr: 'pourquoi le constat est accepté, affiché dans chaque rapport',
  },
  list: { en: 'list the acknowledgements still applying', fr: 'lister les prises en compte encore en vigueur' },
  all: { en: 'with --list: also the expired ones', fr: 'avec --list : aussi celles qui ont expiré' },
  remove: { en: 'remove the acknowledgement of DOMAIN and ID', fr: 'retirer la prise en compte de DOMAINE et ID' },
} satisfies Record<string, Text>;

/**
 * Adds `facteur ack DOMAIN ID --until DATE --note TEXT`, `ack --list [--all]` and `ack --remove DOMAIN ID`, their help
 * in `helpLang`.
 */
export function registerAck(program: Command, helpLang: Lang): void {
  addHistoryOptions(program.command('ack'), helpLang)
    .description(HELP.description[helpLang])
    .argument('[domain]', HELP.domain[helpLang])
    .argument('[id]', HELP.id[helpLang])
    .option('--until <date>', HELP.until[helpLang], parseUntil)
    .option('--note <text>', HELP.note[helpLang])
    .option('--list', HELP.list[helpLang], false)
    .option('--all', HELP.all[helpLang], false)
    .option('--remove', HELP.remove[helpLang], false)
    .option('--json', OPTION_HELP.json[helpLang], false)
    .action((domainArg: string | undefined, idArg: string | undefined, options: AckCommandOptions) => {
      const { db: dbFile, lang } = historySettings(options);
      const now = new Date();
      if (options.list && options.remove)
        throw new InputError({
          en: 'Cannot use --list and --remove together',
          fr: 'Impossible d’utiliser --list et --remove ensemble',
        });
      if (options.list) {
        if (domainArg !== undefined)
          throw new InputError({
            en: 'Cannot list: --list takes no DOMAIN or ID',
            fr: 'Impossible de lister : --list ne prend ni DOMAINE ni ID',
          });
        if (!existsSync(dbFile))
          throw new InputError({
            en: `Cannot list acknowledgements: no database "${dbFile}"`,
            fr: `Impossible de lister les prises en compte : la base de données « ${dbFile} » n’existe pas`,
          });
        const db = openDatabase(dbFile);
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
        const db = openDatabase(dbFile);
        try {
          const removed = removeAck(db, domain, id);
          if (!removed)
            throw new InputError({
              en: `Cannot remove the acknowledgement of "${id}" on "${domain}": there is none`,
              fr: `Impossible de retirer la prise en compte de « ${id} » sur « ${domain} » : il n’y en a pas`,
            });
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
        throw new InputError({
          en: 'Cannot acknowledge without --until DATE: an acknowledgement must expire',
          fr: 'Impossible d’enregistrer la prise en compte sans --until DATE : une prise en compte doit expirer',
        });
      if (options.until < utcDay(now)) {
        throw new InputError({
          en: `Cannot acknowledge until "${options.until}": that day is already past`,
          fr: `Impossible d’enregistrer une prise en compte jusqu’au « ${options.until} » : ce jour est déjà passé`,
        });
      }
      const note = (options.note ?? '').trim();
      if (note === '')
        throw new InputError({
          en: 'Cannot acknowledge without --note: say why, for whoever reads the report',
          fr: 'Impossible d’enregistrer la prise en compte sans --note : dites pourquoi, pour qui lira le rapport',
        });
      // eslint-disable-next-line no-control-regex -- the note is shown in terminals and reports
      if (/[\u0000-\u001f\u007f-\u009f]/.test(note) || note.length > MAX_NOTE_LENGTH) {
        throw new InputError({
          en: `Cannot acknowledge: --note must be one line of at most ${MAX_NOTE_LENGTH} characters`,
          fr: `Impossible d’enregistrer la prise en compte : --note doit tenir sur une ligne d’au plus ${MAX_NOTE_LENGTH} caractères`,
        });
      }
      if (findFinding(id) === undefined) {
        // A misspelt id would acknowledge nothing, silently; one far from any known id may come from another version.
        const nearest = nearestFindingId(id);
        if (nearest !== null)
          throw new InputError({
            en: `Cannot acknowledge "${id}": no such finding id; did you mean "${nearest}"?`,
            fr: `Impossible de prendre en compte « ${id} » : cet identifiant de constat n’existe pas ; vouliez-vous dire « ${nearest} » ?`,
          });
        process.stderr.write(`${noticePrefix(lang)}${render(TEXTS.unknownId, lang, { id })}\n`);
      }
      const db = openDatabase(dbFile);
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
