import { dirname, resolve } from 'node:path';
import { ConfigProblems } from '../config/config-problems.js';
import { readJsonFile } from '../config/read-json-file.js';
import { isLoopbackHost, readSecretFile } from '../config/read-secret-file.js';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { normaliseDomain } from '../parse/parse-members-csv.js';

/** How the SMTP connection is protected: STARTTLS on a submission port, TLS from the first byte, or none. */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

/** The organisation's own mail server, as a campaign sends through it. */
export interface SmtpConfig {
  host: string;
  port: number;
  security: SmtpSecurity;
  user: string | null;
  /** Where the password is, read only when a session opens (readSmtpPassword): preflight and dry runs need none. */
  password: PasswordSource | null;
  pool: number;
  ratePerSecond: number;
  perDomainRatePerMinute: number;
  helo: string | null;
  tlsRejectUnauthorized: boolean;
  /** The server's public addresses as receivers see them, for the preflight's SPF check (none: not checked). */
  sendingIps: string[];
}

/** The environment variable or 0600 file that holds the SMTP password. */
export type PasswordSource = { env: string } | { file: string };

/** The server's settings with the password read, as a session logs in with them. */
export type SmtpLogin = Omit<SmtpConfig, 'password'> & { password: string | null };

/** An address with an optional display name, as in `From:`. */
export interface Mailbox {
  name: string | null;
  address: string;
  domain: string;
}

/** The DKIM key the organisation signs with (RFC 6376). */
export interface DkimConfig {
  domain: string;
  selector: string;
  privateKeyFile: string;
  privateKey: string;
}

/**
 * Where recipients can unsubscribe (RFC 2369 List-Unsubscribe; RFC 8058 one-click needs an https URL). The URL may
 * carry `{{field}}` placeholders (a LimeSurvey token), filled per recipient and URL-encoded.
 */
export interface ListUnsubscribeConfig {
  url: string | null;
  mailto: string | null;
}

/** A validated campaign config: paths absolute, secrets read, defaults applied. */
export interface CampaignConfig {
  file: string;
  smtp: SmtpConfig;
  from: Mailbox;
  replyTo: Mailbox | null;
  subject: string;
  textTemplate: string | null;
  htmlTemplate: string | null;
  recipients: string;
  returnPathDomain: string;
  messageIdDomain: string;
  dkim: DkimConfig | null;
  listUnsubscribe: ListUnsubscribeConfig | null;
  /** How long a message may stay deferred after its first attempt before it is failed (Postfix's maximal_queue_lifetime). */
  maxQueueLifetimeMs: number;
  /** Things the user chose that weaken the campaign; the CLI prints them to stderr. */
  warnings: Text[];
}

/** A campaign config, as errors name it: "Cannot use campaign config …". */
export const CAMPAIGN_CONFIG: Text = { en: 'campaign config', fr: 'configuration de campagne' };

/** Ports by security mode: RFC 6409 submission (587), RFC 8314 implicit TLS submission (465), relay (25). */
const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };

/** A handful of connections keeps a Postfix submission service busy without tripping its per-client limit (default 50). */
const DEFAULT_POOL = 4;
const MAX_POOL = 50;

/** 20 messages/s sends 80,000 in a bit over an hour, gentle enough for an organisation's own server. */
const DEFAULT_RATE_PER_SECOND = 20;

/**
 * Large mailbox providers throttle an unknown sender well before it notices (Gmail and Outlook answer 421/451
 * "try again later"); 120 a minute per recipient domain keeps a town-sized list below those thresholds.
 */
const DEFAULT_PER_DOMAIN_RATE_PER_MINUTE = 120;

/**
 * Postfix's maximal_queue_lifetime default: five days of retrying rides out a long weekend's outage at the
 * recipient's end; a message still deferred after that is unlikely to be wanted any more.
 */
const DEFAULT_MAX_QUEUE_LIFETIME_MS = 5 * 86_400_000;

/** Duration units, as Postfix's time parameters spell them. */
const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d{1,6})([smhdw])$/;

/** RFC 5322 2.1.1: a line is at most 998 characters; a longer subject cannot be folded into valid header lines. */
const MAX_SUBJECT_LENGTH = 998;

const SECURITIES: readonly SmtpSecurity[] = ['starttls', 'tls', 'none'];

/** The keys of a campaign config; a file written for a campaign is valid wherever its smtp, from and dkim are reused. */
export const CAMPAIGN_KEYS: readonly string[] = [
  'smtp',
  'from',
  'replyTo',
  'subject',
  'text',
  'html',
  'recipients',
  'returnPathDomain',
  'messageIdDomain',
  'dkim',
  'listUnsubscribe',
  'maxQueueLifetime',
];
const SMTP_KEYS = [
  'host',
  'port',
  'security',
  'user',
  'passwordEnv',
  'passwordFile',
  'pool',
  'ratePerSecond',
  'perDomainRatePerMinute',
  'helo',
  'tlsRejectUnauthorized',
  'sendingIps',
];
const DKIM_KEYS = ['domain', 'selector', 'privateKeyFile'];
const UNSUBSCRIBE_KEYS = ['url', 'mailto'];

