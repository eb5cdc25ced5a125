import { dirname, join, resolve } from 'node:path';
import { formatDecimal, render, type Lang, type Text } from '../../i18n.js';
import { readableTime } from '../../report/render-report-text.js';
import { campaignStatus, type CampaignStatus } from '../../send/campaign-status.js';
import { loadCampaignConfig, type CampaignConfig } from '../../send/campaign-config.js';
import {
  preflightCampaign,
  type PreflightFinding,
  type PreflightReport,
  type PreflightSeverity,
} from '../../send/preflight.js';
import {
  campaignNameOf,
  sendCampaign,
  type RetryWait,
  type SendProgress,
  type SendReport,
} from '../../send/send-campaign.js';
import { openDatabase } from '../../store/database.js';
import type { MessageState } from '../../store/send-queue.js';
import { createDnsResolver, type DnsOptions } from '../dns-options.js';
import { stderrTrace } from '../stderr-trace.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { langOption } from '../options.js';
import { withInterrupt } from '../interrupt.js';
import { plainText } from '../../plain-text.js';
import { noticePrefix } from '../notice-prefix.js';

/** Options every `send` subcommand takes. */
export interface CommonOptions {
  db?: string;
  json: boolean;
  lang?: string;
}

export interface RunOptions extends CommonOptions, DnsOptions {
  dryRun: boolean;
  limit?: number;
  testTo?: string;
  retryUncertain: boolean;
  force: boolean;
}

