import type { Command } from 'commander';
import type { Lang, Text } from '../../i18n.js';
import { registerBouncesFetch } from './bounces-fetch.js';
import { registerBouncesParse } from './bounces-parse.js';

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
