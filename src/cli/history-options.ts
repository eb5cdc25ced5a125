import type { Command } from 'commander';
import { CONFIG_FILE_NAME, loadCommandConfig } from '../config/load-config.js';
import type { Lang } from '../i18n.js';
import { langOption } from './options.js';

/** Where the history lives when neither --db nor the config says. */
export const DEFAULT_DB_PATH = 'facteur.sqlite';

/** The options every command reading the check history shares. */
export interface HistoryCommandOptions {
  config?: string;
  db?: string;
  lang?: string;
}

/** Adds --config, --db and --lang, whose defaults come from the config (see historySettings). */
export function addHistoryOptions(command: Command): Command {
  return command
    .option('--config <file>', `config file (default: $FACTEUR_CONFIG, else ./${CONFIG_FILE_NAME} if present)`)
    .option('--db <file>', `the history database (default: the config's "db", else ${DEFAULT_DB_PATH})`)
    .option('--lang <lang>', 'language of messages: en or fr (default: the config\'s "lang", else from LANG)');
}

/** The database and language a history command runs with: the command line, else the config, else the defaults. */
export function historySettings(options: HistoryCommandOptions): { db: string; lang: Lang } {
  const config = loadCommandConfig(options.config);
  return {
    db: options.db ?? config.db ?? DEFAULT_DB_PATH,
    lang: options.lang === undefined ? (config.lang ?? langOption(undefined)) : langOption(options.lang),
  };
}
