import { render, type Lang } from '../i18n.js';
import { buildTextMessage, messageBytes } from '../send/build-message.js';
import { readSmtpPassword } from '../send/campaign-config.js';
import { createDkimSigner } from '../send/dkim-signer.js';
import { classifyResult, newMessageId } from '../send/send-campaign.js';
import { SmtpSession } from '../send/smtp-session.js';
import type { Trace } from '../trace.js';
import type { Db } from '../store/database.js';
import { recordSympaMailIntent, recordSympaMailOutcome, sentSympaCommands } from '../store/sympa-mail.js';
import { planSympaMail, type SympaMailDecision } from './plan-sympa-mail.js';
import { renderSympaMailCommands } from './render-sympa-mail-commands.js';
import { SEND_CONFIG, type SympaMailConfig } from './sympa-mail-config.js';

/**
 * Commands per mail. Sympa sets no bound of its own on a command mail; what bounds it is each server's message size
 * limit (Postfix's message_size_limit defaults to 10 MB) and Sympa's report, one mail back to From listing every
 * command. A thousand `QUIET DEL` lines are at most about 370 KB (a 254-character address) and usually 60 KB, and
 * Sympa's loop prevention (loop_command_max, 200 reports to one sender an hour) still leaves 200,000 removals an hour.
 */
export const MAX_COMMANDS_PER_MAIL = 1000;

/**
 * What became of one mail: `planned` in a dry run; `sent` (the server accepted it); `refused` (a 5xx reply);
 * `deferred` (a 4xx reply, or the connection failed before the end of DATA: not sent); `uncertain` (the connection
 * was lost after the end of DATA, RFC 1047: the server may have it); `unsent` (an earlier mail failed, so the run
 * stopped before this one).
 */
export type SympaMailMessageOutcome = 'planned' | 'sent' | 'refused' | 'deferred' | 'uncertain' | 'unsent';

/** One mail, as sent or as it would be sent. */
export interface SympaMailMessage {
  messageId: string;
  envelope: { from: string; to: string };
  /** Header fields as sent, folded, without their final CRLF; a DKIM-Signature first when signed. */
  headers: string[];
  /** The body as sent (quoted-printable, CRLF line ends). */
  body: string;
  /** The command lines, as Sympa reads them once the body is decoded. */
  commands: string;
  addresses: string[];
  outcome: SympaMailMessageOutcome;
  replyCode: number | null;
  reply: string | null;
}

/** What became of one address: the run's decision, or its mail's outcome once planned. */
export type SympaMailOutcome = Exclude<SympaMailDecision, 'planned'> | SympaMailMessageOutcome;

/** One address, what became of it and, when skipped, the mail that carried its command before. */
export interface SympaMailAddressResult {
  address: string;
  outcome: SympaMailOutcome;
  messageId: string | null;
  previous: { messageId: string; state: 'sent' | 'uncertain'; at: string; isStillMember: boolean } | null;
}

/**
 * Why a run stopped before its last mail: the server refused the login or the envelope sender (`config`), refused a
 * mail (`refused`), could not be reached or answered 4xx (`unreachable`, `deferred`), lost the connection after a
 * mail (`uncertain`), or the run was interrupted between two mails (`interrupted`).
 */
export interface SympaMailStop {
  reason: 'config' | 'refused' | 'unreachable' | 'deferred' | 'uncertain' | 'interrupted';
  message: string;
}

/** What `sendSympaMail` did (`--json` prints it). */
export interface SympaMailResult {
  list: string;
  robot: string;
  from: string;
  /** `host:port` of the organisation's server. */
  server: string;
  isDryRun: boolean;
  messages: SympaMailMessage[];
  results: SympaMailAddressResult[];
  stopped: SympaMailStop | null;
}

/** What to mail, to whom, and how. */
export interface SympaMailOptions {
  db: Db;
  config: SympaMailConfig;
  /** `name@domain`, as the commands name it. */
  list: string;
  /** Sympa's robot address, `sympa@<list domain>` by default. */
  robot: string;
  addresses: Iterable<string>;
  isDryRun: boolean;
  /** Send again the commands mailed before. */
  force: boolean;
  /** The language of the subject, which the owner sees in the sent mail and Sympa's report, and of why a run stopped. */
  lang: Lang;
  /** Aborted (Ctrl-C): the mail being sent finishes and is recorded, the next ones wait for the next run. */
  signal?: AbortSignal;
  /** Hears each SMTP command and reply (`--verbose`). */
  trace?: Trace;
}

/**
 * The subject. Sympa runs a command found in the subject instead of the body's (Request/Message.pm), so it must
 * not start with a command word: it starts with "facteur", which is none.
 */
const SUBJECT = {
  en: 'facteur: removing {count} members from {list} ({part}/{parts})',
  fr: 'facteur : retrait de {count} membres de {list} ({part}/{parts})',
};

/**
 * Ends the commands: Sympa stops reading at the first line it does not understand, and at QUIT ignores the rest, so
 * a footer a server appends (a disclaimer without the "-- " signature line) is never read as a command.
 */
