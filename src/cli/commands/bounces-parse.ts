import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { unreadableFile } from '../../file-failure.js';
import type { Lang, Text } from '../../i18n.js';
import { langOption } from '../options.js';
import type { ParseBounceOptions } from '../../parse/bounce/parse-bounce.js';
import { NOT_MAIL, parseBounce } from '../../parse/bounce/parse-bounce.js';
import type { BounceReport } from '../../parse/bounce/parse-bounce.js';
import type { VerpKeyLookup } from '../../parse/verp.js';
import { openDatabase } from '../../store/database.js';
import { campaignVerpKeys } from '../../store/send-queue.js';
import { plainText } from '../../plain-text.js';
import { noticePrefix } from '../notice-prefix.js';

/** One parsed file, or why it could not be read. */
export type ParsedFile = { file: string; report: BounceReport } | { file: string; error: Text };

/**
 * An mbox separator line after an empty line (RFC 4155): "From ", the envelope sender, an asctime date. The date
 * makes it strict, so that a body line beginning "From " in a single message is not taken for one.
 */
const MBOX_SEPARATOR = /\n\r?\nFrom \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d/g;

/** How many messages a file in mbox form holds (a file that begins with a "From " line); 1 for a single message. */
function mboxMessageCount(raw: Buffer): number {
  if (raw.subarray(0, 5).toString('latin1') !== 'From ') return 1;
  return 1 + (raw.toString('latin1').match(MBOX_SEPARATOR)?.length ?? 0);
}

const BOUNCE_FILE: Text = { en: 'bounce file', fr: 'le fichier de rebond' };

/** A directory given to `parse`: its files are given one by one, a Maildir is read by `fetch`. */
function withDirectoryHint(text: Text, directory: string): Text {
  const glob = `${directory.replace(/\/+$/, '')}/*`;
  return {
    en: `${text.en}; give its files ("${glob}"), or read a Maildir with "facteur bounces fetch --maildir ${directory}"`,
    fr: `${text.fr} ; donnez ses fichiers (« ${glob} »), ou lisez un Maildir avec « facteur bounces fetch --maildir ${directory} »`,
  };
}

/** Reads and parses each file; an unreadable file is reported, the others are still parsed. */
export async function parseBounceFiles(
  files: readonly string[],
  options: ParseBounceOptions = {},
): Promise<ParsedFile[]> {
  const results: ParsedFile[] = [];
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (error) {
      const { text } = unreadableFile(BOUNCE_FILE, file, error);
      const isDirectory = (error as NodeJS.ErrnoException).code === 'EISDIR';
      results.push({ file, error: isDirectory ? withDirectoryHint(text, file) : text });
      continue;
    }
    // Parsed as one message, a mailbox file would give the first bounce's recipients, or none, for all of them.
    const messages = mboxMessageCount(raw);
    if (messages > 1) {
      results.push({
        file,
        error: {
          en: `Cannot parse "${file}" as one bounce: it is an mbox of ${messages} messages; read it with "facteur bounces fetch --mbox ${file}"`,
          fr: `Impossible d’analyser « ${file} » comme un seul rebond : c’est un fichier mbox de ${messages} messages ; lisez-le avec « facteur bounces fetch --mbox ${file} »`,
        },
      });
      continue;
    }
    results.push({ file, report: parseBounce(raw, options) });
  }
  return results;
}

/** The campaigns' VERP keys of a facteur database, opened read-only: parsing bounces never writes the store. */
export function loadVerpKeys(path: string): VerpKeyLookup {
  const db = openDatabase(path, {
    readonly: true,
    whenMissing: {
      en: 'send a campaign with "facteur send" first',
      fr: 'envoyez d’abord une campagne avec « facteur send »',
    },
  });
  try {
    const keys = campaignVerpKeys(db);
    return (campaign) => keys.get(campaign) ?? null;
  } catch (error) {
    const reason = (error as Error).message;
    throw new InputError(
      {
        en: `Cannot read campaign keys from database "${path}": ${reason}`,
        fr: `Impossible de lire les clés des campagnes dans la base de données « ${path} » : ${reason}`,
      },
      { file: path },
    );
  } finally {
    db.close();
  }
}

/** `facteur bounces parse`: parses each file and prints each failed recipient, or one JSON line per file. */
export async function runBouncesParseCommand(
  files: string[],
  options: { jsonl?: boolean; db?: string; lang?: Lang },
): Promise<void> {
  const lang = options.lang ?? langOption(undefined);
  const parseOptions: ParseBounceOptions = options.db === undefined ? {} : { verpKeys: loadVerpKeys(options.db) };
  let failed = false;
  for (const result of await parseBounceFiles(files, parseOptions)) {
    if ('error' in result) {
      failed = true;
      process.stderr.write(`${noticePrefix(lang)}${result.error[lang]}\n`);
      continue;
    }
    const { file, report } = result;
    // A message the parser could not read at all is still one line, kind "other", with its error.
    const error = {
      ...(report.error === undefined ? {} : { error: report.error }),
      ...(report.notMail === undefined ? {} : { notMail: report.notMail }),
    };
    if (options.jsonl === true) {
      process.stdout.write(JSON.stringify({ file, kind: report.kind, recipients: report.recipients, ...error }) + '\n');
      continue;
    }
    const lines = report.recipients.map(
      (r) => `  ${r.address}  ${r.reason}  ${r.status ?? '-'}  ${r.hardbounce ? 'hard' : 'soft'}`,
    );
    const why = report.notMail === undefined ? report.error : NOT_MAIL[report.notMail][lang];
    const head = why === undefined ? `${file}: ${report.kind}` : `${file}: ${report.kind} (${why})`;
    process.stdout.write(plainText([head, ...lines].join('\n') + '\n'));
  }
  // Exit 2 (input error) only after every readable file was parsed.
  if (failed) process.exitCode = 2;
}
