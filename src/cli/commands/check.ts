import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ALL_CHECKS, GATHERERS } from '../../checks/registry.js';
import type { Check, DomainOptions, Severity } from '../../checks/types.js';
import { startRunRecorder, type RunRecorder } from '../../commands/record-check-run.js';
import { runCheck, type CheckReport, type CheckTarget } from '../../commands/run-check.js';
import type { DnsResolver } from '../../dns/types.js';
import { InputError } from '../../errors.js';
import type { Lang } from '../../i18n.js';
import { normaliseDomain, parseMembersCsv } from '../../parse/parse-members-csv.js';
import { renderCheckText } from '../../report/render-check-text.js';
import { DEFAULT_DNSBL_ZONES, DEFAULT_RHSBL_ZONES } from '../../facts/blocklists.js';
import { createDnsResolver } from '../dns-options.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { commaList, langOption, positiveInt, nonNegativeInt, progressReporter, repeatable } from '../options.js';

/** The options of `facteur check`, as commander hands them over. */
interface CheckCommandOptions {
  members?: string;
  dkimSelectors: string[];
  sendingIps: string[];
  resolver?: string[];
  timeout: number;
  retries: number;
  concurrency: number;
  dnsbl: string[];
  rhsbl: string[];
  probes: boolean;
  json: boolean;
  lang?: string;
  failOn: Severity;
  db?: string;
}

/** Reads the targets from positional domains and the members file; bad rows become input errors, not a stop. */
export async function readTargets(
  domains: readonly string[],
  membersFile: string | undefined,
  defaults: DomainOptions,
): Promise<{ targets: CheckTarget[]; errors: InputError[] }> {
  const targets: CheckTarget[] = [];
  const errors: InputError[] = [];
  for (const raw of domains) {
    const domain = normaliseDomain(raw);
    if (domain === null) throw new InputError(`Cannot check "${raw}": not a domain name`);
    targets.push({ domain, member: null, options: defaults });
  }
  if (membersFile !== undefined) {
    let text: string;
    try {
      text = await readFile(membersFile, 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read members file "${membersFile}": ${(error as Error).message}`, {
        file: membersFile,
      });
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
    throw new InputError('Cannot check: give domains or --members FILE');
  }
  return { targets, errors };
}

/** Maps a check report to the exit code: input errors (2), findings at or above the threshold (1), undecided (3). */
export function checkExitCode(report: CheckReport, failOn: Severity): ExitCode {
  if (report.inputErrors.length > 0) return EXIT.usage;
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
  },
): Promise<ExitCode> {
  const recorder =
    output.db === undefined
      ? undefined
      : startRunRecorder(output.db, { domains: targets.length, lang: output.lang, failOn: output.failOn });
  try {
    const report = await runCheckWith(targets, errors, resolver, output, recorder);
    // A run with unchecked rows is incomplete: tonight's diff must not read their absence as fixed.
    recorder?.finish({ incomplete: report.inputErrors.length > 0 });
    process.stdout.write(output.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheckText(report, output.lang));
    return checkExitCode(report, output.failOn);
  } finally {
    recorder?.close();
  }
}

function runCheckWith(
  targets: CheckTarget[],
  errors: InputError[],
  resolver: DnsResolver,
  output: { json: boolean; lang: Lang; concurrency: number; checks?: readonly Check[] },
  recorder: RunRecorder | undefined,
): Promise<CheckReport> {
  return runCheck(
    {
      targets,
      checks: output.checks ?? ALL_CHECKS,
      gatherers: GATHERERS,
      resolver,
      render: { lang: output.lang, docs: (_id, check) => check.rfc },
      concurrency: output.concurrency,
      ...(output.json ? {} : { onDomainDone: progressReporter('check') }),
      ...(recorder === undefined
        ? {}
        : {
            onDomainResult: (result) => {
              recorder.add(result);
            },
          }),
    },
    errors,
  );
}

/** Adds `facteur check`. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Check SPF, DKIM, DMARC, MX, blocklists and mail TLS records of member domains')
    .argument('[domains...]', 'domains to check')
    .option('--members <file>', 'CSV of member domains (columns: domain, member, contact, dkim_selectors, sending_ips)')
    .option('--dkim-selectors <list>', 'DKIM selectors for domains without their own, comma-separated', commaList, [])
    .option('--sending-ips <list>', "the hoster's outbound relays, comma-separated", commaList, [])
    .option('--resolver <host[:port]>', 'DNS resolver to ask (repeatable; default: the system resolvers)', repeatable)
    .option('--timeout <ms>', 'time to wait for one DNS answer', positiveInt, 3000)
    .option('--retries <n>', 'retries of a DNS query that timed out', nonNegativeInt, 2)
    .option('--concurrency <n>', 'domains checked at once', positiveInt, 32)
    .option('--dnsbl <zones>', 'IP blocklist zones, comma-separated', commaList, [...DEFAULT_DNSBL_ZONES])
    .option('--rhsbl <zones>', 'domain blocklist zones, comma-separated', commaList, [...DEFAULT_RHSBL_ZONES])
    .option('--no-probes', 'open no connection other than DNS (no SMTP, no HTTPS)')
    .option('--json', 'print one JSON document on stdout', false)
    .option('--lang <lang>', 'language of messages: en or fr (default: from LANG)')
    .option('--db <file>', 'record the run and its findings in this SQLite file, for `facteur changes`')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 at this severity or above')
        .choices(['error', 'warning'])
        .default('error'),
    )
    .action(async (domains: string[], options: CheckCommandOptions) => {
      const defaults: DomainOptions = {
        dkimSelectors: options.dkimSelectors,
        sendingIps: options.sendingIps,
        dnsbl: options.dnsbl,
        rhsbl: options.rhsbl,
        probes: options.probes,
      };
      const { targets, errors } = await readTargets(domains, options.members, defaults);
      const resolver = createDnsResolver(options.resolver ?? [], options.timeout, options.retries);
      try {
        process.exitCode = await checkAndPrint(targets, errors, resolver, {
          json: options.json,
          lang: langOption(options.lang),
          concurrency: options.concurrency,
          failOn: options.failOn,
          ...(options.db === undefined ? {} : { db: options.db }),
        });
      } finally {
        await resolver.close();
      }
    });
}