const END_OF_COMMANDS = 'QUIT\n';

/**
 * Mails `QUIET DEL list address` commands to Sympa's robot from the list owner's address, through the
 * organisation's server (one SMTP session, the mails one after the other), DKIM-signed when the config has a key.
 * Addresses whose command a mail carried before are skipped unless `force`. Each mail is recorded as being sent
 * before its SMTP transaction and with its outcome after, so a run killed at any moment never sends a command twice
 * unawares: a mail caught in flight reads as uncertain. The run stops at the first mail that fails, since the next
 * ones go to the same robot through the same server. A dry run builds and signs every mail and sends nothing.
 */
export async function sendSympaMail(options: SympaMailOptions): Promise<SympaMailResult> {
  const { db, config, list, robot } = options;
  const plan = planSympaMail(options.addresses, sentSympaCommands(db, list), {
    force: options.force,
    maxCommands: MAX_COMMANDS_PER_MAIL,
  });
  // Before any mail is recorded: a password that cannot be read stops the run with nothing sent.
  const smtp =
    options.isDryRun || plan.mails.length === 0 ? null : readSmtpPassword(config.smtp, config.file, SEND_CONFIG);
  const sign = config.dkim === null ? null : createDkimSigner(config.dkim);
  const messages: SympaMailMessage[] = [];
  const session =
    smtp === null ? null : new SmtpSession(smtp, options.trace === undefined ? {} : { trace: options.trace });
  let stopped: SympaMailStop | null = null;
  try {
    for (const [index, mail] of plan.mails.entries()) {
      const commands = renderSympaMailCommands(list, mail.addresses);
      const messageId = mail.messageId ?? newMessageId(config.messageIdDomain);
      const built = buildTextMessage({
        from: config.from,
        to: robot,
        subject: render(SUBJECT, options.lang, {
          count: mail.addresses.length,
          list,
          part: index + 1,
          parts: plan.mails.length,
        }),
        messageId,
        now: Date.now(),
        text: commands + END_OF_COMMANDS,
      });
      const signature = sign === null ? null : await sign(built.headers, built.bodyHash);
      const message: SympaMailMessage = {
        messageId,
        envelope: built.envelope,
        headers: [...(signature === null ? [] : [signature]), ...built.headers.map((line) => line.line)],
        body: built.body,
        commands: commands + END_OF_COMMANDS,
        addresses: mail.addresses,
        outcome: options.isDryRun ? 'planned' : 'unsent',
        replyCode: null,
        reply: null,
      };
      messages.push(message);
      if (session === null || stopped !== null) continue;
      if (options.signal?.aborted === true) {
        stopped = { reason: 'interrupted', message: 'interrupted' };
        continue;
      }
      const id = recordSympaMailIntent(
        db,
        {
          list,
          robot,
          headerFrom: config.from.address,
          messageId,
          addresses: mail.addresses.map((address) => address.toLowerCase()),
        },
        Date.now(),
      );
      const outcome = classifyResult(await session.send(built.envelope, messageBytes(built, signature)));
      if (outcome.kind === 'stop') {
        // Facteur's own words on a refused session, login or certificate: the reader's language, as send run says them.
        message.outcome = 'refused';
        message.reply = outcome.text[options.lang];
        stopped = { reason: 'config', message: outcome.text[options.lang] };
        recordSympaMailOutcome(db, id, { state: 'failed', reply: outcome.message }, Date.now());
        continue;
      }
      message.replyCode = outcome.replyCode;
      message.reply = outcome.reply;
      if (outcome.kind === 'sent') message.outcome = 'sent';
      else if (outcome.kind === 'uncertain') {
        message.outcome = 'uncertain';
        stopped = { reason: 'uncertain', message: outcome.reply };
      } else if (outcome.kind === 'failed') {
        message.outcome = 'refused';
        stopped = { reason: 'refused', message: outcome.reply };
      } else {
        message.outcome = 'deferred';
        stopped = { reason: outcome.isConnectionFailure ? 'unreachable' : 'deferred', message: outcome.reply };
      }
      const state = outcome.kind === 'sent' || outcome.kind === 'uncertain' ? outcome.kind : 'failed';
      recordSympaMailOutcome(db, id, { state, reply: outcome.reply }, Date.now());
    }
  } finally {
    await session?.close();
  }
  const results = plan.items.map((item): SympaMailAddressResult => {
    const message = item.mail === null ? undefined : messages[item.mail];
    return {
      address: item.address,
      outcome: message?.outcome ?? (item.decision === 'planned' ? 'unsent' : item.decision),
      messageId: message?.messageId ?? null,
      previous:
        item.previous === null
          ? null
          : {
              messageId: item.previous.messageId,
              state: item.previous.state,
              at: new Date(item.previous.at).toISOString(),
              isStillMember: item.previous.isStillMember,
            },
    };
  });
  return {
    list,
    robot,
    from: config.from.address,
    server: `${config.smtp.host}:${config.smtp.port}`,
    isDryRun: options.isDryRun,
    messages,
    results,
    stopped,
  };
}
