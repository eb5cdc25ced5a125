import { dirname, resolve } from 'node:path';
import { ConfigProblems } from '../config/config-problems.js';
import { readJsonFile } from '../config/read-json-file.js';
import {
  CAMPAIGN_KEYS,
  isObject,
  parseDkim,
  parseSmtp,
  readMailbox,
  type DkimConfig,
  type Mailbox,
  type SmtpConfig,
} from '../send/campaign-config.js';
import { organisationalDomain } from '../facts/dmarc.js';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';

/** The config of `--send-config`, as errors name it: "Cannot use send config …". */
export const SEND_CONFIG: Text = { en: 'send config', fr: 'configuration d’envoi' };

/**
 * What mailing commands to Sympa's robot needs of a campaign-style config: the organisation's server (`smtp`), the
 * list owner's address (`from`: Sympa runs a command as the sender its From names), the DKIM key (`dkim`) and the
 * Message-ID domain (`messageIdDomain`, From's domain by default).
 */
export interface SympaMailConfig {
  file: string;
  smtp: SmtpConfig;
  from: Mailbox;
  dkim: DkimConfig | null;
  messageIdDomain: string;
  /** Choices that weaken the mail (no DKIM key, TLS unverified); the CLI prints them to stderr. */
  warnings: Text[];
}

/**
 * Validates a config for `facteur dormant apply --sympa-mail`. It has a campaign config's shape, so a campaign's own
 * file can be used as is: its other keys (subject, templates, recipients…) are allowed and not used. A DKIM key must
 * sign for From's organisational domain (RFC 7489 3.1.1 relaxed alignment), or DMARC would fail the mail at the list
 * server's door; without one, the mail is signed only if the organisation's server signs it.
 */
export function parseSympaMailConfig(
  value: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): SympaMailConfig {
  if (!isObject(value))
    throw new InputError(
      {
        en: `Cannot use send config "${file}": it must be a JSON object`,
        fr: `Impossible d’utiliser la configuration d’envoi « ${file} » : ce doit être un objet JSON`,
      },
      { file },
      'ECONFIG',
    );
  const problems = new ConfigProblems();
  const warnings: Text[] = [];
  const baseDir = dirname(resolve(file));
  problems.object(value, '', CAMPAIGN_KEYS);
  const smtp = parseSmtp(value.smtp, baseDir, env, problems, warnings);
  const from = problems.required(value.from, 'from', (text, path) => readMailbox(text, path, problems));
  const messageIdDomain = problems.hostName(value.messageIdDomain, 'messageIdDomain');
  const dkim = parseDkim(value.dkim, baseDir, problems);
  if (dkim !== null && from !== undefined && organisationalDomain(dkim.domain) !== organisationalDomain(from.domain))
    problems.add('dkim.domain', {
      en: `is "${dkim.domain}", which is not aligned with the From domain "${from.domain}" (RFC 7489 3.1.1): DMARC would fail the mail`,
      fr: `vaut « ${dkim.domain} », qui n’est pas aligné sur le domaine du From « ${from.domain} » (RFC 7489 3.1.1) : le courriel échouerait au contrôle DMARC`,
    });
  if (value.dkim === undefined || value.dkim === null)
    warnings.push({
      en: `No "dkim" section in "${file}": the mail is signed only if the server signs it, and Sympa's ownerdkim and authdkim scenarios ask to confirm each command`,
      fr: `Pas de section « dkim » dans « ${file} » : le courriel n’est signé que si le serveur le signe, et les scénarios ownerdkim et authdkim de Sympa demandent de confirmer chaque commande`,
    });
  if (problems.found.length > 0 || smtp === null || from === undefined) {
    const found = problems.joined();
    throw new InputError(
      {
        en: `Cannot use send config "${file}": ${found.en}`,
        fr: `Impossible d’utiliser la configuration d’envoi « ${file} » : ${found.fr}`,
      },
      { file },
      'ECONFIG',
    );
  }
  return { file, smtp, from, dkim, messageIdDomain: messageIdDomain ?? from.domain, warnings };
}

/** Reads and validates the config of `--send-config FILE`. */
export function loadSympaMailConfig(file: string, env: NodeJS.ProcessEnv = process.env): SympaMailConfig {
  return parseSympaMailConfig(readJsonFile(file, { en: 'send config', fr: 'la configuration d’envoi' }), file, env);
}
