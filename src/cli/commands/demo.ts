import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ALL_CHECKS, GATHERERS } from '../../checks/registry.js';
import { loadConfig } from '../../config/load-config.js';
import { startRunRecorder } from '../../commands/record-check-run.js';
import { runCheck, type CheckReport, type CheckTarget } from '../../commands/run-check.js';
import { startZoneServer, type ZoneServer } from '../../dns/zone-server.js';
import { InputError } from '../../errors.js';
import { render, type Lang, type Text } from '../../i18n.js';
import { packageRoot } from '../../package-root.js';
import { renderCheckText } from '../../report/render-check-text.js';
import { createDnsResolver } from '../dns-options.js';
import { EXIT } from '../exit-codes.js';
import { OPTION_HELP, langOption } from '../options.js';
import { checkSettings, readTargets, type CheckSettings } from './check.js';
import { computeChanges, renderChangesText } from './changes.js';
import { writeReports } from './report.js';

const TEXTS = {
  server: {
    en: 'facteur demo: night {night}, DNS server for {zones} on 127.0.0.1:{port}',
    fr: 'facteur demo : nuit {night}, serveur DNS pour {zones} sur 127.0.0.1:{port}',
  },
  night1: { en: '== Night 1: first audit ==', fr: '== Nuit 1 : premier audit ==' },
  night2: {
    en: '== Night 2: asso-velo.example lost its DMARC record, atelier.example fixed its SPF ==',
    fr: '== Nuit 2 : asso-velo.example a perdu son enregistrement DMARC, atelier.example a corrigé son SPF ==',
  },
  report: { en: 'HTML report: {path}', fr: 'Rapport HTML : {path}' },
  database: { en: 'History database: {path}', fr: 'Base d’historique : {path}' },
} satisfies Record<string, Text>;

/** Serves a zone directory on 127.0.0.1, checks the targets against it and records the run in the database. */
async function runNight(
  night: number,
  zones: string,
  targets: CheckTarget[],
  errors: InputError[],
  options: { db: string; lang: Lang; quiet: boolean; settings: CheckSettings },
): Promise<CheckReport> {
  // The recorder first: a database that cannot be opened must not leave a DNS server holding the process open.
  const recorder = startRunRecorder(options.db, { demo: true, night, lang: options.lang });
  let server: ZoneServer;
  try {
    server = await startZoneServer({ directory: zones });
  } catch (error) {
    recorder.finish({ incomplete: true, uncheckedDomains: targets });
    recorder.close();
    throw error;
  }
  try {
    if (!options.quiet) {
      process.stderr.write(`${render(TEXTS.server, options.lang, { night, zones, port: server.port })}\n`);
    }
    const resolver = createDnsResolver([`127.0.0.1:${server.port}`], 2000, 1);
    try {
      const report = await runCheck(
        {
          targets,
          checks: ALL_CHECKS,
          gatherers: GATHERERS,
          resolver,
          render: { lang: options.lang, docs: options.settings.docs },
          expectations: options.settings.expectations,
          concurrency: options.settings.concurrency,
          onDomainResult: (result) => {
            recorder.add(result);
          },
        },
        errors,
      );
      recorder.finish({ incomplete: report.inputErrors.length > 0, uncheckedDomains: report.uncheckedDomains });
      return report;
    } finally {
      await resolver.close();
    }
  } finally {
    recorder.close();
    await server.stop();
  }
}

/** The help of `facteur demo`. */
const HELP = {
  description: {
    en: 'Check examples/members.csv against local DNS zones on two nights (a regression and a fix on the second), show what changed and write the HTML report',
    fr: 'Vérifier examples/members.csv sur des zones DNS locales deux nuits de suite (une régression et une correction la seconde nuit), montrer ce qui a changé et écrire le rapport HTML',
  },
  db: {
    en: 'record the two runs in this database (default: a new one in a temporary directory)',
    fr: 'enregistrer les deux passages dans cette base de données (par défaut : une nouvelle, dans un dossier temporaire)',
  },
  out: {
    en: 'write the reports here (default: beside the temporary database)',
    fr: 'écrire les rapports dans ce dossier (par défaut : à côté de la base de données temporaire)',
  },
} satisfies Record<string, Text>;

/**
 * Adds `facteur demo`: two nights of the check job on the embedded example (the second with a regression and a fix),
 * recorded in a history database, what changed, and the HTML report. No network beyond 127.0.0.1. Its help in
 * `helpLang`.
 */
export function registerDemo(program: Command, helpLang: Lang): void {
  program
    .command('demo')
    .description(HELP.description[helpLang])
    .option('--db <file>', HELP.db[helpLang])
    .option('--out <dir>', HELP.out[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .option('--lang <lang>', OPTION_HELP.lang[helpLang])
    .action(async (options: { db?: string; out?: string; json: boolean; lang?: string }) => {
      const lang = langOption(options.lang);
      const examples = join(packageRoot(), 'examples');
      // Kept after the demo: the report it writes is there to be opened.
      const work = mkdtempSync(join(tmpdir(), 'facteur-demo-'));
      const db = options.db ?? join(work, 'history.sqlite');
      try {
        mkdirSync(dirname(db), { recursive: true });
      } catch (error) {
        const reason = (error as Error).message;
        throw new InputError(
          {
            en: `Cannot create the directory of database "${db}": ${reason}`,
            fr: `Impossible de créer le dossier de la base de données « ${db} » : ${reason}`,
          },
          { file: db },
        );
      }
      const out = options.out ?? join(work, 'report');
      // Night 2 serves the example zones with the few files of examples/zones-night2 laid over them.
      const night2Zones = join(work, 'zones-night2');
      cpSync(join(examples, 'zones'), night2Zones, { recursive: true });
      cpSync(join(examples, 'zones-night2'), night2Zones, { recursive: true });

      // The example config (the hoster's relay, blocklist, expectations and wiki), as a night would run it.
      const settings = checkSettings(
        [],
        { json: options.json, quiet: options.json, db: false, lang },
        loadConfig(join(examples, 'facteur.config.json')),
      );
      const { targets, errors } = await readTargets([], settings.members, settings.defaults);
      const nightOptions = { db, lang, quiet: options.json, settings };
      const first = await runNight(1, join(examples, 'zones'), targets, errors, nightOptions);
      await runNight(2, night2Zones, targets, errors, nightOptions);
      const changes = computeChanges({ db });
      const report = writeReports({ db, scope: { all: true }, format: 'html', lang, out });
      const summary = report.files.find((file) => file.member === null)?.path ?? out;

      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ schemaVersion: 1, db, report: summary, files: report.files, firstNight: first, changes }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(
          [
            TEXTS.night1[lang],
            renderCheckText(first, lang),
            TEXTS.night2[lang],
            renderChangesText(changes, lang),
            render(TEXTS.database, lang, { path: db }),
            render(TEXTS.report, lang, { path: summary }),
            '',
          ].join('\n'),
        );
      }
      // The demo ran: its findings and its regression are the point, not a failure.
      process.exitCode = EXIT.ok;
    });
}
