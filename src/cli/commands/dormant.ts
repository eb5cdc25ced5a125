import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { loadCommandConfig } from '../../config/load-config.js';
import { DEFAULT_DORMANT_CONFIG, type DormantConfig } from '../../dormant/dormant-config.js';
import { importMembersFile, importSympaDatabase } from '../../dormant/import-members.js';
import { readMailboxActivity } from '../../dormant/read-mailbox-activity.js';
import { disablePasswdUsers } from '../../dormant/disable-passwd-users.js';
import type { DormantEntry, DormantReason } from '../../dormant/judge-address.js';
import {
  countEntry,
  createDormantRenderer,
  emptySummary,
  type DormantFormat,
  type DormantSummary,
} from '../../dormant/render-dormant.js';
import { renderLimeSurveyTokens } from '../../dormant/render-limesurvey-tokens.js';
import { dormantEntries, probeScopeDomains } from '../../dormant/run-dormant.js';
import { InputError } from '../../errors.js';
import { render, type Lang } from '../../i18n.js';
import { normaliseEmail } from '../../send/read-recipients.js';
import { openDatabase, type Db } from '../../store/database.js';
import { forgetAddress, type DormantScope } from '../../store/dormant.js';
import { describeSympaDatabase, readSympaConf, type SympaDatabase } from '../../sympa/read-sympa-conf.js';
import { renderSympaMailCommands } from '../../sympa/render-sympa-mail-commands.js';
import { runSympaDel } from '../../sympa/run-sympa-del.js';
import { createDnsResolver } from '../dns-options.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { langOption, nonNegativeInt, positiveInt, progressReporter, repeatable } from '../options.js';

/** Every `--format` of `facteur dormant`. */
const FORMATS = ['text', 'csv', 'json', 'sympa', 'sympa-mail', 'limesurvey', 'mailboxes'] as const;
type Format = (typeof FORMATS)[number];

/** The options of `facteur dormant`, as commander hands them over. */
interface DormantCommandOptions {
  db?: string;
  list?: string;
  campaign?: string;
  format: Format;
  json: boolean;
  minDays?: number;
  config?: string;
  dns: boolean;
  resolver?: string[];
  timeout: number;
  retries: number;
  concurrency: number;
  members?: string;
  sympaDb?: string;
  sympaConf?: string;
  lastLogins?: string;
  lastLoginsCsv?: string;
  inboxSaved?: string;
  limesurvey?: string;
  passwdFile?: string;
  passwdOut?: string;
  lang?: string;
}

const TEXT = {
  passwd: {
    en: 'facteur: wrote "{file}" with {count} users set to nologin; check it, then move it in place yourself\n',
    fr: 'facteur : "{file}" écrit avec {count} utilisateurs en nologin ; vérifiez-le puis mettez-le en place vous-même\n',
  },
  limesurvey: {
    en: 'facteur: {matched} LimeSurvey participants matched\n',
    fr: 'facteur : {matched} participants LimeSurvey retrouvés\n',
  },
  forgot: {
    en: 'Forgot the bounce history of {address}: {count} events no longer count (recorded as done by {actor})\n',
    fr: 'Historique de rebonds de {address} oublié : {count} événements ne comptent plus (enregistré comme fait par {actor})\n',
  },
  dryRun: {
    en: 'Dry run: would run {command} with these addresses on stdin\n',
    fr: 'Essai : lancerait {command} avec ces adresses sur son entrée\n',
  },
  ran: { en: 'Ran {command}:\n', fr: 'Lancé {command} :\n' },
  confirm: { en: 'Run again with --yes to remove them\n', fr: 'Relancez avec --yes pour les retirer\n' },
  undecided: {
    en: 'facteur: no DNS answer for {domains}; rerun later\n',
    fr: 'facteur : pas de réponse DNS pour {domains} ; relancez plus tard\n',
  },
  imported: {
    en: 'facteur: {lists} lists, {members} members imported from {source}\n',
    fr: 'facteur : {lists} listes, {members} membres importés de {source}\n',
  },
  included: {
    en: 'facteur: {count} of these addresses come from Sympa data sources ({sources}): sympa del only excludes them from the list, the sources still hold them; fix them there too\n',
    fr: 'facteur : {count} de ces adresses viennent de sources de données Sympa ({sources}) : sympa del ne fait que les exclure de la liste, les sources les contiennent toujours ; corrigez-les là aussi\n',
  },
  unnamed: { en: '(unnamed)', fr: '(sans nom)' },
  includedItem: {
    en: '           from Sympa data source {source}: excluded from the list, still in the source; fix it there\n',
    fr: '           de la source de données Sympa {source} : exclue de la liste, toujours dans la source ; corrigez-la là\n',
  },
};

