import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lang, Text } from '../i18n.js';
import { packageRoot } from '../package-root.js';
import { registerAck } from './commands/ack.js';
import { registerBounces } from './commands/bounces.js';
import { registerChanges } from './commands/changes.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerDormant } from './commands/dormant.js';
import { registerExplain } from './commands/explain.js';
import { registerReport } from './commands/report.js';
import { registerSend } from './commands/send.js';
import { localiseHelp } from './localise-help.js';

const DESCRIPTION: Text = {
  en: 'Email deliverability and mailing-list health: DNS checks, campaigns from your own server, bounces, dormant addresses',
  fr: 'Délivrabilité du courrier et santé des listes de diffusion : vérifications DNS, campagnes depuis votre propre serveur, rebonds, adresses dormantes',
};

/**
 * Builds the commander program, its help in `lang`; each command registers itself from its own file in
 * src/cli/commands/.
 */
export function buildProgram(lang: Lang = 'en'): Command {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = localiseHelp(new Command('facteur'), lang, version)
    .description(DESCRIPTION[lang])
    .exitOverride()
    // Usage errors are written by runCli, in the user's language, with a pointer to the command's help.
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: () => undefined,
    });
  registerCheck(program, lang);
  registerChanges(program, lang);
  registerAck(program, lang);
  registerReport(program, lang);
  registerDemo(program, lang);
  registerBounces(program, lang);
  registerExplain(program, lang);
  registerSend(program, lang);
  registerDormant(program, lang);
  return program;
}
