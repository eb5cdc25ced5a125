import type { Command } from 'commander';
import { CONFIG_FILE_NAME } from '../../config/load-config.js';
import type { Lang, Text } from '../../i18n.js';
import { DEFAULT_DB_PATH } from '../history-options.js';
import { OPTION_HELP, langOption, repeatable } from '../options.js';
import type { BouncesFetchOptions } from './bounces-fetch.js';

// The options and help of `facteur bounces` and its subcommands; what they do is loaded from ./bounces-fetch.js or
// ./bounces-parse.js when one runs, so that `facteur --help` and every other command go without the IMAP client and
// the bounce parser.

const DESCRIPTION: Text = {
  en: 'Read, parse and classify bounce messages',
  fr: 'Lire, analyser et classer les messages de rebond',
};

/** Adds the `facteur bounces` command group, its help in `helpLang`. */
export function registerBounces(program: Command, helpLang: Lang): void {
  const bounces = program.command('bounces').description(DESCRIPTION[helpLang]);
  registerBouncesParse(bounces, helpLang);
  registerBouncesFetch(bounces, helpLang);
}

/** The help of `facteur bounces parse`. */
const PARSE_HELP = {
  description: {
    en: 'Parse bounce messages and classify each failed recipient (Sisimai reason names)',
    fr: 'Analyser des messages de rebond et classer chaque destinataire en échec (noms de raisons de Sisimai)',
  },
  files: { en: 'message files (.eml, one message each)', fr: 'fichiers de messages (.eml, un message chacun)' },
  jsonl: {
    en: 'one JSON line per file: {"file", "kind", "recipients"}',
    fr: 'une ligne JSON par fichier : {"file", "kind", "recipients"}',
  },
  db: {
    en: "decode facteur's VERP tokens with the campaign keys of this database (read-only)",
    fr: 'décoder les jetons VERP de facteur avec les clés des campagnes de cette base de données (en lecture seule)',
  },
} satisfies Record<string, Text>;

/** Adds `bounces parse <files...> [--jsonl] [--db FILE]` to the `bounces` command group, its help in `helpLang`. */
export function registerBouncesParse(bounces: Command, helpLang: Lang): void {
  bounces
    .command('parse')
    .description(PARSE_HELP.description[helpLang])
    .argument('<files...>', PARSE_HELP.files[helpLang])
    .option('--jsonl', PARSE_HELP.jsonl[helpLang])
    .option('--db <file>', PARSE_HELP.db[helpLang])
    .option('--lang <lang>', OPTION_HELP.lang[helpLang], langOption)
    .action(async (files: string[], options: { jsonl?: boolean; db?: string; lang?: Lang }) => {
      const { runBouncesParseCommand } = await import('./bounces-parse.js');
      await runBouncesParseCommand(files, options);
    });
}

/** The help of `facteur bounces fetch`. */
const FETCH_HELP = {
  description: {
    en: 'Fetch bounces from IMAP (config "bounces.imap"), Maildirs, mbox files or a Sympa bounce spool; record them, then put them away',
    fr: 'Relever les rebonds par IMAP (« bounces.imap » de la configuration), dans des Maildirs, des fichiers mbox ou le spool de rebonds de Sympa ; les enregistrer, puis les ranger',
  },
  config: {
    en: `config file, whose "bounces" section names the IMAP account (default: $FACTEUR_CONFIG, else ./${CONFIG_FILE_NAME} if present)`,
    fr: `fichier de configuration, dont la section « bounces » désigne le compte IMAP (par défaut : $FACTEUR_CONFIG, sinon ./${CONFIG_FILE_NAME} s’il existe)`,
  },
  maildir: {
    en: 'read a Maildir (repeatable); recorded files move to .facteur-done/.facteur-odd',
    fr: 'lire un Maildir (option répétable) ; les fichiers enregistrés sont déplacés dans .facteur-done/.facteur-odd',
  },
  mbox: {
    en: 'read an mbox file (repeatable); it is never modified',
    fr: 'lire un fichier mbox (option répétable) ; il n’est jamais modifié',
  },
  sympaDir: {
    en: "read Sympa's bounce spool directory (repeatable); it is never modified",
    fr: 'lire le dossier du spool de rebonds de Sympa (option répétable) ; il n’est jamais modifié',
  },
  db: {
    en: `the facteur database to record into (default: the config's "db", else ${DEFAULT_DB_PATH})`,
    fr: `la base de données de facteur où enregistrer (par défaut : « db » de la configuration, sinon ${DEFAULT_DB_PATH})`,
  },
  quiet: { en: 'no progress on stderr', fr: 'aucune progression sur stderr' },
  verbose: {
    en: 'log each IMAP command and response on stderr, credentials hidden, never a message',
    fr: 'écrire sur stderr chaque commande et réponse IMAP, identifiants masqués, jamais un message',
  },
} satisfies Record<string, Text>;

/** Adds `bounces fetch` to the `bounces` command group, its help in `helpLang`. */
export function registerBouncesFetch(bounces: Command, helpLang: Lang): void {
  bounces
    .command('fetch')
    .description(FETCH_HELP.description[helpLang])
    .option('--config <file>', FETCH_HELP.config[helpLang])
    .option('--maildir <dir>', FETCH_HELP.maildir[helpLang], repeatable)
    .option('--mbox <file>', FETCH_HELP.mbox[helpLang], repeatable)
    .option('--sympa-dir <dir>', FETCH_HELP.sympaDir[helpLang], repeatable)
    .option('--db <file>', FETCH_HELP.db[helpLang])
    .option('--json', OPTION_HELP.json[helpLang], false)
    .option('--quiet', FETCH_HELP.quiet[helpLang], false)
    .option('--verbose', FETCH_HELP.verbose[helpLang])
    .option('--lang <lang>', OPTION_HELP.lang[helpLang], langOption)
    .action(async (options: BouncesFetchOptions) => {
      const { runBouncesFetchCommand } = await import('./bounces-fetch.js');
      await runBouncesFetchCommand(options);
    });
}