/** A data source's name for messages: quoted, or "(unnamed)". */
function sourceName(dataSource: string | null, lang: Lang): string {
  return dataSource === null ? TEXT.unnamed[lang] : JSON.stringify(dataSource);
}

/** Counts the included addresses by data source, for the note that goes with a removal list. */
function includedNote(sources: ReadonlyMap<string, string | null>, lang: Lang): string {
  if (sources.size === 0) return '';
  const bySource = new Map<string, number>();
  for (const source of sources.values()) {
    const name = sourceName(source, lang);
    bySource.set(name, (bySource.get(name) ?? 0) + 1);
  }
  const list = [...bySource].map(([name, count]) => `${name}: ${count}`).join(', ');
  return render(TEXT.included, lang, { count: sources.size, sources: list });
}

function scopeOf(options: DormantCommandOptions): DormantScope {
  if (options.list !== undefined && options.campaign !== undefined)
    throw new InputError('Cannot use --list and --campaign together: choose one scope');
  if (options.list !== undefined) return { kind: 'list', list: options.list.toLowerCase() };
  if (options.campaign !== undefined) return { kind: 'campaign', campaign: options.campaign };
  return { kind: 'all' };
}

/** Writes to stdout, waiting when its buffer is full: a million lines must not pile up in memory. */
async function write(text: string): Promise<void> {
  if (text === '' || process.stdout.write(text)) return;
  await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/** What one write to stdout carries, at most about: a Linux pipe's default buffer, so a chunk goes in one write. */
const OUTPUT_CHUNK_CHARS = 65_536;

/** Gathers output into chunks of OUTPUT_CHUNK_CHARS before writing them; `flush` writes what is left. */
function chunkedOutput(): { add(text: string): Promise<void>; flush(): Promise<void> } {
  let pending = '';
  return {
    async add(text) {
      pending += text;
      if (pending.length < OUTPUT_CHUNK_CHARS) return;
      const chunk = pending;
      pending = '';
      await write(chunk);
    },
    async flush() {
      const chunk = pending;
      pending = '';
      await write(chunk);
    },
  };
}

/** Checks the options that only make sense together, before anything is read or written. */
function checkFormat(format: Format, scope: DormantScope, options: DormantCommandOptions): void {
  if ((format === 'sympa' || format === 'sympa-mail') && scope.kind !== 'list')
    throw new InputError(`Cannot use --format ${format} without --list: Sympa removes members one list at a time`);
  if (format === 'limesurvey' && options.limesurvey === undefined)
    throw new InputError('Cannot use --format limesurvey without --limesurvey FILE (the participants export)');
  if ((options.passwdFile === undefined) !== (options.passwdOut === undefined))
    throw new InputError('Cannot edit a passwd-file without both --passwd-file FILE and --passwd-out NEW');
  const hasLogins = options.lastLogins !== undefined || options.lastLoginsCsv !== undefined;
  if ((format === 'mailboxes' || options.passwdFile !== undefined) && !hasLogins)
    throw new InputError('Cannot judge hosted mailboxes without --last-logins FILE or --last-logins-csv FILE');
  if (options.members !== undefined && scope.kind !== 'list')
    throw new InputError('Cannot import --members without --list: name the list the file belongs to');
  sympaDatabaseOf(options, scope);
}

/** The Sympa database to import from: `--sympa-conf` (wherever sympa.conf puts it) or `--sympa-db` (SQLite). */
function sympaDatabaseOf(options: { sympaDb?: string; sympaConf?: string }, scope: DormantScope): SympaDatabase | null {
  if (options.sympaDb !== undefined && options.sympaConf !== undefined)
    throw new InputError('Cannot use --sympa-db and --sympa-conf together: --sympa-conf names the database itself');
  if (options.sympaDb === undefined && options.sympaConf === undefined) return null;
  // Sympa's tables name a list by name and domain; "name" alone would match one list per domain.
  if (scope.kind === 'list' && !scope.list.includes('@'))
    throw new InputError(`Cannot import "${scope.list}" from Sympa's database: give --list as list@domain`);
  return options.sympaConf === undefined
    ? { type: 'SQLite', file: options.sympaDb ?? '' }
    : readSympaConf(options.sympaConf);
}

/** The run's settings: command line first, then `facteur.config.json`, then the defaults. */
function settingsOf(options: { config?: string; db?: string; lang?: string; minDays?: number }): {
  dbFile: string;
  lang: Lang;
  config: DormantConfig;
} {
  const file = loadCommandConfig(options.config);
  const dbFile = options.db ?? file.db;
  if (dbFile === undefined)
    throw new InputError('Cannot run facteur dormant without a database: give --db FILE or "db" in the config');
  const loaded = file.dormant ?? DEFAULT_DORMANT_CONFIG;
  const config: DormantConfig =
    options.minDays === undefined
      ? loaded
      : { ...loaded, bounce: { ...loaded.bounce, minPeriodDays: options.minDays } };
  return { dbFile, lang: langOption(options.lang ?? file.lang), config };
}

/** Imports members from a Sympa file or database before judging, as asked; counts go to stderr. */
async function importMembers(db: Db, scope: DormantScope, options: DormantCommandOptions, now: number, lang: Lang) {
  if (options.members !== undefined && scope.kind === 'list') {
    const count = await importMembersFile(db, options.members, scope.list, now);
    process.stderr.write(`facteur: ${scope.list}: ${count} members imported from "${options.members}"\n`);
  }
  const database = sympaDatabaseOf(options, scope);
  if (database !== null) {
    const counts = await importSympaDatabase(db, database, scope.kind === 'list' ? scope.list : undefined, now);
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    process.stderr.write(
      render(TEXT.imported, lang, { lists: counts.size, members: total, source: describeSympaDatabase(database) }),
    );
  }
}

/** Runs `facteur dormant` and returns its exit code. */
async function runDormantCommand(options: DormantCommandOptions): Promise<ExitCode> {
  const format: Format = options.json ? 'json' : options.format;
  const scope = scopeOf(options);
  checkFormat(format, scope, options);
  const { dbFile, lang, config } = settingsOf(options);
  const now = Date.now();
  const db = openDatabase(dbFile);
  try {
    await importMembers(db, scope, options, now, lang);
    const summary = emptySummary();
    if (options.dns && format !== 'mailboxes') {
      const resolver = createDnsResolver(options.resolver ?? [], options.timeout, options.retries);
      try {
        const probe = await probeScopeDomains(db, scope, resolver, {
          now,
          concurrency: options.concurrency,
          ...(format === 'json' ? {} : { onProgress: progressReporter('dns') }),
        });
        summary.undecidedDomains = probe.unknown.length;
        if (probe.unknown.length > 0) {
          const names = probe.unknown.slice(0, 10).map((item) => `"${item.domain}" (${item.detail ?? ''})`);
          const more = probe.unknown.length > 10 ? ` +${probe.unknown.length - 10}` : '';
          process.stderr.write(render(TEXT.undecided, lang, { domains: names.join(', ') + more }));
        }
      } finally {
        await resolver.close();
      }
    }
    await emit(db, format, { scope, config, now, lang, summary, options });
    if (summary.entries > 0) return EXIT.findings;
    return summary.undecidedDomains > 0 ? EXIT.incomplete : EXIT.ok;
  } finally {
    db.close();
  }
}

async function emit(
  db: Db,
  format: Format,
  run: {
    scope: DormantScope;
    config: DormantConfig;
    now: number;
    lang: Lang;
    summary: DormantSummary;
    options: DormantCommandOptions;
  },
): Promise<void> {
  const { scope, config, now, lang, summary, options } = run;
  const hasLogins = options.lastLogins !== undefined || options.lastLoginsCsv !== undefined;
  const entries = dormantEntries(db, {
    scope,
    config,
    now,
    includeStore: format !== 'mailboxes',
    ...(hasLogins
      ? {
          mailboxes: readMailboxActivity(
            {
              ...(options.lastLogins === undefined ? {} : { doveadmDictIter: options.lastLogins }),
              ...(options.lastLoginsCsv === undefined ? {} : { csv: options.lastLoginsCsv }),
            },
            options.inboxSaved,
          ),
        }
      : {}),
  });
  const disable = new Set<string>();
  const reasons = new Map<string, DormantReason>();
  const included = new Map<string, string | null>();
  const keep = (entry: DormantEntry): void => {
    countEntry(summary, entry);
    if (entry.inclusion !== undefined) included.set(entry.address, entry.inclusion.dataSource);
    if (entry.reasons.includes('unused_mailbox')) disable.add(entry.address.toLowerCase());
    if (format === 'limesurvey' && !reasons.has(entry.address))
      reasons.set(entry.address, entry.reasons[0] ?? 'bouncing');
  };
  if (format === 'limesurvey') {
    for await (const entry of entries) keep(entry);
    const { csv, matched } = await renderLimeSurveyTokens(options.limesurvey ?? '', reasons);
    await write(csv);
    process.stderr.write(render(TEXT.limesurvey, lang, { matched }));
  } else if (format === 'sympa-mail') {
    const addresses: string[] = [];
    for await (const entry of entries) {
      keep(entry);
      addresses.push(entry.address);
    }
    await write(renderSympaMailCommands(scope.kind === 'list' ? scope.list : '', addresses));
    process.stderr.write(includedNote(included, lang));
  } else {
    const renderer = createDormantRenderer(format satisfies DormantFormat, {
      lang,
      header: {
        generatedAt: new Date(now).toISOString(),
        scope,
        config,
      },
    });
    const output = chunkedOutput();
    await output.add(renderer.start());
    for await (const entry of entries) {
      keep(entry);
      await output.add(renderer.entry(entry));
    }
    await output.add(renderer.end(summary));
    await output.flush();
    if (format === 'sympa') process.stderr.write(includedNote(included, lang));
  }
  if (options.passwdFile !== undefined && options.passwdOut !== undefined) {
    const { disabled } = await disablePasswdUsers(options.passwdFile, options.passwdOut, disable);
    process.stderr.write(render(TEXT.passwd, lang, { file: options.passwdOut, count: disabled.length }));
  }
}

/** Adds `facteur dormant forget ADDRESS`. */
function registerForget(dormant: Command): void {
  dormant
    .command('forget')
    .description("Clear an address's bounce history (as `sympa bouncers reset`); the forget itself is recorded")
    .argument('<address>', 'the address whose history to forget')
    .option('--note <text>', 'why, for the audit trail')
    .action((raw: string, _options: unknown, command: Command) => {
      // --db, --json and --lang are `facteur dormant`'s own options, which commander reads on either side.
      const options = command.optsWithGlobals<{
        config?: string;
        db?: string;
        note?: string;
        json: boolean;
        lang?: string;
      }>();
      const { dbFile, lang } = settingsOf(options);
      const address = normaliseEmail(raw);
      if (address === null) throw new InputError(`Cannot forget "${raw}": not an email address`);
      // Who asked: the person behind sudo when there is one, so the audit trail does not just say "root".
      const actor = process.env.SUDO_USER ?? userInfo().username;
      const db = openDatabase(dbFile);
      try {
        const record = forgetAddress(db, address.toLowerCase(), Date.now(), actor, options.note ?? null);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ schemaVersion: 1, ...record, forgottenAt: new Date(record.forgottenAt).toISOString() })}\n`
            : render(TEXT.forgot, lang, {
                address: record.address,
                count: record.eventsCleared,
                actor,
              }),
        );
      } finally {
        db.close();
      }
    });
}

/** Adds `facteur dormant apply --sympa list@domain [--yes]`. */
function registerApply(dormant: Command): void {
  dormant
    .command('apply')
    .description('Remove the listed members from a Sympa list with `sympa del --quiet`; a dry run unless --yes')
    .requiredOption('--sympa <list@domain>', 'the Sympa list to remove the members from')
    .option('--yes', 'really run sympa del (without it, print what would be removed)', false)
    .option('--sympa-command <argv>', 'how to run Sympa, split on spaces (e.g. "sudo -u sympa /usr/sbin/sympa")')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<
        DormantCommandOptions & { sympa: string; yes: boolean; sympaCommand?: string }
      >();
      const { dbFile, lang, config } = settingsOf(options);
      const list = options.sympa.toLowerCase();
      const db = openDatabase(dbFile);
      const addresses: string[] = [];
      const included = new Map<string, string | null>();
      try {
        await importMembers(db, { kind: 'list', list }, { ...options, list }, Date.now(), lang);
        // The verdicts of the stored observations: apply removes what the last listing showed, it asks DNS nothing.
        for await (const entry of dormantEntries(db, { scope: { kind: 'list', list }, config, now: Date.now() })) {
          addresses.push(entry.address);
          if (entry.inclusion !== undefined) included.set(entry.address, entry.inclusion.dataSource);
        }
      } finally {
        db.close();
      }
      const result = await runSympaDel(list, addresses, {
        dryRun: !options.yes,
        ...(options.sympaConf === undefined ? {} : { sympaConf: options.sympaConf }),
        ...(options.sympaCommand === undefined
          ? {}
          : { sympaCommand: options.sympaCommand.split(' ').filter(Boolean) }),
      });
      if (options.json) {
        // Each address says whether a data source holds it (null when none does): removing it only excludes it.
        const results = result.results.map((item) => ({
          ...item,
          inclusion: included.has(item.address) ? { dataSource: included.get(item.address) ?? null } : null,
        }));
        process.stdout.write(`${JSON.stringify({ schemaVersion: 1, ...result, results }, null, 2)}\n`);
      } else {
        process.stdout.write(
          render(result.isDryRun ? TEXT.dryRun : TEXT.ran, lang, { command: result.command.join(' ') }),
        );
        for (const item of result.results) {
          process.stdout.write(
            `  ${item.outcome.padEnd(8)} ${item.address}${item.message === null ? '' : `  ${item.message}`}\n`,
          );
          if (included.has(item.address))
            process.stdout.write(
              render(TEXT.includedItem, lang, { source: sourceName(included.get(item.address) ?? null, lang) }),
            );
        }
        if (result.isDryRun && result.results.length > 0) process.stdout.write(TEXT.confirm[lang]);
      }
      const failed = result.results.some((item) => item.outcome !== 'planned' && item.outcome !== 'removed');
      process.exitCode = failed ? EXIT.findings : EXIT.ok;
    });
}

/** Adds `facteur dormant` and its subcommands. */
export function registerDormant(program: Command): void {
  const dormant = program
    .command('dormant')
    .description(
      'List the addresses to disable or unsubscribe (bouncing, dead domain, complained, unused mailbox) with evidence',
    )
    .option('--db <file>', 'the facteur database (bounce events, send queue, imported members)')
    .option('--list <list@domain>', 'only the members of this list')
    .option('--campaign <name>', "only this campaign's recipients")
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--json', 'same as --format json', false)
    .option(
      '--min-days <n>',
      'days at least between first and last counted bounce (default from config: 7)',
      nonNegativeInt,
    )
    .option('--config <file>', 'JSON config whose "dormant" section sets the thresholds')
    .option('--no-dns', 'look up no domain this run (dead domains from earlier runs still count)')
    .option('--resolver <host[:port]>', 'DNS resolver to ask (repeatable; default: the system resolvers)', repeatable)
    .option('--timeout <ms>', 'time to wait for one DNS answer', positiveInt, 3000)
    .option('--retries <n>', 'retries of a DNS query that timed out', nonNegativeInt, 2)
    .option('--concurrency <n>', 'domains looked up at once', positiveInt, 32)
    .option('--members <file>', "import the --list's members first: Sympa's member.dump or a web export_member file")
    .option('--sympa-db <file>', "import members first from Sympa's SQLite database (every list, or --list)")
    .option(
      '--sympa-conf <file>',
      "import members first from the database Sympa's sympa.conf names: SQLite, MySQL/MariaDB or PostgreSQL " +
        '(password: its db_passwd, or FACTEUR_SYMPA_DB_PASSWORD)',
    )
    .option('--last-logins <file>', 'output of `doveadm -f tab dict iter -R <dict> shared/last-login/`')
    .option('--last-logins-csv <file>', 'CSV of last logins (columns user, last_login)')
    .option('--inbox-saved <file>', 'output of `doveadm -f tab fetch -A date.saved.unixtime mailbox INBOX all`')
    .option('--limesurvey <file>', 'LimeSurvey participants export, for --format limesurvey')
    .option('--passwd-file <file>', 'Dovecot passwd-file to copy with unused mailboxes set to nologin')
    .option('--passwd-out <file>', 'where to write that copy (a new file; the original is never edited)')
    .option('--lang <lang>', 'language of messages: en or fr (default: from LANG)')
    .action(async (options: DormantCommandOptions) => {
      process.exitCode = await runDormantCommand(options);
    });
  registerForget(dormant);
  registerApply(dormant);
}
