import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { ALL_CHECKS, GATHERERS } from '../../checks/registry.js';
import type { Check, DocsLink, DomainOptions, HosterExpectations, Severity } from '../../checks/types.js';
import { startRunRecorder, type RunRecorder } from '../../commands/record-check-run.js';
import { INTERRUPT_GRACE_MS, runCheck, type CheckReport, type CheckTarget } from '../../commands/run-check.js';
import type { DnsResolver } from '../../dns/types.js';
import { docsLink } from '../../config/docs-link.js';
import { findingIdProblem } from '../../config/finding-id.js';
import { loadCommandConfig, type FacteurConfig } from '../../config/load-config.js';
import { InputError, inputErrorText } from '../../errors.js';
import { langFromEnv, render, type Lang, type Text } from '../../i18n.js';
import { isDkimSelector } from '../../parse/parse-dkim-key.js';
import { normaliseDomain, parseMembersCsv, whyNotDomain } from '../../parse/parse-members-csv.js';
import { decodeText, encodingNotice, type EncodingVerdict } from '../../parse/text-encoding.js';
import { checkReportJson } from '../../report/check-report-json.js';
import { renderCheckText } from '../../report/render-check-text.js';
import { DEFAULT_DNSBL_ZONES, DEFAULT_RHSBL_ZONES } from '../../facts/blocklists.js';
import { createDnsResolver } from '../dns-options.js';
import { stderrTrace } from '../stderr-trace.js';
import type { Trace } from '../../trace.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { withInterrupt, type InterruptSignal } from '../interrupt.js';
import {
  OPTION_HELP,
  commaList,
  langOption,
  positiveInt,
  nonNegativeInt,
  progressReporter,
  repeatable,
} from '../options.js';
import { unreadableFile } from '../../file-failure.js';

/** The options of `facteur check`, as commander hands them over: undefined where not given, so the config applies. */
export interface CheckCommandOptions {
  config?: string;
  members?: string;
  dkimSelectors?: string[];
  sendingIps?: string[];
  resolver?: string[];
  timeout?: number;
  retries?: number;
  concurrency?: number;
  dnsbl?: string[];
  rhsbl?: string[];
  probes?: boolean;
  json: boolean;
  quiet: boolean;
  verbose?: boolean;
  lang?: string;
  failOn?: Severity;
  ignore?: string[];
  /** A file given with --db, false for --no-db. */
  db?: string | false;
}

/** What applies when neither the command line nor the config says. */
export const CHECK_DEFAULTS = {
  timeout: 3000,
  retries: 2,
  concurrency: 32,
  dnsbl: DEFAULT_DNSBL_ZONES,
  rhsbl: DEFAULT_RHSBL_ZONES,
  probes: true,
  failOn: 'error',
} as const;

/** Everything `facteur check` runs with, once the command line, the config and the defaults are merged. */
export interface CheckSettings {
  /** The members file: --members, else the config's when no domain is given on the command line. */
  members: string | undefined;
  defaults: DomainOptions;
  resolvers: string[];
  timeout: number;
  retries: number;
  concurrency: number;
  lang: Lang;
  failOn: Severity;
  /** Where to record the run, if anywhere. */
  db: string | undefined;
  docs: DocsLink;
  expectations: HosterExpectations;
  /** Finding ids never reported nor recorded. */
  ignore: string[];
}

/**
 * Merges the command line over the config over the defaults. The config's members file and database go together: a
 * plain `facteur check` is the nightly run and is recorded, while a one-off check of named domains or another members
 * file is recorded only with --db, so that it never stands in for a night in `facteur changes`.
 */