const TEXTS = {
  configWarning: { en: 'Warning: {text}', fr: 'Attention : {text}' },
  preflightHeader: { en: 'Preflight of campaign "{campaign}"', fr: 'Vérification de la campagne « {campaign} »' },
  preflightSummary: {
    en: '{checked|row|rows} rendered for {distinct|recipient|recipients}, {skipped|row|rows} skipped; {errors|error|errors}, {warnings|warning|warnings}, {unknown} unknown',
    fr: '{checked|ligne rendue|lignes rendues} pour {distinct|destinataire|destinataires}, {skipped|ligne ignorée|lignes ignorées} ; {errors|erreur|erreurs}, {warnings|avertissement|avertissements}, {unknown|inconnu|inconnus}',
  },
  refused: {
    en: 'Nothing sent: the preflight found errors (fix them, or use --force to send anyway)',
    fr: 'Rien n’a été envoyé : la vérification a trouvé des erreurs (corrigez-les, ou --force pour envoyer quand même)',
  },
  unknownGoOn: {
    en: 'Warning: some preflight checks could not be made (DNS did not answer); sending anyway',
    fr: 'Attention : certaines vérifications n’ont pu être faites (le DNS n’a pas répondu) ; envoi quand même',
  },
  runSummary: {
    en: 'Campaign "{campaign}": {sent} sent, {failed} failed, {deferred} deferred, {uncertain} uncertain this run ({elapsed} s)',
    fr: 'Campagne « {campaign} » : {sent|envoyé|envoyés}, {failed} en échec, {deferred|différé|différés}, {uncertain|incertain|incertains} lors de ce passage ({elapsed} s)',
  },
  expiredRun: {
    en: '{count|deferred message outlived|deferred messages outlived} the queue lifetime (maxQueueLifetime) and {count:was|were} failed, {count:its|their} last reply kept',
    fr: '{count|message différé a dépassé|messages différés ont dépassé} la durée de vie en file (maxQueueLifetime) et {count:est passé|sont passés} en échec, avec {count:sa|leur} dernière réponse',
  },
  dryRunSummary: {
    en: 'Dry run of "{campaign}": {rendered|message|messages} rendered, {errors} cannot be rendered; nothing sent',
    fr: 'Essai à blanc de « {campaign} » : {rendered|message rendu|messages rendus}, {errors|impossible|impossibles} à rendre ; rien n’a été envoyé',
  },
  testLine: {
    en: 'Test of line {line} ({email}) to {to}: {reply}',
    fr: 'Test de la ligne {line} ({email}) vers {to} : {reply}',
  },
  queue: {
    en: 'Queue: {pending} pending, {sent} sent, {deferred} deferred, {failed} failed, {uncertain} uncertain; {skipped|row|rows} skipped, {duplicates|duplicate|duplicates}',
    fr: 'File : {pending} en attente, {sent|envoyé|envoyés}, {deferred|différé|différés}, {failed} en échec, {uncertain|incertain|incertains} ; {skipped|ligne ignorée|lignes ignorées}, {duplicates|doublon|doublons}',
  },
  foundUncertain: {
    en: '{count|message was|messages were} in flight when the last run died: {count:it is uncertain and is|they are uncertain and are} sent again only with --retry-uncertain',
    fr: '{count|message était|messages étaient} en cours d’envoi quand le dernier passage s’est arrêté : {count:il est incertain et n’est renvoyé|ils sont incertains et ne sont renvoyés} qu’avec --retry-uncertain',
  },
  failure: { en: '  {state} line {line} {email}: {reply}', fr: '  {state} ligne {line} {email} : {reply}' },
  unreachable: {
    en: 'Stopped: cannot reach "{server}" ({reply}); the messages stay queued, run again once it answers',
    fr: 'Arrêt : impossible de joindre « {server} » ({reply}) ; les messages restent en file, relancez quand il répondra',
  },
  interrupted: {
    en: 'Interrupted: state saved, run again to resume',
    fr: 'Interrompu : état enregistré, relancez pour reprendre',
  },
  statusHeader: { en: 'Campaign "{campaign}"', fr: 'Campagne « {campaign} »' },
  noCampaign: {
    en: 'Campaign "{campaign}" has not been run yet',
    fr: 'La campagne « {campaign} » n’a pas encore été lancée',
  },
  rate: {
    en: 'Rate: {rate} messages/s; about {eta} left',
    fr: 'Débit : {rate} messages/s ; environ {eta} restantes',
  },
  lastRate: {
    en: 'Rate when last sending: {rate} messages/s (last acceptance {at})',
    fr: 'Débit lors du dernier envoi : {rate} messages/s (dernière acceptation {at})',
  },
  running: {
    en: 'Sending now: pid {pid} on "{host}", since {startedAt}; {inFlight} in flight, {left} left',
    fr: 'Envoi en cours : pid {pid} sur « {host} », depuis {startedAt} ; {inFlight} en cours d’envoi, {left|restant|restants}',
  },
  runningElsewhere: {
    en: 'Sending, as recorded: pid {pid} on "{host}", another machine, which cannot be asked from here whether it is alive; since {startedAt}; {inFlight} in flight, {left} left',
    fr: 'Envoi en cours d’après la base : pid {pid} sur « {host} », une autre machine, à qui l’on ne peut demander d’ici s’il est vivant ; depuis {startedAt} ; {inFlight} en cours d’envoi, {left|restant|restants}',
  },
  diedMidRun: {
    en: 'Interrupted: the run started {startedAt} (pid {pid} on "{host}") died before it ended; {left} left: run "{command}" to resume',
    fr: 'Interrompue : le passage commencé le {startedAt} (pid {pid} sur « {host} ») s’est arrêté avant sa fin ; {left|restant|restants} : lancez « {command} » pour reprendre',
  },
  diedUnrecorded: {
    en: 'Interrupted: a run died with messages in flight; {left} left: run "{command}" to resume',
    fr: 'Interrompue : un passage s’est arrêté avec des messages en cours d’envoi ; {left|restant|restants} : lancez « {command} » pour reprendre',
  },
  caughtInFlight: {
    en: '{count|message was|messages were} in flight when it died: the next run marks {count:it|them} uncertain, sent again only with --retry-uncertain',
    fr: '{count|message était|messages étaient} en cours d’envoi à l’arrêt : le prochain passage {count:le marque incertain, renvoyé|les marque incertains, renvoyés} seulement avec --retry-uncertain',
  },
  stopped: {
    en: 'Not sending: the last run went from {startedAt} to {finishedAt}; {left} left: run "{command}" to send {left:it|them}',
    fr: 'Pas d’envoi en cours : le dernier passage a duré du {startedAt} au {finishedAt} ; {left|restant|restants} : lancez « {command} » pour {left:l’envoyer|les envoyer}',
  },
  stoppedUnrecorded: {
    en: 'Not sending; {left} left: run "{command}" to send {left:it|them}',
    fr: 'Pas d’envoi en cours ; {left|restant|restants} : lancez « {command} » pour {left:l’envoyer|les envoyer}',
  },
  finished: {
    en: 'Finished: the last run went from {startedAt} to {finishedAt}',
    fr: 'Terminée : le dernier passage a duré du {startedAt} au {finishedAt}',
  },
  finishedUnrecorded: { en: 'Finished: nothing left to send', fr: 'Terminée : plus rien à envoyer' },
  notStarted: {
    en: 'Not sent yet: {left} queued; run "{command}" to send {left:it|them}',
    fr: 'Pas encore envoyée : {left} en file ; lancez « {command} » pour {left:l’envoyer|les envoyer}',
  },
  retryWaitReply: {
    en: '{messages|message waits|messages wait} for a retry within this run after the server answered "{reply}": next attempt at {at} (in {wait})',
    fr: '{messages|message attend|messages attendent} une nouvelle tentative dans ce passage après la réponse du serveur « {reply} » : prochain essai à {at} (dans {wait})',
  },
  retryWaitConnection: {
    en: '{messages|message waits|messages wait} for a retry within this run, the server could not be reached ({reply}): next attempt at {at} (in {wait})',
    fr: '{messages|message attend|messages attendent} une nouvelle tentative dans ce passage, le serveur était injoignable ({reply}) : prochain essai à {at} (dans {wait})',
  },
  progress: {
    en: '{bar} {percent}% {done}/{total}  {rate}/s  ETA {eta}  ({sent} sent, {failed} failed, {deferred} deferred, {uncertain} uncertain)',
    fr: '{bar} {percent} % {done}/{total}  {rate}/s  reste {eta}  ({sent|envoyé|envoyés}, {failed} en échec, {deferred|différé|différés}, {uncertain|incertain|incertains})',
  },
  expiredStatus: {
    en: '{count|of the failed messages was|of the failed messages were} still deferred when the queue lifetime ran out',
    fr: '{count|des messages en échec était encore différé|des messages en échec étaient encore différés} à la fin de {count:sa|leur} durée de vie en file',
  },
  expiredLine: {
    en: '  failed line {line} {email}: still deferred at the end of the queue lifetime; last reply: {reply}',
    fr: '  échec ligne {line} {email} : encore différé à la fin de la durée de vie en file ; dernière réponse : {reply}',
  },
  uncertainLine: {
    en: '  uncertain line {line} {email} (last try {at})',
    fr: '  incertain ligne {line} {email} (dernier essai {at})',
  },
} satisfies Record<string, Text>;

