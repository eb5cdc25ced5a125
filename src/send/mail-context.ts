import { readFileSync } from 'node:fs';
import { encodeVerp } from '../parse/verp.js';
import type { CampaignConfig } from './campaign-config.js';
import { compileTemplate, type CampaignTemplates, type Template } from './render-message.js';
import { unreadableFile } from '../file-failure.js';

/** Everything a campaign's messages share, compiled once per run. */
export interface MailContext {
  config: CampaignConfig;
  campaignId: number;
  verpKey: Uint8Array;
  templates: CampaignTemplates;
  /** The template files as read once for compiling, which a preflight also scans for tracking. */
  templateFiles: { text: TemplateFile | null; html: TemplateFile | null };
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

/** A template file and its text. */
export interface TemplateFile {
  file: string;
  text: string;
}

function readTemplate(file: string | null): TemplateFile | null {
  if (file === null) return null;
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    throw unreadableFile({ en: 'template', fr: 'le modèle' }, file, error);
  }
}

/** Reads and compiles a campaign's templates (subject, text, HTML, unsubscribe URL). */
export function loadMailContext(config: CampaignConfig, campaignId: number, verpKey: Uint8Array): MailContext {
  const url = config.listUnsubscribe?.url ?? null;
  const text = readTemplate(config.textTemplate);
  const html = readTemplate(config.htmlTemplate);
  return {
    config,
    campaignId,
    verpKey,
    templates: {
      subject: compileTemplate(config.subject, 'subject'),
      text: text === null ? null : compileTemplate(text.text, text.file),
      html: html === null ? null : compileTemplate(html.text, html.file),
    },
    templateFiles: { text, html },
    unsubscribeUrl: url === null ? null : compileTemplate(url, 'listUnsubscribe.url'),
  };
}

/** The envelope sender (RFC 5321 MAIL FROM) of one recipient: `bounces+<token>@<returnPathDomain>`. */
export function returnPathOf(context: MailContext, recipientId: number): string {
  return `${encodeVerp({ campaign: context.campaignId, recipientId }, context.verpKey)}@${context.config.returnPathDomain}`;
}