export function checkSettings(
  domains: readonly string[],
  cli: CheckCommandOptions,
  config: FacteurConfig,
  env: NodeJS.ProcessEnv = process.env,
): CheckSettings {
  const section = config.check ?? {};
  const isNightly = domains.length === 0 && cli.members === undefined;
  const members = cli.members ?? (domains.length === 0 ? config.members : undefined);
  const db = cli.db === false ? undefined : (cli.db ?? (isNightly ? config.db : undefined));
  return {
    members,
    defaults: {
      dkimSelectors: cli.dkimSelectors?.map(dkimSelector) ?? section.dkimSelectors ?? [],
      sendingIps: cli.sendingIps?.map(sendingIp) ?? section.sendingIps ?? [],
      dnsbl: cli.dnsbl?.map((zone) => blocklistZone('--dnsbl', zone)) ?? section.dnsbl ?? [...CHECK_DEFAULTS.dnsbl],
      rhsbl: cli.rhsbl?.map((zone) => blocklistZone('--rhsbl', zone)) ?? section.rhsbl ?? [...CHECK_DEFAULTS.rhsbl],
      probes: cli.probes ?? section.probes ?? CHECK_DEFAULTS.probes,
    },
    resolvers: cli.resolver ?? config.dns?.resolvers ?? [],
    timeout: cli.timeout ?? config.dns?.timeout ?? CHECK_DEFAULTS.timeout,
    retries: cli.retries ?? config.dns?.retries ?? CHECK_DEFAULTS.retries,
    concurrency: cli.concurrency ?? section.concurrency ?? CHECK_DEFAULTS.concurrency,
    lang: cli.lang === undefined ? (config.lang ?? langFromEnv(env)) : langOption(cli.lang),
    failOn: cli.failOn ?? section.failOn ?? CHECK_DEFAULTS.failOn,
    db,
    docs: docsLink(config.docs),
    expectations: config.expectations ?? {},
    ignore: cli.ignore === undefined ? (section.ignore ?? []) : cli.ignore.map(ignoredId),
  };
}

/**
 * Values of --dkim-selectors, --sending-ips, --dnsbl and --rhsbl are refused (exit 2) when they cannot be what they
 * name, as the config's and the members file's are: a typo would otherwise be looked up, found nowhere, and read as a
 * member's problem or as a blocklist that lists nobody.
 */
function dkimSelector(selector: string): string {
  if (isDkimSelector(selector)) return selector.toLowerCase();
  throw new InputError({
    en: `Cannot use DKIM selector "${selector}" (--dkim-selectors): a selector is dot-separated DNS labels (RFC 6376 3.1)`,
    fr: `Impossible d’utiliser le sélecteur DKIM « ${selector} » (--dkim-selectors) : un sélecteur est fait d’étiquettes DNS séparées par des points (RFC 6376 3.1)`,
  });
}

function sendingIp(ip: string): string {
  if (isIP(ip) !== 0) return ip.toLowerCase();
  throw new InputError({
    en: `Cannot use sending IP "${ip}" (--sending-ips): it is not an IPv4 or IPv6 address`,
    fr: `Impossible d’utiliser l’adresse d’envoi « ${ip} » (--sending-ips) : ce n’est pas une adresse IPv4 ou IPv6`,
  });
}

function blocklistZone(option: '--dnsbl' | '--rhsbl', zone: string): string {
  const name = normaliseDomain(zone);
  if (name !== null) return name;
  throw new InputError({
    en: `Cannot use blocklist zone "${zone}" (${option}): it is not a domain name`,
    fr: `Impossible d’utiliser la zone de liste de blocage « ${zone} » (${option}) : ce n’est pas un nom de domaine`,
  });
}

/** A finding id given to --ignore, refused (exit 2) with the nearest known id when no check reports it. */
function ignoredId(id: string): string {
  const problem = findingIdProblem(id);
  if (problem === null) return id;
  throw new InputError({
    en: `Cannot ignore "${id}": it ${problem.en}`,
    fr: `Impossible d’ignorer « ${id} » : ce ${problem.fr}`,
  });
}

