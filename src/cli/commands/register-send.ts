import type { Command } from 'commander';
import type { Lang, Text } from '../../i18n.js';
import { normaliseEmail } from '../../send/read-recipients.js';
import { addDnsOptions, type DnsOptions } from '../dns-options.js';
import { OPTION_HELP, positiveInt } from '../options.js';
import { invalidValue } from '../usage-error.js';
import type { CommonOptions, RunOptions } from './send.js';

// The options and help of `facteur send` and its subcommands; what they do is loaded from ./send.js when one runs,
// so that `facteur --help` and every other command go without the mail builder, DKIM signing and SMTP client.

function parseTestTo(value: string): string {
  const email = normaliseEmail(value);
  if (email === null) throw invalidValue('email', value);
  return email;
}

/** The help of `facteur send` and its subcommands. */
const HELP = {
  description: {
    en: 'Send a campaign from your own mail server (VERP, DKIM, no tracking)',
    fr: 'Envoyer une campagne depuis votre propre serveur de courrier (VERP, DKIM, sans pistage)',
  },
  preflight: {
    en: 'Check DNS (SPF, DKIM key, DMARC alignment, bounce MX) and render every recipient; sends nothing',
    fr: 'Vérifier le DNS (SPF, clé DKIM, alignement DMARC, MX des rebonds) et rendre le message de chaque destinataire ; n’envoie rien',
  },
  run: {
    en: 'Send the campaign: resumable, each message once; refuses when the preflight finds errors',
    fr: 'Envoyer la campagne : reprise possible, chaque message une seule fois ; refuse quand la vérification trouve des erreurs',
  },
  status: {
    en: 'Whether a run is sending a campaign now (or died mid-run), counts by state, pace, ETA, uncertain and failed messages',
    fr: 'Si un passage envoie la campagne en ce moment (ou s’est arrêté en route), nombre de messages par état, débit, temps restant, messages incertains et en échec',
  },
  campaign: { en: 'the campaign config file (JSON)', fr: 'le fichier de configuration de la campagne (JSON)' },
  dryRun: {
    en: 'render every message and report; send nothing',
    fr: 'rendre chaque message et faire le bilan ; ne rien envoyer',
  },
  limit: {
    en: 'send at most this many messages in this run',
    fr: 'envoyer au plus ce nombre de messages lors de ce passage',
  },
  testTo: {
    en: 'send the next message (or --limit messages) to this address only',
    fr: 'envoyer le prochain message (ou --limit messages) à cette seule adresse',
  },
  retryUncertain: {
    en: 'send again the messages a killed run left uncertain',
    fr: 'renvoyer les messages qu’un passage interrompu brutalement a laissés incertains',
  },
  force: {
    en: 'send even when the preflight finds errors',
    fr: 'envoyer même quand la vérification trouve des erreurs',
  },
  db: {
    en: 'the campaign database (default: facteur.sqlite beside the campaign config)',
    fr: 'la base de données de la campagne (par défaut : facteur.sqlite à côté de la configuration de la campagne)',
  },
} satisfies Record<string, Text>;

function addCommonOptions(command: Command, helpLang: Lang): Command {
  return command
    .option('--db <file>', HELP.db[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .option('--lang <lang>', OPTION_HELP.lang[helpLang]);
}

/** Adds `facteur send preflight|run|status`, their help in `helpLang`. */
export function registerSend(program: Command, helpLang: Lang): void {
  const send = program.command('send').description(HELP.description[helpLang]);
  addCommonOptions(
    addDnsOptions(
      send.command('preflight').description(HELP.preflight[helpLang]).argument('<campaign>', HELP.campaign[helpLang]),
      helpLang,
    ),
    helpLang,
  ).action(async (file: string, options: CommonOptions & DnsOptions) => {
    const { runPreflightCommand } = await import('./send.js');
    await runPreflightCommand(file, options);
  });
  addCommonOptions(
    addDnsOptions(
      send
        .command('run')
        .description(HELP.run[helpLang])
        .argument('<campaign>', HELP.campaign[helpLang])
        .option('--dry-run', HELP.dryRun[helpLang], false)
        .option('--limit <n>', HELP.limit[helpLang], positiveInt)
        .option('--test-to <address>', HELP.testTo[helpLang], parseTestTo)
        .option('--retry-uncertain', HELP.retryUncertain[helpLang], false)
        .option('--force', HELP.force[helpLang], false),
      helpLang,
    ),
    helpLang,
  ).action(async (file: string, options: RunOptions) => {
    const { runSendCommand } = await import('./send.js');
    process.exitCode = await runSendCommand(file, options);
  });
  addCommonOptions(
    send.command('status').description(HELP.status[helpLang]).argument('<campaign>', HELP.campaign[helpLang]),
    helpLang,
  ).action(async (file: string, options: CommonOptions) => {
    const { runStatusCommand } = await import('./send.js');
    runStatusCommand(file, options);
  });
}
