import { BOUNCE_LIMITS } from './limits.js';
import type { RawRecipient } from './raw-recipient.js';
import { emptyRaw } from './raw-recipient.js';

/** An Amazon SES notification (SNS over email) read into recipients. */
export interface SesNotification {
  type: 'Bounce' | 'Complaint' | 'Delivery';
  feedbackType: string | null;
  recipients: RawRecipient[];
}

/** One string field of a JSON object written by SES, without parsing the whole (often line-wrapped) JSON. */
function field(object: string, name: string): string | null {
  const m = new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(object);
  return m?.[1]?.replace(/\\(.)/g, '$1') ?? null;
}

/**
 * Reads Amazon SES's JSON notification ("notificationType": "Bounce" | "Complaint" | "Delivery") as SNS
 * mails it. SNS wraps long lines, so the JSON is read field by field instead of with JSON.parse.
 */
export function parseSesNotification(raw: string): SesNotification | null {
  // Raw SNS messages carry the notification as a JSON string inside JSON: unescape its quotes once.
  const text = raw.includes('\\"notificationType') ? raw.replace(/\\"/g, '"') : raw;
  const type = /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(text)?.[1];
  if (type !== 'Bounce' && type !== 'Complaint' && type !== 'Delivery') return null;
  const list = /"(?:bouncedRecipients|complainedRecipients|recipients)"\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  const recipients: RawRecipient[] = [];
  for (const object of list.match(/\{[^{}]*\}|"[^"@]{1,64}@[^"]{1,255}"/g) ?? []) {
    if (recipients.length >= BOUNCE_LIMITS.MAX_RECIPIENTS) break;
    const address = object.startsWith('"') ? object.slice(1, -1) : field(object, 'emailAddress');
    if (address === null) continue;
    const diagnostic = field(object, 'diagnosticCode');
    const m = diagnostic === null ? null : /^\s*([\w-]+)\s*;\s*([\s\S]*)$/.exec(diagnostic);
    recipients.push({
      ...emptyRaw(address),
      action: field(object, 'action'),
      status: field(object, 'status'),
      diagnostic: m?.[2] ?? diagnostic,
      diagnosticType: m?.[1]?.toUpperCase() ?? null,
      remoteMta: field(text, 'reportingMTA')?.replace(/^\s*[\w-]+\s*;\s*/, '') ?? null,
    });
  }
  return { type, feedbackType: field(text, 'complaintFeedbackType'), recipients };
}