/** Reads the targets from positional domains and the members file; bad rows become input errors, not a stop. */
export async function readTargets(
  domains: readonly string[],
  membersFile: string | undefined,
  defaults: DomainOptions,
): Promise<{ targets: CheckTarget[]; errors: InputError[]; encoding?: EncodingVerdict }> {
  const targets: CheckTarget[] = [];
  const errors: InputError[] = [];
  for (const raw of domains) {
    const domain = normaliseDomain(raw);
    if (domain === null) {
      const why = whyNotDomain(raw);
      throw new InputError({ en: `Cannot check: ${why.en}`, fr: `Impossible de vérifier : ${why.fr}` });
    }
    targets.push({ domain, member: null, options: defaults });
  }
  let encoding: EncodingVerdict | undefined;
  if (membersFile !== undefined) {
    let text: string;
    try {
      ({ text, ...encoding } = decodeText(await readFile(membersFile)));
    } catch (error) {
      throw unreadableFile({ en: 'members file', fr: 'le fichier des adhérents' }, membersFile, error);
    }
    const parsed = parseMembersCsv(text, membersFile);
    errors.push(...parsed.errors);
    for (const row of parsed.rows) {
      targets.push({
        domain: row.domain,
        member: row.member,
        options: {
          ...defaults,
          dkimSelectors: row.dkimSelectors.length > 0 ? row.dkimSelectors : defaults.dkimSelectors,
          sendingIps: [...new Set([...defaults.sendingIps, ...row.sendingIps])],
        },
      });
    }
  }
  if (targets.length === 0 && errors.length === 0) {
    if (membersFile !== undefined)
      throw new InputError(
        {
          en: `Cannot check: members file "${membersFile}" lists no domain`,
          fr: `Impossible de vérifier : le fichier des adhérents « ${membersFile} » ne donne aucun domaine`,
        },
        { file: membersFile },
      );
    throw new InputError({
      en: 'Cannot check: give domains, --members FILE, or a config file with "members"',
      fr: 'Impossible de vérifier : donnez des domaines, --members FICHIER, ou un fichier de configuration avec « members »',
    });
  }
  return { targets, errors, ...(encoding === undefined ? {} : { encoding }) };
}

/**
 * Maps a check report to the exit code: input errors (2), a run stopped by Ctrl-C or SIGTERM (130, as every command
 * stopped so: it did not run fully, so its findings cannot make it 1), findings at or above the threshold (1),
 * undecided (3).
 */
export function checkExitCode(report: CheckReport, failOn: Severity): ExitCode {
  if (report.inputErrors.length > 0) return EXIT.usage;
  if (report.interrupted) return EXIT.interrupted;
  const { error, warning } = report.summary.findings;
  if (error > 0 || (failOn === 'warning' && warning > 0)) return EXIT.findings;
  return report.summary.unknownChecks > 0 ? EXIT.incomplete : EXIT.ok;
}

/** Runs the checks and prints the report; shared by `check` and `demo`. */
export async function checkAndPrint(
  targets: CheckTarget[],
  errors: InputError[],
  resolver: DnsResolver,
  output: {
    json: boolean;
    lang: Lang;
    concurrency: number;
    failOn: Severity;
    checks?: readonly Check[];
    db?: string;
    docs?: DocsLink;
    expectations?: HosterExpectations;
    ignore?: readonly string[];
    quiet?: boolean;
    trace?: Trace;
  },
): Promise<ExitCode> {
  const recorder =
    output.db === undefined
      ? undefined
      : startRunRecorder(output.db, {
          domains: targets.length,
          lang: output.lang,
          failOn: output.failOn,
          ignore: output.ignore ?? [],
        });
  try {
    const report = await runCheckWith(targets, errors, resolver, output, recorder);
    // A run with unchecked rows or domains is incomplete: tonight's diff must not read their absence as fixed. A row
    // repeating a domain leaves nothing unchecked (its first row is), and must not make every night incomplete until
    // it is mended.
    recorder?.finish({
      incomplete: report.interrupted || errors.some((error) => error.code !== 'EDUPLICATE'),
      uncheckedDomains: report.uncheckedDomains,
    });
    if (output.json) for (const text of checkReportJson(report)) process.stdout.write(text);
    else process.stdout.write(renderCheckText(report, output.lang));
    // On stderr, line by line: a nightly run's report goes to /dev/null, and the hoster must still hear of the file.
    for (const error of errors)
      process.stderr.write(render(ROW_ERROR, output.lang, { text: inputErrorText(error, output.lang) }));
    return checkExitCode(report, output.failOn);
  } finally {
    recorder?.close();
  }
}