/** A message's state at the head of a line for people: a word of the reader's language, not the queue's id. */
const STATE_WORDS: Record<MessageState, Text> = {
  pending: { en: 'pending', fr: 'en attente' },
  sending: { en: 'sending', fr: 'en cours d’envoi' },
  sent: { en: 'sent', fr: 'envoyé' },
  deferred: { en: 'deferred', fr: 'différé' },
  failed: { en: 'failed', fr: 'échec' },
  uncertain: { en: 'uncertain', fr: 'incertain' },
};

/** The database a campaign uses unless --db says otherwise: beside its config, so any working directory finds it. */
export function defaultDbPath(configFile: string): string {
  return join(dirname(resolve(configFile)), 'facteur.sqlite');
}

function loadConfig(file: string, lang: Lang): CampaignConfig {
  const config = loadCampaignConfig(file);
  for (const warning of config.warnings)
    process.stderr.write(`${noticePrefix(lang)}${render(TEXTS.configWarning, lang, { text: warning[lang] })}\n`);
  return config;
}

async function runPreflight(config: CampaignConfig, options: DnsOptions, lang: Lang): Promise<PreflightReport> {
  const resolver = createDnsResolver(
    options.resolver ?? [],
    options.timeout,
    options.retries,
    stderrTrace(options.verbose, lang),
  );
  try {
    return await preflightCampaign(config, resolver, { campaign: campaignNameOf(config.file), lang });
  } finally {
    await resolver.close();
  }
}

const SEVERITY_LABELS: Record<PreflightSeverity, Text> = {
  error: { en: 'ERROR', fr: 'ERREUR' },
  warning: { en: 'WARNING', fr: 'AVERTISSEMENT' },
  unknown: { en: 'UNKNOWN', fr: 'INCONNU' },
};

