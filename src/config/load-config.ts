import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { LANGS } from '../i18n.js';
import { closestMatch } from './closest-match.js';
import { readJsonFile } from './read-json-file.js';
import { ConfigProblems, nearestHint, type SectionContext, type SectionParser } from './config-problems.js';
import { parseBouncesSection } from '../bounces/fetch-config.js';
import { parseDormantConfigSection } from '../dormant/dormant-config.js';
import { parseCheckSection } from './parse-check-section.js';
import { parseDnsSection } from './parse-dns-section.js';
import { parseDocsSection } from './parse-docs-section.js';
import { parseExpectationsSection } from './parse-expectations-section.js';

/** The name looked for in the current directory when neither `--config` nor FACTEUR_CONFIG names a file. */
export const CONFIG_FILE_NAME = 'facteur.config.json';

const parseFilePath: SectionParser<string> = (value, path, { problems, baseDir }) =>
  problems.filePath(value, path, baseDir);

/**
 * Every top-level section of `facteur.config.json` and its parser, as imapflow keeps one table of fields and their
 * strict parsers: a new section (a command's own settings) is one line here, and its type follows.
 */
export const CONFIG_SECTIONS = {
  members: parseFilePath,
  db: parseFilePath,
  lang: (value, path, { problems }) => problems.oneOf(value, path, LANGS),
  dns: parseDnsSection,
  check: parseCheckSection,
  docs: parseDocsSection,
  expectations: parseExpectationsSection,
  dormant: parseDormantConfigSection,
  bounces: parseBouncesSection,
} satisfies Record<string, SectionParser<unknown>>;

type Sections = typeof CONFIG_SECTIONS;

/** A validated config: each section present is parsed, paths are absolute. `file` is null when there is none. */
export type FacteurConfig = { file: string | null } & {
  [K in keyof Sections]?: NonNullable<ReturnType<Sections[K]>>;
};

/** Validates a parsed config against CONFIG_SECTIONS; every problem is reported at once, each with its JSON path. */
export function parseConfig(value: unknown, file: string): FacteurConfig {
  const problems = new ConfigProblems();
  const context: SectionContext = { baseDir: dirname(resolve(file)), problems };
  const names = Object.keys(CONFIG_SECTIONS) as (keyof Sections)[];
  const raw = problems.map(value, '$');
  const config: Record<string, unknown> = { file };
  if (raw !== undefined) {
    for (const [name, sectionValue] of Object.entries(raw)) {
      if (!(names as string[]).includes(name)) {
        const hint = nearestHint(closestMatch(name, names), names, { en: 'known', fr: 'sections connues' });
        problems.add(name, {
          en: `is not a known section (${hint.en})`,
          fr: `n’est pas une section connue (${hint.fr})`,
        });
        continue;
      }
      const parser = CONFIG_SECTIONS[name as keyof Sections] as SectionParser<unknown>;
      const parsed = parser(sectionValue, name, context);
      if (parsed !== undefined) config[name] = parsed;
    }
  }
  if (problems.found.length > 0) {
    const found = problems.joined();
    throw new InputError(
      {
        en: `Cannot use config "${file}": ${found.en}`,
        fr: `Impossible d’utiliser le fichier de configuration « ${file} » : ${found.fr}`,
      },
      { file },
      'ECONFIG',
    );
  }
  return config as FacteurConfig;
}

/** Reads and validates a config file. */
export function loadConfig(file: string): FacteurConfig {
  return parseConfig(readJsonFile(file, { en: 'config', fr: 'le fichier de configuration' }), file);
}

/**
 * Finds the config file: `--config`, else FACTEUR_CONFIG, else ./facteur.config.json when it exists; null when none.
 * A file named by the option or the variable must exist: a typo there must not silently run without the config.
 */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const named = explicit ?? (env.FACTEUR_CONFIG === '' ? undefined : env.FACTEUR_CONFIG);
  if (named !== undefined) {
    if (!existsSync(named)) {
      const from = explicit === undefined ? 'FACTEUR_CONFIG' : '--config';
      throw new InputError(
        {
          en: `Cannot read config "${named}" (from ${from}): no such file`,
          fr: `Impossible de lire le fichier de configuration « ${named} » (indiqué par ${from}) : ce fichier n’existe pas`,
        },
        { file: named },
        'ECONFIG',
      );
    }
    return named;
  }
  const local = join(cwd, CONFIG_FILE_NAME);
  return existsSync(local) ? local : null;
}

/** The config a command runs with: the file found by findConfigFile, validated, or an empty config. */
export function loadCommandConfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): FacteurConfig {
  const file = findConfigFile(explicit, env, cwd);
  return file === null ? { file: null } : loadConfig(file);
}