/**
 * Said on stderr at the first Ctrl-C or SIGTERM: the run does not stop dead, and whoever pressed Ctrl-C or reads the
 * journal after `systemctl stop` learns where it is, how long the rest takes, and how to stop it at once.
 */
const STOPPING: Text = {
  en: 'facteur: {signal} received, stopping: {done} of {total|domain|domains} checked, {running} in progress (given {grace} s to finish), {waiting} not started; a second Ctrl-C or SIGTERM stops at once\n',
  fr: 'facteur : {signal} reçu, arrêt en cours : {done|domaine vérifié|domaines vérifiés} sur {total}, {running} en cours (délai de {grace} s pour finir), {waiting|non commencé|non commencés} ; un second Ctrl-C ou SIGTERM arrête tout de suite\n',
};

/** Where a run stands: domains started, of which done, out of the total. */
export interface RunProgress {
  started: number;
  done: number;
  total: number;
}

/** The STOPPING notice; below a progress line (on a terminal) it starts a line of its own, leaving that one whole. */
export function stoppingNotice(signal: InterruptSignal, at: RunProgress, lang: Lang, hasProgress: boolean): string {
  const notice = render(STOPPING, lang, {
    signal,
    done: at.done,
    total: at.total,
    running: at.started - at.done,
    waiting: at.total - at.started,
    grace: INTERRUPT_GRACE_MS / 1000,
  });
  return hasProgress ? `\n${notice}` : notice;
}

async function runCheckWith(
  targets: CheckTarget[],
  errors: InputError[],
  resolver: DnsResolver,
  output: {
    lang: Lang;
    concurrency: number;
    checks?: readonly Check[];
    docs?: DocsLink;
    expectations?: HosterExpectations;
    ignore?: readonly string[];
    quiet?: boolean;
    trace?: Trace;
  },
  recorder: RunRecorder | undefined,
): Promise<CheckReport> {
  // Progress goes to stderr, so it is drawn with --json too: stdout keeps the one JSON document.
  const progress = progressReporter('check', { quiet: output.quiet ?? false });
  const at: RunProgress = { started: 0, done: 0, total: targets.length };
  const report = await withInterrupt(
    (signal) =>
      runCheck(
        {
          targets,
          checks: output.checks ?? ALL_CHECKS,
          gatherers: GATHERERS,
          resolver,
          render: { lang: output.lang, docs: output.docs ?? docsLink(undefined) },
          concurrency: output.concurrency,
          signal,
          ...(output.expectations === undefined ? {} : { expectations: output.expectations }),
          ...(output.ignore === undefined ? {} : { ignore: output.ignore }),
          ...(output.trace === undefined ? {} : { trace: output.trace }),
          onDomainStart: (started) => {
            at.started = started;
          },
          onDomainDone: (count, total) => {
            at.done = count;
            progress?.(count, total);
          },
          ...(recorder === undefined
            ? {}
            : {
                onDomainResult: (result) => {
                  recorder.add(result);
                },
              }),
        },
        errors,
      ),
    (signal) => {
      process.stderr.write(stoppingNotice(signal, at, output.lang, progress !== undefined));
    },
  );
  // A stopped run's progress never reaches its end, which closes the line: close it here, before the report.
  if (report.interrupted && progress !== undefined) process.stderr.write('\n');
  return report;
}

