import type { Command } from 'commander';
import { loadCommandConfig } from '../config/load-config.js';
import type { Lang, Text } from '../i18n.js';
import { OPTION_HELP, langOption } from './options.js';

/** Where the history lives when neither --db nor the config says. */
export const DEFAULT_DB_PATH = 'facteur.sqlite';

/** The options every command reading the check history shares. */
export interface HistoryCommandOptions {
  config?: string;
  db?: string;
  lang?: string;
}

const HELP = {
  db: {
    en: `the history database (default: the config's "db", else ${DEFAULT_DB_PATH})`,
    fr: `la base de données de l’historique (par défaut : « db » de la configuration, sinon ${DEFAULT_DB_PATH})`,
  },
} satisfies Record<string, Text>;

/**
 * Adds --config, --db and --lang, whose defaults come from the config (see historySettings), their help in
 * `helpLang`.
 */
export function addHistoryOptions(command: Command, helpLang: Lang): Command {
  return command
    .option('--config <file>', OPTION_HELP.config[helpLang])
    .option('--db <file>', HELP.db[helpLang])
    .option('--lang <lang>', OPTION_HELP.configLang[helpLang]);
}

/** The database and language a history command runs with: the command line, else the config, else the defaults. */
export function historySettings(options: HistoryCommandOptions): { db: string; lang: Lang } {
  const config = loadCommandConfig(options.config);
  return {
    db: options.db ?? config.db ?? DEFAULT_DB_PATH,
    lang: options.lang === undefined ? (config.lang ?? langOption(undefined)) : langOption(options.lang),
  };
}
