import { Option, type Command } from 'commander';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { folded } from '../../folded.js';
import {
  acknowledgeChanges,
  buildMemberReport,
  buildReports,
  memberFileNames,
  type MemberReport,
  type ReportInput,
  type SummaryReport,
} from '../../commands/build-report.js';
import { InputError } from '../../errors.js';
import type { Lang, Text } from '../../i18n.js';
import { renderReportHtml } from '../../report/render-report-html.js';
import { renderReportMarkdown } from '../../report/render-report-markdown.js';
import { renderReportText } from '../../report/render-report-text.js';
import { activeAcks, isAckActive, listAcks } from '../../store/acks.js';
import { readSnapshot } from '../../store/database.js';
import { completeRunCounts, latestCompleteRuns, runMembers } from '../../store/history.js';
import { addHistoryOptions, historySettings, type HistoryCommandOptions } from '../history-options.js';
import { OPTION_HELP } from '../options.js';
import { compareRuns, ignoredRun, openHistory, warnIgnoredRun, type ChangesReport } from './changes.js';
import { findFinding } from './explain.js';
import { closestMatch } from '../../config/closest-match.js';

/** The formats `facteur report` writes. */
export const REPORT_FORMATS = ['text', 'markdown', 'html', 'json'] as const;
/** One of the formats `facteur report` writes. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const EXTENSIONS: Record<ReportFormat, string> = { text: 'txt', markdown: 'md', html: 'html', json: 'json' };

const RENDERERS: Record<ReportFormat, (report: MemberReport | SummaryReport) => string> = {
  text: renderReportText,
  markdown: renderReportMarkdown,
  html: renderReportHtml,
  // The report data itself (schemaVersion 1), for a mail merge or another renderer.
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
};

/** Runs in the plot: two years of nights keep a point per pixel or two in the SVG, and the file small. */
const MAX_PLOT_RUNS = 731;

/** What to report on: one member, or every member and the admins' summary. */
export type ReportScope = { member: string } | { all: true };

/** One file `facteur report` wrote. */
export interface WrittenReport {
  /** The member it is for; null for the admins' summary. */
  member: string | null;
  path: string;
}

/** What `facteur report` did (`--json` prints it). */
export interface ReportOutcome {
  schemaVersion: 1;
  run: { id: number; startedAt: string };
  files: WrittenReport[];
  /** A newer run than the one reported, left incomplete or still running, which the report ignores. */
  ignoredRun: ChangesReport['ignoredRun'];
  /** The rendered member report when one member was asked for without `--out`. */
  content?: string;
}

/**
 * Writes a file whole or not at all: a cron job mailing the report never sends half of it. The partial file is this
 * process's own: two reports written into one directory at once (a cron job, an admin) would otherwise write into one
 * partial file, and the second to move it would find it gone.
 */