/** Deliberately plain: one `@`, no spaces, brackets or line breaks; the domain is checked on its own. */
const ADDRESS = /^([^\s@<>"()\\,;:]+)@([^\s@<>]+)$/;

/** Tells a JSON object from an array, null or a scalar. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An address with an optional display name (`Ville <info@example.org>`), as From and Reply-To take it. */
export function readMailbox(value: unknown, path: string, problems: ConfigProblems): Mailbox | undefined {
  const text = problems.string(value, path);
  if (text === undefined) return undefined;
  const angle = /^(.*?)\s*<([^<>]+)>$/.exec(text);
  const name = angle === null ? null : (angle[1] ?? '').replace(/^"(.*)"$/, '$1').trim() || null;
  const address = angle === null ? text : (angle[2] ?? '');
  const parts = ADDRESS.exec(address);
  const domain = parts?.[2] === undefined ? null : normaliseDomain(parts[2]);
  if (parts === null || domain === null) {
    problems.add(path, {
      en: `must be an address like "Ville <info@example.org>", not "${text}"`,
      fr: `doit être une adresse comme « Ville <info@example.org> », pas « ${text} »`,
    });
    return undefined;
  }
  return { name, address: `${parts[1] ?? ''}@${domain}`, domain };
}

/** Reads a secret file through the shared reader, recording a refusal as a problem of `path`. */
function readSecretSetting(file: string, path: string, problems: ConfigProblems): string | null {
  const secret = readSecretFile(file);
  if (secret.ok) return secret.text;
  problems.add(path, secret.problem);
  return null;
}

/** Validates the `smtp` section: the organisation's server, how to reach it and log in, the send rates. */
export function parseSmtp(
  value: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblems,
  warnings: Text[],
): SmtpConfig | null {
  const raw = problems.required(value, 'smtp', (section, path) => problems.object(section, path, SMTP_KEYS));
  if (raw === undefined) return null;
  const host = problems.required(raw.host, 'smtp.host', (text, path) => problems.string(text, path)) ?? null;
  const security = problems.oneOf(raw.security, 'smtp.security', SECURITIES) ?? 'starttls';
  const port = problems.integer(raw.port, 'smtp.port', 1, 65535) ?? DEFAULT_PORTS[security];
  const user = problems.string(raw.user, 'smtp.user') ?? null;
  const passwordEnv = problems.string(raw.passwordEnv, 'smtp.passwordEnv') ?? null;
  const passwordFile = problems.filePath(raw.passwordFile, 'smtp.passwordFile', baseDir) ?? null;
  let password: PasswordSource | null = null;
  if (passwordEnv !== null && passwordFile !== null)
    problems.add('smtp.passwordEnv', {
      en: 'and "smtp.passwordFile" cannot both be set',
      fr: 'et « smtp.passwordFile » ne peuvent pas être définis tous les deux',
    });
  else if (passwordEnv !== null) password = { env: passwordEnv };
  else if (passwordFile !== null) password = { file: passwordFile };
  if (user !== null && passwordEnv === null && passwordFile === null)
    problems.add('smtp.user', {
      en: 'is set but neither "smtp.passwordEnv" nor "smtp.passwordFile" is',
      fr: 'est défini mais ni « smtp.passwordEnv » ni « smtp.passwordFile » ne l’est',
    });
  if (user === null && (passwordEnv !== null || passwordFile !== null))
    problems.add('smtp.user', {
      en: 'is required when a password is configured',
      fr: 'est obligatoire quand un mot de passe est configuré',
    });
  if (host !== null && security === 'none' && user !== null && !isLoopbackHost(host))
    problems.add('smtp.security', {
      en: `is "none": the password would cross the network in clear to "${host}"`,
      fr: `vaut « none » : le mot de passe traverserait le réseau en clair jusqu’à « ${host} »`,
    });
  // A server on 465 speaks TLS from its first byte (RFC 8314 3.3): a client waiting for a plain greeting waits it out.
  if (port === 465 && security !== 'tls')
    warnings.push({
      en: `"smtp.port" is 465, where servers expect TLS from the first byte (RFC 8314), but "smtp.security" is "${security}": use "tls", or port 587 for "starttls"`,
      fr: `« smtp.port » vaut 465, où les serveurs attendent TLS dès le premier octet (RFC 8314), mais « smtp.security » vaut « ${security} » : mettez « tls », ou le port 587 pour « starttls »`,
    });
  const tlsRejectUnauthorized = problems.boolean(raw.tlsRejectUnauthorized, 'smtp.tlsRejectUnauthorized') ?? true;
  if (!tlsRejectUnauthorized)
    warnings.push({
      en: `TLS certificate verification is off for "${host ?? ''}" (smtp.tlsRejectUnauthorized): anyone on the path can read the password and the messages`,
      fr: `La vérification du certificat TLS est désactivée pour « ${host ?? ''} » (smtp.tlsRejectUnauthorized) : quiconque sur le chemin peut lire le mot de passe et les messages`,
    });
  const sendingIps = problems.list(raw.sendingIps, 'smtp.sendingIps', (ip, path) => problems.ipAddress(ip, path));
  return {
    host: host ?? '',
    port,
    security,
    user,
    password,
    pool: problems.integer(raw.pool, 'smtp.pool', 1, MAX_POOL) ?? DEFAULT_POOL,
    ratePerSecond: problems.integer(raw.ratePerSecond, 'smtp.ratePerSecond', 1, 10_000) ?? DEFAULT_RATE_PER_SECOND,
    perDomainRatePerMinute:
      problems.integer(raw.perDomainRatePerMinute, 'smtp.perDomainRatePerMinute', 1, 1_000_000) ??
      DEFAULT_PER_DOMAIN_RATE_PER_MINUTE,
    helo: problems.hostName(raw.helo, 'smtp.helo') ?? null,
    tlsRejectUnauthorized,
    sendingIps: sendingIps ?? [],
  };
}

/**
 * Reads the SMTP password from its variable or 0600 file, when a session is about to open, so that commands that
 * send nothing (preflight, dry runs, status) run without it; `what` names the config in the error ("campaign config").
 */
export function readSmtpPassword(
  smtp: SmtpConfig,
  file: string,
  what: Text,
  env: NodeJS.ProcessEnv = process.env,
): SmtpLogin {
  const source = smtp.password;
  const problems = new ConfigProblems();
  let password: string | null = null;
  if (source !== null && 'env' in source) {
    password = env[source.env] ?? null;
    if (password === '') password = null;
    if (password === null)
      problems.add('smtp.passwordEnv', {
        en: `names the variable "${source.env}", which is not set`,
        fr: `désigne la variable « ${source.env} », qui n’est pas définie`,
      });
  } else if (source !== null)
    // A trailing newline is what `echo secret > file` leaves; it is never part of the password.
    password = readSecretSetting(source.file, 'smtp.passwordFile', problems)?.replace(/\r?\n$/, '') ?? null;
  if (problems.found.length > 0) {
    const found = problems.joined();
    throw new InputError(
      {
        en: `Cannot use ${what.en} "${file}": ${found.en}`,
        fr: `Impossible d’utiliser la ${what.fr} « ${file} » : ${found.fr}`,
      },
      { file },
      'ECONFIG',
    );
  }
  return { ...smtp, password };
}

/** Validates the `dkim` section and reads its 0600 private key; null when the section is absent or wrong. */
export function parseDkim(value: unknown, baseDir: string, problems: ConfigProblems): DkimConfig | null {
  if (value === null) return null;
  const raw = problems.object(value, 'dkim', DKIM_KEYS);
  if (raw === undefined) return null;
  const domain = problems.required(raw.domain, 'dkim.domain', (text, path) => problems.hostName(text, path));
  const selector = problems.required(raw.selector, 'dkim.selector', (text, path) => problems.dkimSelector(text, path));
  const privateKeyFile = problems.required(raw.privateKeyFile, 'dkim.privateKeyFile', (text, path) =>
    problems.filePath(text, path, baseDir),
  );
  if (privateKeyFile === undefined) return null;
  const privateKey = readSecretSetting(privateKeyFile, 'dkim.privateKeyFile', problems);
  if (privateKey !== null && !/-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(privateKey))
    problems.add('dkim.privateKeyFile', {
      en: `names "${privateKeyFile}", which holds no PEM private key`,
      fr: `désigne « ${privateKeyFile} », qui ne contient pas de clé privée PEM`,
    });
  if (domain === undefined || selector === undefined || privateKey === null) return null;
  return { domain, selector, privateKeyFile, privateKey };
}

function parseListUnsubscribe(value: unknown, problems: ConfigProblems): ListUnsubscribeConfig | null {
  if (value === null) return null;
  const raw = problems.object(value, 'listUnsubscribe', UNSUBSCRIBE_KEYS);
  if (raw === undefined) return null;
  const url = problems.string(raw.url, 'listUnsubscribe.url') ?? null;
  // RFC 8058 3.1: one-click unsubscription needs an https URI; plain http would let anyone on the path forge it.
  if (url !== null && !/^https:\/\/[^\s<>]+$/i.test(url))
    problems.add('listUnsubscribe.url', {
      en: `must be an https URL (RFC 8058 3.1), not "${url}"`,
      fr: `doit être une URL https (RFC 8058 3.1), pas « ${url} »`,
    });
  const mailto = readMailbox(raw.mailto, 'listUnsubscribe.mailto', problems)?.address ?? null;
  if (raw.url === undefined && raw.mailto === undefined)
    problems.add('listUnsubscribe', {
      en: 'needs "url", "mailto" or both',
      fr: 'doit contenir « url », « mailto » ou les deux',
    });
  return url === null && mailto === null ? null : { url, mailto };
}

/** Reads a duration like Postfix's (`5d`, `12h`, `90m`, `30s`, `1w`) into milliseconds. */
function readDuration(value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  const unit = DURATION_UNITS_MS[match?.[2] ?? ''];
  if (match === null || unit === undefined) {
    problems.add(path, {
      en: `must be a duration like "5d", "12h", "90m", "30s" or "1w", not ${JSON.stringify(value)}`,
      fr: `doit être une durée comme « 5d », « 12h », « 90m », « 30s » ou « 1w », pas ${JSON.stringify(value)}`,
    });
    return undefined;
  }
  return Number(match[1]) * unit;
}

/**
 * Validates a parsed campaign config (JSON) against the documented keys: relative paths are taken from the config's
 * directory, secrets read from the environment or 0600 files. Every problem is reported at once, each naming its key.
 */
export function parseCampaignConfig(
  value: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): CampaignConfig {
  const problems = new ConfigProblems();
  const warnings: Text[] = [];
  if (!isObject(value))
    throw new InputError(
      {
        en: `Cannot use campaign config "${file}": it must be a JSON object`,
        fr: `Impossible d’utiliser la configuration de campagne « ${file} » : ce doit être un objet JSON`,
      },
      { file },
      'ECONFIG',
    );
  const baseDir = dirname(resolve(file));
  problems.object(value, '', CAMPAIGN_KEYS);
  const smtp = parseSmtp(value.smtp, baseDir, env, problems, warnings);
  const from = problems.required(value.from, 'from', (text, path) => readMailbox(text, path, problems));
  const replyTo = readMailbox(value.replyTo, 'replyTo', problems) ?? null;
  const subject = problems.required(value.subject, 'subject', (text, path) => problems.string(text, path));
  if (subject !== undefined && subject.length > MAX_SUBJECT_LENGTH)
    problems.add('subject', {
      en: `is longer than ${MAX_SUBJECT_LENGTH} characters (RFC 5322 2.1.1)`,
      fr: `dépasse ${MAX_SUBJECT_LENGTH} caractères (RFC 5322 2.1.1)`,
    });
  const text = problems.filePath(value.text, 'text', baseDir) ?? null;
  const html = problems.filePath(value.html, 'html', baseDir) ?? null;
  if (value.text === undefined && value.html === undefined)
    problems.add('text', {
      en: 'or "html" is required: a template for the message body',
      fr: 'ou « html » est obligatoire : un modèle pour le corps du message',
    });
  const recipients = problems.required(value.recipients, 'recipients', (file, path) =>
    problems.filePath(file, path, baseDir),
  );
  const returnPathDomain = problems.required(value.returnPathDomain, 'returnPathDomain', (name, path) =>
    problems.hostName(name, path),
  );
  const messageIdDomain = problems.hostName(value.messageIdDomain, 'messageIdDomain');
  const dkim = parseDkim(value.dkim, baseDir, problems);
  const listUnsubscribe = parseListUnsubscribe(value.listUnsubscribe, problems);
  const maxQueueLifetimeMs =
    readDuration(value.maxQueueLifetime, 'maxQueueLifetime', problems) ?? DEFAULT_MAX_QUEUE_LIFETIME_MS;
  if (
    problems.found.length > 0 ||
    smtp === null ||
    from === undefined ||
    subject === undefined ||
    recipients === undefined ||
    returnPathDomain === undefined
  ) {
    const found = problems.joined();
    throw new InputError(
      {
        en: `Cannot use campaign config "${file}": ${found.en}`,
        fr: `Impossible d’utiliser la configuration de campagne « ${file} » : ${found.fr}`,
      },
      { file },
      'ECONFIG',
    );
  }
  return {
    file,
    smtp,
    from,
    replyTo,
    subject,
    textTemplate: text,
    htmlTemplate: html,
    recipients,
    returnPathDomain,
    messageIdDomain: messageIdDomain ?? from.domain,
    dkim,
    listUnsubscribe,
    maxQueueLifetimeMs,
    warnings,
  };
}

/** Reads and validates a campaign config file. */
export function loadCampaignConfig(file: string, env: NodeJS.ProcessEnv = process.env): CampaignConfig {
  return parseCampaignConfig(
    readJsonFile(file, { en: 'campaign config', fr: 'la configuration de campagne' }),
    file,
    env,
  );
}