/** The help of `facteur check`. */
const HELP = {
  description: {
    en: 'Check SPF, DKIM, DMARC, MX, blocklists and mail TLS records of member domains',
    fr: 'Vérifier SPF, DKIM, DMARC, MX, les listes de blocage et les enregistrements TLS du courrier des domaines des adhérents',
  },
  domains: {
    en: 'domains to check (default: the members file of the config)',
    fr: 'domaines à vérifier (par défaut : le fichier des adhérents de la configuration)',
  },
  members: {
    en: 'CSV of member domains (columns: domain, member, contact, dkim_selectors, sending_ips, or in French: domaine, membre, courriel, sélecteurs DKIM, IPs d’envoi)',
    fr: 'CSV des domaines des adhérents (colonnes : domaine, membre, courriel, sélecteurs DKIM, IPs d’envoi, ou en anglais : domain, member, contact, dkim_selectors, sending_ips)',
  },
  dkimSelectors: {
    en: 'DKIM selectors for domains without their own, comma-separated',
    fr: 'sélecteurs DKIM des domaines qui n’en donnent pas, séparés par des virgules',
  },
  sendingIps: {
    en: "the hoster's outbound relays, comma-separated",
    fr: 'les relais sortants de l’hébergeur, séparés par des virgules',
  },
  timeout: {
    en: `time to wait for one DNS answer (default: ${CHECK_DEFAULTS.timeout})`,
    fr: `délai d’attente d’une réponse DNS (par défaut : ${CHECK_DEFAULTS.timeout})`,
  },
  retries: {
    en: `retries of a DNS query that timed out (default: ${CHECK_DEFAULTS.retries})`,
    fr: `nouvelles tentatives d’une requête DNS expirée (par défaut : ${CHECK_DEFAULTS.retries})`,
  },
  concurrency: {
    en: `domains checked at once (default: ${CHECK_DEFAULTS.concurrency})`,
    fr: `domaines vérifiés en même temps (par défaut : ${CHECK_DEFAULTS.concurrency})`,
  },
  dnsbl: {
    en: 'IP blocklist zones, comma-separated (default: Spamhaus ZEN, SpamCop, PSBL)',
    fr: 'zones de listes de blocage d’adresses IP, séparées par des virgules (par défaut : Spamhaus ZEN, SpamCop, PSBL)',
  },
  rhsbl: {
    en: 'domain blocklist zones, comma-separated (default: Spamhaus DBL, URIBL)',
    fr: 'zones de listes de blocage de domaines, séparées par des virgules (par défaut : Spamhaus DBL, URIBL)',
  },
  probes: {
    en: 'connect to MX hosts (STARTTLS) and fetch MTA-STS policies (the default)',
    fr: 'se connecter aux serveurs MX (STARTTLS) et récupérer les politiques MTA-STS (par défaut)',
  },
  noProbes: {
    en: 'open no connection other than DNS (no SMTP, no HTTPS)',
    fr: 'n’ouvrir aucune connexion autre que DNS (ni SMTP, ni HTTPS)',
  },
  quiet: {
    en: 'draw no progress on stderr, even on a terminal',
    fr: 'n’afficher aucune progression sur stderr, même dans un terminal',
  },
  verbose: {
    en: 'log each DNS query, each command and reply of the SMTP probes and each HTTPS fetch, with their outcome, on stderr',
    fr: 'écrire sur stderr chaque requête DNS, chaque commande et réponse des sondes SMTP et chaque récupération HTTPS, avec leur résultat',
  },
  db: {
    en: 'record the run and its findings in this SQLite file, for `facteur changes`',
    fr: 'enregistrer le passage et ses constats dans ce fichier SQLite, pour « facteur changes »',
  },
  noDb: {
    en: "do not record the run, even in the config's database",
    fr: 'ne pas enregistrer le passage, même dans la base de données de la configuration',
  },
  ignore: {
    en: 'finding ids never to report, comma-separated (e.g. dnssec.unsigned)',
    fr: 'identifiants de constats à ne jamais signaler, séparés par des virgules (par ex. dnssec.unsigned)',
  },
  failOn: {
    en: 'exit 1 at this severity or above (default: error)',
    fr: 'sortir avec le code 1 à partir de cette gravité (par défaut : error)',
  },
} satisfies Record<string, Text>;