function writeWhole(path: string, content: string): void {
  const partial = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(partial, content);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Tells which member a name means: the exact name, else the one name equal to it ignoring case and accents. */
export function resolveMember(members: readonly string[], name: string, path: string): string {
  if (members.includes(name)) return name;
  const typed = folded(name);
  const same = members.filter((member) => folded(member) === typed);
  if (same.length === 1 && same[0] !== undefined) return same[0];
  let near = members.filter((member) => folded(member).includes(typed)).slice(0, 5);
  // Not a part of any name: a misspelt one ("club foto" for "Club Photo").
  if (near.length === 0) {
    const closest = closestMatch(typed, members.map(folded));
    near = members.filter((member) => folded(member) === closest).slice(0, 1);
  }
  const hint = near.length > 0 ? `; did you mean ${near.map((member) => `"${member}"`).join(', ')}?` : '';
  const hintFr = near.length > 0 ? ` ; vouliez-vous dire ${near.map((member) => `« ${member} »`).join(', ')} ?` : '';
  throw new InputError(
    {
      en: `Cannot report on member "${name}": the latest complete run has no such member${hint}`,
      fr: `Impossible de produire le rapport de l’adhérent « ${name} » : le dernier passage complet n’a pas d’adhérent de ce nom${hintFr}`,
    },
    { file: path },
  );
}

/**
 * Builds and renders the reports of the latest complete run: one member's, or every member's and the summary.
 * Files go to `out` (created if needed) as `summary.<ext>` and `member-<name>.<ext>`; without `out`, one member's
 * report is returned as `content`.
 */
export function writeReports(options: {
  db: string;
  scope: ReportScope;
  format: ReportFormat;
  lang: Lang;
  out?: string;
  now?: Date;
}): ReportOutcome {
  const now = options.now ?? new Date();
  const db = openHistory(options.db);
  let read: {
    built: { members: MemberReport[]; summary: SummaryReport | null };
    runInfo: { id: number; startedAt: string };
    ignored: ChangesReport['ignoredRun'];
  };
  try {
    // One snapshot: a night's check finishing meanwhile must not make the run a report names and the run it describes
    // two different runs.
    read = readSnapshot(db, () => {
      const ignored = ignoredRun(db);
      const current = latestCompleteRuns(db, 1)[0];
      if (current === undefined) {
        throw new InputError(
          {
            en: `Cannot report from "${options.db}": it holds no complete run yet`,
            fr: `Impossible de produire un rapport depuis « ${options.db} » : la base ne contient encore aucun passage complet`,
          },
          { file: options.db },
        );
      }
      const runInfo = { id: current.id, startedAt: current.startedAt };
      const member =
        'member' in options.scope
          ? resolveMember(
              runMembers(db, current.id).map((entry) => entry.member),
              options.scope.member,
              options.db,
            )
          : undefined;
      const comparison = compareRuns(db, options.db, member === undefined ? {} : { member });
      const acks = listAcks(db);
      const input: ReportInput = {
        lang: options.lang,
        run: runInfo,
        previousRun:
          comparison.previous === undefined
            ? null
            : { id: comparison.previous.id, startedAt: comparison.previous.startedAt },
        domains: comparison.currentDomains,
        diff: comparison.diff === null ? null : acknowledgeChanges(comparison.diff, activeAcks(db, now)),
        acks,
        isActive: (ack) => isAckActive(ack, now),
        meta: (id) => findFinding(id)?.meta,
        history: member === undefined ? completeRunCounts(db, MAX_PLOT_RUNS) : [],
      };
      const built =
        member === undefined ? buildReports(input) : { members: [buildMemberReport(member, input)], summary: null };
      return { built, runInfo, ignored };
    });
  } finally {
    db.close();
  }
  const { built, runInfo, ignored } = read;
  const renderer = RENDERERS[options.format];
  const outcome: ReportOutcome = { schemaVersion: 1, run: runInfo, files: [], ignoredRun: ignored };
  if (options.out === undefined) {
    const only = built.members[0];
    if (only === undefined || built.summary !== null) {
      throw new InputError({
        en: 'Cannot report on every member without --out DIR: they make one file each',
        fr: 'Impossible de produire le rapport de tous les adhérents sans --out DOSSIER : chacun a son propre fichier',
      });
    }
    return { ...outcome, content: renderer(only) };
  }
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const extension = EXTENSIONS[options.format];
  if (built.summary !== null) {
    const path = join(out, `summary.${extension}`);
    writeWhole(path, renderer(built.summary));
    outcome.files.push({ member: null, path });
  }
  const names = memberFileNames(built.members.map((report) => report.member));
  for (const report of built.members) {
    const path = join(out, `${names.get(report.member) ?? 'member'}.${extension}`);
    writeWhole(path, renderer(report));
    outcome.files.push({ member: report.member, path });
  }
  return outcome;
}

/** The help of `facteur report`. */
const HELP = {
  description: {
    en: 'Write the report of the latest complete run: one per member (problems explained, records to publish, links) and a summary for the admins',
    fr: 'Écrire le rapport du dernier passage complet : un par adhérent (problèmes expliqués, enregistrements à publier, liens) et une synthèse pour les administrateurs',
  },
  member: {
    en: 'only this member (as named in the members file)',
    fr: 'seulement cet adhérent (nommé comme dans le fichier des adhérents)',
  },
  all: {
    en: 'every member, and the summary for the admins',
    fr: 'tous les adhérents, et la synthèse pour les administrateurs',
  },
  format: { en: 'output format', fr: 'format de sortie' },
  out: {
    en: 'directory to write the reports to (created if needed); without it, one member is printed',
    fr: 'dossier où écrire les rapports (créé si besoin) ; sans lui, un seul adhérent est affiché',
  },
} satisfies Record<string, Text>;

/**
 * Adds `facteur report (--member NAME | --all) --format text|markdown|html --lang fr|en --out DIR [--db FILE]`, its
 * help in `helpLang`.
 */
export function registerReport(program: Command, helpLang: Lang): void {
  addHistoryOptions(program.command('report'), helpLang)
    .description(HELP.description[helpLang])
    .option('--member <name>', HELP.member[helpLang])
    .option('--all', HELP.all[helpLang], false)
    .addOption(new Option('--format <format>', HELP.format[helpLang]).choices(REPORT_FORMATS).default('text'))
    .option('--out <dir>', HELP.out[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .action(
      (
        options: {
          member?: string;
          all: boolean;
          format: ReportFormat;
          out?: string;
          json: boolean;
        } & HistoryCommandOptions,
      ) => {
        if (options.all === (options.member !== undefined)) {
          throw new InputError({
            en: 'Cannot report: give either --member NAME or --all',
            fr: 'Impossible de produire le rapport : donnez soit --member NOM, soit --all',
          });
        }
        const { db, lang } = historySettings(options);
        const outcome = writeReports({
          db,
          scope: options.member === undefined ? { all: true } : { member: options.member },
          format: options.format,
          lang,
          ...(options.out === undefined ? {} : { out: options.out }),
        });
        warnIgnoredRun(outcome.ignoredRun, lang);
        if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
        else if (outcome.content !== undefined) process.stdout.write(outcome.content);
        else process.stdout.write(outcome.files.map((file) => `${file.path}\n`).join(''));
      },
    );
}
