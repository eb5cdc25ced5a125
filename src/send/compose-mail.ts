import { readFileSync } from 'node:fs';
import type { SendMailOptions } from 'nodemailer';
import { InputError } from '../errors.js';
import { encodeVerp } from '../parse/verp.js';
import type { CampaignConfig } from './campaign-config.js';
import {
  compileTemplate,
  headerValue,
  renderMessage,
  renderTemplate,
  type CampaignTemplates,
  type RowLocation,
  type Template,
} from './render-message.js';

/** Everything a campaign's messages share, compiled once per run. */
export interface MailContext {
  config: CampaignConfig;
  campaignId: number;
  verpKey: Uint8Array;
  templates: CampaignTemplates;
  unsubscribeUrl: Template | null;
}

/** What one recipient's message is built from: the stored queue row. */
export interface MailInput {
  recipientId: number;
  email: string;
  fields: Readonly<Record<string, string>>;
  messageId: string;
}

/**
 * The VERP identity test sends use: recipient ids are line numbers, which start at 2 (line 1 is the header), so 0
 * names no recipient and a bounce of a test message is never charged to a real one.
 */
export const TEST_RECIPIENT_ID = 0;

function readTemplate(file: string | null): Template | null {
  if (file === null) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read template "${file}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      file,
    });
  }
  return compileTemplate(text, file);
}

/** Reads and compiles a campaign's templates (subject, text, HTML, unsubscribe URL). */
export function loadMailContext(config: CampaignConfig, campaignId: number, verpKey: Uint8Array): MailContext {
  const url = config.listUnsubscribe?.url ?? null;
  return {
    config,
    campaignId,
    verpKey,
    templates: {
      subject: compileTemplate(config.subject, 'subject'),
      text: readTemplate(config.textTemplate),
      html: readTemplate(config.htmlTemplate),
    },
    unsubscribeUrl: url === null ? null : compileTemplate(url, 'listUnsubscribe.url'),
  };
}

/** The envelope sender (RFC 5321 MAIL FROM) of one recipient: `bounces+<token>@<returnPathDomain>`. */
export function returnPathOf(context: MailContext, recipientId: number): string {
  return `${encodeVerp({ campaign: context.campaignId, recipientId }, context.verpKey)}@${context.config.returnPathDomain}`;
}

/**
 * RFC 2369 List-Unsubscribe and RFC 8058 List-Unsubscribe-Post. One-click is announced only with an https URL
 * (RFC 8058 3.1); a mailto alone gets no Post header.
 */
function unsubscribeHeaders(context: MailContext, input: MailInput, row: RowLocation): Record<string, string> {
  const unsubscribe = context.config.listUnsubscribe;
  if (unsubscribe === null) return {};
  const targets: string[] = [];
  if (context.unsubscribeUrl !== null)
    targets.push(`<${renderTemplate(context.unsubscribeUrl, input.fields, row, encodeURIComponent)}>`);
  if (unsubscribe.mailto !== null) targets.push(`<mailto:${unsubscribe.mailto}>`);
  const headers: Record<string, string> = {
    'List-Unsubscribe': headerValue(targets.join(', '), 'List-Unsubscribe', row),
  };
  if (context.unsubscribeUrl !== null) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  return headers;
}

/**
 * Builds one recipient's message for nodemailer: VERP envelope sender, the stored Message-ID (a resend after a crash
 * reuses it), From and Reply-To from the config, List-Unsubscribe when configured. Nothing is added for tracking:
 * no pixel, no rewritten link, no per-recipient header beyond the address and the unsubscribe URL.
 * With `testTo`, the message goes to that address instead, with a VERP identity that names no recipient.
 */
export function composeMail(
  context: MailContext,
  input: MailInput,
  row: RowLocation,
  testTo?: string,
): SendMailOptions {
  const rendered = renderMessage(context.templates, input, row);
  const { config } = context;
  const to = testTo ?? rendered.to;
  return {
    envelope: { from: returnPathOf(context, testTo === undefined ? input.recipientId : TEST_RECIPIENT_ID), to },
    from: { name: config.from.name ?? '', address: config.from.address },
    ...(config.replyTo === null
      ? {}
      : { replyTo: { name: config.replyTo.name ?? '', address: config.replyTo.address } }),
    to,
    subject: rendered.subject,
    ...(rendered.text === null ? {} : { text: rendered.text }),
    ...(rendered.html === null ? {} : { html: rendered.html }),
    messageId: input.messageId,
    headers: unsubscribeHeaders(context, input, row),
    // Templates are the organisation's, but a field could still name a file or URL: never let nodemailer fetch one.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