/** One preflight finding for people: its severity, id and message. */
export function preflightFindingText(finding: PreflightFinding, lang: Lang): string {
  return `${SEVERITY_LABELS[finding.severity][lang]} ${finding.id}: ${finding.message}`;
}

/** Renders a preflight report for people. */
export function renderPreflightText(report: PreflightReport, lang: Lang): string {
  const lines = [render(TEXTS.preflightHeader, lang, { campaign: report.campaign })];
  for (const finding of report.findings) lines.push(`  ${preflightFindingText(finding, lang)}`);
  lines.push(render(TEXTS.preflightSummary, lang, { ...report.recipients, ...report.summary }));
  return plainText(`${lines.join('\n')}\n`);
}

/** Exit code of a preflight: errors 1, unknown 3. */
function preflightExit(report: PreflightReport): ExitCode {
  if (report.summary.errors > 0) return EXIT.findings;
  return report.summary.unknown > 0 ? EXIT.incomplete : EXIT.ok;
}

/** Renders a run report for people. */
export function renderRunText(report: SendReport, lang: Lang): string {
  const lines: string[] = [];
  if (report.foundUncertain > 0) lines.push(render(TEXTS.foundUncertain, lang, { count: report.foundUncertain }));
  if (report.mode === 'dry-run')
    lines.push(
      render(TEXTS.dryRunSummary, lang, {
        campaign: report.campaign,
        rendered: report.run.rendered,
        errors: report.run.renderErrors,
      }),
    );
  else if (report.mode === 'test')
    for (const test of report.tests)
      lines.push(
        render(TEXTS.testLine, lang, { line: test.recipientId, email: test.email, to: test.to, reply: test.reply }),
      );
  else
    lines.push(
      render(TEXTS.runSummary, lang, {
        campaign: report.campaign,
        ...report.run,
        elapsed: formatDecimal(report.elapsedMs / 1000, lang, 1, true),
      }),
    );
  if (report.expired > 0) lines.push(render(TEXTS.expiredRun, lang, { count: report.expired }));
  for (const failure of report.failures)
    lines.push(
      render(failure.expired ? TEXTS.expiredLine : TEXTS.failure, lang, {
        state: STATE_WORDS[failure.state][lang],
        line: failure.recipientId,
        email: failure.email,
        reply: failure.reply,
      }),
    );
  if (report.stopped !== null) lines.push(render(TEXTS.unreachable, lang, report.stopped));
  if (report.interrupted) lines.push(TEXTS.interrupted[lang]);
  lines.push(render(TEXTS.queue, lang, { ...report.counts, ...report.recipients }));
  return plainText(`${lines.join('\n')}\n`);
}

/** Exit code of a run (STYLE.md order 2, 1, 3, 0; 130 when interrupted). */
export function runExit(report: SendReport): ExitCode {
  if (report.interrupted) return EXIT.interrupted;
  const rejected =
    report.mode === 'dry-run'
      ? report.run.renderErrors > 0
      : report.mode === 'test'
        ? report.tests.some((test) => !test.accepted)
        : report.run.failed + report.expired > 0;
  if (rejected) return EXIT.findings;
  const isIncomplete =
    report.stopped !== null || (report.mode === 'send' && report.counts.deferred + report.counts.uncertain > 0);
  return isIncomplete ? EXIT.incomplete : EXIT.ok;
}

/** The lines that say whether a run is sending the campaign now, and what to run otherwise. */
function activityLines(status: CampaignStatus, lang: Lang): string[] {
  const { lastRun: run, left, inFlight } = status;
  const command = status.resumeCommand ?? '';
  const values = {
    left,
    inFlight,
    command,
    pid: run?.pid ?? '',
    host: run?.hostname ?? '',
    startedAt: run === null ? '' : readableTime(run.startedAt),
    finishedAt: run === null || run.finishedAt === null ? '' : readableTime(run.finishedAt),
  };
  switch (status.activity) {
    case 'running': {
      const lines = [render(run?.isAlive === null ? TEXTS.runningElsewhere : TEXTS.running, lang, values)];
      if (status.pace !== null)
        lines.push(
          render(TEXTS.rate, lang, {
            rate: formatDecimal(status.pace.ratePerSecond, lang),
            eta: status.pace.etaSeconds === null ? '?' : formatDuration(status.pace.etaSeconds),
          }),
        );
      return lines;
    }
    case 'interrupted': {
      const lines = [render(run === null ? TEXTS.diedUnrecorded : TEXTS.diedMidRun, lang, values)];
      if (status.counts.sending > 0) lines.push(render(TEXTS.caughtInFlight, lang, { count: status.counts.sending }));
      return lines;
    }
    case 'stopped':
      return [render(run === null ? TEXTS.stoppedUnrecorded : TEXTS.stopped, lang, values)];
    case 'finished':
      return [run === null ? TEXTS.finishedUnrecorded[lang] : render(TEXTS.finished, lang, values)];
    case 'not_started':
      return [render(TEXTS.notStarted, lang, values)];
  }
}