/** Adds `facteur check`, its help in `helpLang`. */
export function registerCheck(program: Command, helpLang: Lang): void {
  program
    .command('check')
    .description(HELP.description[helpLang])
    .argument('[domains...]', HELP.domains[helpLang])
    .option('--config <file>', OPTION_HELP.config[helpLang])
    .option('--members <file>', HELP.members[helpLang])
    .option('--dkim-selectors <list>', HELP.dkimSelectors[helpLang], commaList)
    .option('--sending-ips <list>', HELP.sendingIps[helpLang], commaList)
    .option('--resolver <host[:port]>', OPTION_HELP.resolver[helpLang], repeatable)
    .option('--timeout <ms>', HELP.timeout[helpLang], positiveInt)
    .option('--retries <n>', HELP.retries[helpLang], nonNegativeInt)
    .option('--concurrency <n>', HELP.concurrency[helpLang], positiveInt)
    .option('--dnsbl <zones>', HELP.dnsbl[helpLang], commaList)
    .option('--rhsbl <zones>', HELP.rhsbl[helpLang], commaList)
    .option('--probes', HELP.probes[helpLang])
    .option('--no-probes', HELP.noProbes[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .option('-q, --quiet', HELP.quiet[helpLang], false)
    .option('--verbose', HELP.verbose[helpLang])
    .option('--lang <lang>', OPTION_HELP.configLang[helpLang])
    .option('--db <file>', HELP.db[helpLang])
    .option('--no-db', HELP.noDb[helpLang])
    .option('--ignore <ids>', HELP.ignore[helpLang], commaList)
    .addOption(new Option('--fail-on <severity>', HELP.failOn[helpLang]).choices(['error', 'warning']))
    .action(async (domains: string[], options: CheckCommandOptions) => {
      const config = loadCommandConfig(options.config);
      const settings = checkSettings(domains, options, config);
      const { targets, errors, encoding } = await readTargets(domains, settings.members, settings.defaults);
      const notice =
        encoding === undefined ? undefined : encodingNotice(settings.members ?? '', encoding, settings.lang);
      if (notice !== undefined) process.stderr.write(notice);
      const trace = stderrTrace(options.verbose, settings.lang);
      const resolver = createDnsResolver(settings.resolvers, settings.timeout, settings.retries, trace);
      try {
        process.exitCode = await checkAndPrint(targets, errors, resolver, {
          json: options.json,
          quiet: options.quiet,
          lang: settings.lang,
          concurrency: settings.concurrency,
          failOn: settings.failOn,
          docs: settings.docs,
          expectations: settings.expectations,
          ignore: settings.ignore,
          ...(settings.db === undefined ? {} : { db: settings.db }),
          ...(trace === undefined ? {} : { trace }),
        });
        const wire = resolver.networkStats();
        if (wire.queries > 0 && wire.answered === 0)
          process.stderr.write(`${render(NO_DNS_ANSWER, settings.lang, { count: wire.queries })}\n`);
      } finally {
        await resolver.close();
      }
    });
}

/**
 * Said when no question of the run got an answer: every check is undecided, and the cause is on the hoster's side
 * (a resolver stopped, a wrong address, a firewall), not the members'.
 */
const NO_DNS_ANSWER: Text = {
  en: 'facteur: no DNS answer during the whole run ({count|question|questions} asked): check that the resolver is running and reachable (--resolver, "dns.resolvers" in the config, else /etc/resolv.conf)',
  fr: 'facteur : aucune réponse DNS de tout le passage ({count|question posée|questions posées}) : vérifiez que le résolveur fonctionne et qu’il est joignable (--resolver, « dns.resolvers » dans la configuration, sinon /etc/resolv.conf)',
};

/** A members row that could not be used, on stderr. */
const ROW_ERROR: Text = {
  en: 'facteur: {text}\n',
  fr: 'facteur : {text}\n',
};
