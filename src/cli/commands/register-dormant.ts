import { Command, Option } from 'commander';
import type { Lang, Text } from '../../i18n.js';
import { addDnsOptions } from '../dns-options.js';
import { OPTION_HELP, nonNegativeInt, positiveInt } from '../options.js';
import type { ApplyOptions, DormantCommandOptions } from './dormant.js';

// The options and help of `facteur dormant` and its subcommands; what they do is loaded from ./dormant.js when one
// runs, so that `facteur --help` and every other command go without the mail, Sympa and mailbox code.

/** Every `--format` of `facteur dormant`. */
export const FORMATS = ['text', 'csv', 'json', 'sympa', 'sympa-mail', 'limesurvey', 'mailboxes'] as const;
export type Format = (typeof FORMATS)[number];

/** The help of `facteur dormant forget`. */
const FORGET_HELP = {
  description: {
    en: "Clear an address's bounce history (as `sympa bouncers reset`); the forget itself is recorded",
    fr: 'Effacer l’historique de rebonds d’une adresse (comme « sympa bouncers reset ») ; l’oubli lui-même est enregistré',
  },
  address: { en: 'the address whose history to forget', fr: 'l’adresse dont oublier l’historique' },
  note: { en: 'why, for the audit trail', fr: 'pourquoi, pour le journal d’audit' },
} satisfies Record<string, Text>;

/** Adds `facteur dormant forget ADDRESS`, its help in `helpLang`. */
function registerForget(dormant: Command, helpLang: Lang): void {
  dormant
    .command('forget')
    .description(FORGET_HELP.description[helpLang])
    .argument('<address>', FORGET_HELP.address[helpLang])
    .option('--note <text>', FORGET_HELP.note[helpLang])
    .action(async (raw: string, _options: unknown, command: Command) => {
      // --db, --json and --lang are `facteur dormant`'s own options, which commander reads on either side.
      const options = command.optsWithGlobals<{
        config?: string;
        db?: string;
        note?: string;
        json: boolean;
        lang?: string;
      }>();
      const { runForgetCommand } = await import('./dormant.js');
      runForgetCommand(raw, options);
    });
}

/** The help of `facteur dormant apply`. */
const APPLY_HELP = {
  description: {
    en:
      'Remove the listed members from a Sympa list: `sympa del --quiet` on this machine (--sympa), or QUIET DEL ' +
      "commands mailed to Sympa's robot from the owner's address (--sympa-mail); a dry run unless --yes",
    fr:
      'Retirer les abonnés listés d’une liste Sympa : « sympa del --quiet » sur cette machine (--sympa), ou commandes ' +
      'QUIET DEL envoyées par courriel au robot de Sympa depuis l’adresse du propriétaire (--sympa-mail) ; simple essai ' +
      'sans --yes',
  },
  sympa: {
    en: 'the Sympa list to remove the members from with sympa del, on this machine',
    fr: 'la liste Sympa dont retirer les abonnés avec sympa del, sur cette machine',
  },
  sympaMail: {
    en: "the Sympa list to remove the members from by mail to Sympa's robot",
    fr: 'la liste Sympa dont retirer les abonnés par courriel au robot de Sympa',
  },
  sendConfig: {
    en: 'with --sympa-mail: JSON config whose smtp, from (the owner) and dkim send the mail',
    fr: 'avec --sympa-mail : configuration JSON dont les réglages smtp, from (le propriétaire) et dkim servent à envoyer le courriel',
  },
  robot: {
    en: "with --sympa-mail: Sympa's robot address (default: sympa@ the list's domain)",
    fr: 'avec --sympa-mail : adresse du robot de Sympa (par défaut : sympa@ suivi du domaine de la liste)',
  },
  force: {
    en: 'with --sympa-mail: mail again the commands already mailed',
    fr: 'avec --sympa-mail : envoyer de nouveau les commandes déjà envoyées',
  },
  skipPreflight: {
    en: 'with --sympa-mail: mail even when the DNS preflight finds errors',
    fr: 'avec --sympa-mail : envoyer même quand la vérification DNS trouve des erreurs',
  },
  yes: {
    en: 'really remove (without it, print what would be done)',
    fr: 'retirer pour de bon (sans cette option, afficher ce qui serait fait)',
  },
  sympaCommand: {
    en: 'how to run Sympa, split on spaces (e.g. "sudo -u sympa /usr/sbin/sympa")',
    fr: 'comment lancer Sympa, découpé aux espaces (par ex. « sudo -u sympa /usr/sbin/sympa »)',
  },
} satisfies Record<string, Text>;

/**
 * Adds `facteur dormant apply --sympa list@domain | --sympa-mail list@domain --send-config FILE [--yes]`, its help in
 * `helpLang`.
 */
function registerApply(dormant: Command, helpLang: Lang): void {
  dormant
    .command('apply')
    .description(APPLY_HELP.description[helpLang])
    .option('--sympa <list@domain>', APPLY_HELP.sympa[helpLang])
    .option('--sympa-mail <list@domain>', APPLY_HELP.sympaMail[helpLang])
    .option('--send-config <file>', APPLY_HELP.sendConfig[helpLang])
    .option('--robot <address>', APPLY_HELP.robot[helpLang])
    .option('--force', APPLY_HELP.force[helpLang], false)
    .option('--skip-preflight', APPLY_HELP.skipPreflight[helpLang], false)
    .option('--yes', APPLY_HELP.yes[helpLang], false)
    .option('--sympa-command <argv>', APPLY_HELP.sympaCommand[helpLang])
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ApplyOptions>();
      const { runApplyCommand } = await import('./dormant.js');
      await runApplyCommand(options);
    });
}