/** Renders a campaign's status for people. */
export function renderStatusText(status: CampaignStatus, lang: Lang): string {
  if (!status.exists) return `${render(TEXTS.noCampaign, lang, { campaign: status.campaign })}\n`;
  const lines = [
    render(TEXTS.statusHeader, lang, { campaign: status.campaign }),
    ...activityLines(status, lang),
    render(TEXTS.queue, lang, { ...status.counts, skipped: status.skipped, duplicates: status.duplicates }),
  ];
  // No run sends now: the time left at the last rate would promise what nobody is doing.
  if (status.activity !== 'running' && status.ratePerSecond !== null && status.lastSentAt !== null)
    lines.push(
      render(TEXTS.lastRate, lang, {
        rate: formatDecimal(status.ratePerSecond, lang),
        at: readableTime(status.lastSentAt),
      }),
    );
  if (status.expired > 0) lines.push(render(TEXTS.expiredStatus, lang, { count: status.expired }));
  for (const message of status.uncertain)
    lines.push(
      render(TEXTS.uncertainLine, lang, {
        line: message.recipientId,
        email: message.email,
        at: readableTime(new Date(message.updatedAt).toISOString()),
      }),
    );
  for (const message of status.failed)
    lines.push(
      render(message.expiredAt === null ? TEXTS.failure : TEXTS.expiredLine, lang, {
        state: STATE_WORDS[message.state][lang],
        line: message.recipientId,
        email: message.email,
        reply: message.reply ?? '',
      }),
    );
  return plainText(`${lines.join('\n')}\n`);
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** A duration for people: `45 s`, `12 min 05 s`, `2 h 10 min` (the same in French). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(min).padStart(2, '0')} min`;
  if (min > 0) return `${min} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** Width of the progress bar in characters: fits an 80-column terminal with the counters after it. */
const BAR_WIDTH = 24;

/** The progress line: a bar, the share done, counts, the rate of this run and the time left at that rate. */
export function renderProgress(progress: SendProgress, elapsedMs: number, lang: Lang): string {
  const share = progress.total === 0 ? 1 : progress.done / progress.total;
  const filled = Math.round(share * BAR_WIDTH);
  const rate = progress.done / Math.max(0.001, elapsedMs / 1000);
  return render(TEXTS.progress, lang, {
    ...progress,
    bar: `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`,
    percent: Math.floor(share * 100),
    rate: rate.toFixed(0),
    eta: rate > 0 ? formatDuration((progress.total - progress.done) / rate) : '?',
  });
}