/** The help of `facteur dormant`. */
const HELP = {
  description: {
    en: 'List the addresses to disable or unsubscribe (bouncing, dead domain, complained, unused mailbox) with evidence',
    fr: 'Lister les adresses à désactiver ou à désabonner (rebonds, domaine mort, plainte, boîte inutilisée), preuves à l’appui',
  },
  db: {
    en: 'the facteur database (bounce events, send queue, imported members)',
    fr: 'la base de données de facteur (événements de rebond, file d’envoi, abonnés importés)',
  },
  list: { en: 'only the members of this list', fr: 'seulement les abonnés de cette liste' },
  campaign: { en: "only this campaign's recipients", fr: 'seulement les destinataires de cette campagne' },
  format: { en: 'output format', fr: 'format de sortie' },
  json: { en: 'same as --format json', fr: 'comme --format json' },
  minDays: {
    en: 'days at least between first and last counted bounce (default from config: 7)',
    fr: 'jours au moins entre le premier et le dernier rebond comptés (par défaut, d’après la configuration : 7)',
  },
  config: {
    en: 'JSON config whose "dormant" section sets the thresholds',
    fr: 'configuration JSON dont la section « dormant » fixe les seuils',
  },
  noDns: {
    en: 'look up no domain this run (dead domains from earlier runs still count)',
    fr: 'ne chercher aucun domaine dans le DNS lors de ce passage (les domaines morts des passages précédents comptent toujours)',
  },
  concurrency: { en: 'domains looked up at once', fr: 'domaines cherchés en même temps' },
  members: {
    en: "import the --list's members first: Sympa's member.dump or a web export_member file",
    fr: 'importer d’abord les abonnés de la liste --list : member.dump de Sympa ou fichier export_member de son interface web',
  },
  sympaDb: {
    en: "import members first from Sympa's SQLite database (every list, or --list)",
    fr: 'importer d’abord les abonnés depuis la base SQLite de Sympa (toutes les listes, ou --list)',
  },
  sympaConf: {
    en:
      "import members first from the database Sympa's sympa.conf names: SQLite, MySQL/MariaDB or PostgreSQL " +
      '(password: its db_passwd, or FACTEUR_SYMPA_DB_PASSWORD)',
    fr:
      'importer d’abord les abonnés depuis la base de données que désigne le sympa.conf de Sympa : SQLite, ' +
      'MySQL/MariaDB ou PostgreSQL (mot de passe : son db_passwd, ou FACTEUR_SYMPA_DB_PASSWORD)',
  },
  lastLogins: {
    en: 'output of `doveadm -f tab dict iter -R <dict> shared/last-login/`',
    fr: 'sortie de « doveadm -f tab dict iter -R <dict> shared/last-login/ »',
  },
  lastLoginsCsv: {
    en: 'CSV of last logins (columns user, last_login, or in French: utilisateur, dernière connexion)',
    fr: 'CSV des dernières connexions (colonnes utilisateur, dernière connexion, ou en anglais : user, last_login)',
  },
  inboxSaved: {
    en: 'output of `doveadm -f tab fetch -A date.saved.unixtime mailbox INBOX all`',
    fr: 'sortie de « doveadm -f tab fetch -A date.saved.unixtime mailbox INBOX all »',
  },
  limesurvey: {
    en: 'LimeSurvey participants export, for --format limesurvey',
    fr: 'export des participants LimeSurvey, pour --format limesurvey',
  },
  passwdFile: {
    en: 'Dovecot passwd-file to copy with unused mailboxes set to nologin',
    fr: 'passwd-file de Dovecot à copier en passant les boîtes inutilisées en nologin',
  },
  passwdOut: {
    en: 'where to write that copy (a new file; the original is never edited)',
    fr: 'où écrire cette copie (un nouveau fichier ; l’original n’est jamais modifié)',
  },
} satisfies Record<string, Text>;

/** Adds `facteur dormant` and its subcommands, their help in `helpLang`. */
export function registerDormant(program: Command, helpLang: Lang): void {
  const dormant = addDnsOptions(
    program
      .command('dormant')
      .description(HELP.description[helpLang])
      .option('--db <file>', HELP.db[helpLang])
      .option('--list <list@domain>', HELP.list[helpLang])
      .option('--campaign <name>', HELP.campaign[helpLang])
      .addOption(new Option('--format <format>', HELP.format[helpLang]).choices(FORMATS).default('text'))
      .option('--json', HELP.json[helpLang], false)
      .option('--min-days <n>', HELP.minDays[helpLang], nonNegativeInt)
      .option('--config <file>', HELP.config[helpLang])
      .option('--no-dns', HELP.noDns[helpLang]),
    helpLang,
  )
    .option('--concurrency <n>', HELP.concurrency[helpLang], positiveInt, 32)
    .option('--members <file>', HELP.members[helpLang])
    .option('--sympa-db <file>', HELP.sympaDb[helpLang])
    .option('--sympa-conf <file>', HELP.sympaConf[helpLang])
    .option('--last-logins <file>', HELP.lastLogins[helpLang])
    .option('--last-logins-csv <file>', HELP.lastLoginsCsv[helpLang])
    .option('--inbox-saved <file>', HELP.inboxSaved[helpLang])
    .option('--limesurvey <file>', HELP.limesurvey[helpLang])
    .option('--passwd-file <file>', HELP.passwdFile[helpLang])
    .option('--passwd-out <file>', HELP.passwdOut[helpLang])
    .option('--lang <lang>', OPTION_HELP.configLang[helpLang])
    .action(async (options: DormantCommandOptions) => {
      const { runDormantCommand } = await import('./dormant.js');
      process.exitCode = await runDormantCommand(options);
    });
  registerForget(dormant, helpLang);
  registerApply(dormant, helpLang);
}