/** A progress bar on stderr, only on a terminal (clig.dev: no animation when the stream is not a TTY). */
function progressLine(lang: Lang): ((progress: SendProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  let last = 0;
  return (progress) => {
    const now = Date.now();
    // A terminal redrawn thousands of times a second slows the run it reports on.
    if (now - last < 200 && progress.done < progress.total) return;
    last = now;
    // \x1b[K clears what a longer previous line left at the end.
    process.stderr.write(`\r${renderProgress(progress, now - started, lang)}\x1b[K`);
    if (progress.done === progress.total) process.stderr.write('\n');
  };
}

/** A server's reply quoted in a notice is cut here: RFC 5321 4.5.3.1.5 caps a reply line at 512 octets. */
const MAX_NOTICE_REPLY = 512;

/**
 * The notice on stderr each time a run idles until retries (how many messages wait, the server's answer, until when):
 * a warning, said on a terminal or off it. Without it a run whose messages were all deferred says nothing for the 7.5
 * minutes of its retries, and its progress bar stands still.
 */
export function retryWaitNotice(
  lang: Lang,
  options: { now?: () => number; write?: (text: string) => void } = {},
): (wait: RetryWait) => void {
  const now = options.now ?? Date.now;
  const write =
    options.write ??
    ((text: string) => {
      process.stderr.write(text);
    });
  return (wait) => {
    const reply = wait.reply.replace(/\s+/g, ' ').slice(0, MAX_NOTICE_REPLY);
    const text = render(wait.replyCode === null ? TEXTS.retryWaitConnection : TEXTS.retryWaitReply, lang, {
      messages: wait.messages,
      reply,
      at: `${new Date(wait.until).toISOString().slice(11, 19)} UTC`,
      wait: formatDuration((wait.until - now()) / 1000),
    });
    write(`${noticePrefix(lang)}${plainText(text)}\n`);
  };
}

/** `facteur send run`: the preflight, then the campaign sent (or its dry run); returns the exit code. */
export async function runSendCommand(file: string, options: RunOptions): Promise<ExitCode> {
  const lang = langOption(options.lang);
  const config = loadConfig(file, lang);
  const preflight = await runPreflight(config, options, lang);
  if (preflight.summary.errors > 0 && !options.force && !options.dryRun) {
    if (options.json) print(true, { ...preflight, refused: true }, () => '');
    else process.stdout.write(renderPreflightText(preflight, lang));
    process.stderr.write(`${noticePrefix(lang)}${TEXTS.refused[lang]}\n`);
    return EXIT.findings;
  }
  if (!options.json && preflight.findings.length > 0) process.stderr.write(renderPreflightText(preflight, lang));
  if (preflight.summary.unknown > 0 && !options.dryRun)
    process.stderr.write(`${noticePrefix(lang)}${TEXTS.unknownGoOn[lang]}\n`);
  const db = openDatabase(options.db ?? defaultDbPath(file));
  try {
    const onProgress = options.json ? undefined : progressLine(lang);
    // On a terminal a notice goes on a line of its own, above the bar it clears.
    const writeNotice = (text: string): void => {
      process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${text}` : text);
    };
    const onRetryWait = retryWaitNotice(lang, { write: writeNotice });
    const trace = stderrTrace(options.verbose, lang);
    const report = await withInterrupt((signal) =>
      sendCampaign({
        config,
        db,
        dryRun: options.dryRun,
        retryUncertain: options.retryUncertain,
        signal,
        ...(trace === undefined ? {} : { trace }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.testTo === undefined ? {} : { testTo: options.testTo }),
        ...(onProgress === undefined ? {} : { onProgress }),
        onRetryWait,
        onNotice: (text) => {
          writeNotice(`${noticePrefix(lang)}${plainText(text[lang])}\n`);
        },
      }),
    );
    print(options.json, { ...report, preflight }, () => renderRunText(report, lang));
    return runExit(report);
  } finally {
    db.close();
  }
}

/** `facteur send preflight`: checks the campaign and its sender's DNS, prints the findings. */
export async function runPreflightCommand(file: string, options: CommonOptions & DnsOptions): Promise<void> {
  const lang = langOption(options.lang);
  const report = await runPreflight(loadConfig(file, lang), options, lang);
  print(options.json, report, () => renderPreflightText(report, lang));
  process.exitCode = preflightExit(report);
}

/** `facteur send status`: where the campaign's queue stands. */
export function runStatusCommand(file: string, options: CommonOptions): void {
  const lang = langOption(options.lang);
  const path = options.db ?? defaultDbPath(file);
  const db = openDatabase(path, {
    readonly: true,
    whenMissing: {
      en: `the campaign has not been queued yet ("facteur send run ${file}", with --dry-run to send nothing)`,
      fr: `la campagne n’a pas encore été mise en file (« facteur send run ${file} », avec --dry-run pour ne rien envoyer)`,
    },
  });
  try {
    const runCommand = `facteur send run ${file}${options.db === undefined ? '' : ` --db ${options.db}`}`;
    const status = campaignStatus(db, campaignNameOf(file), Date.now(), { runCommand });
    print(options.json, status, () => renderStatusText(status, lang));
    process.exitCode = EXIT.ok;
  } finally {
    db.close();
  }
}
