import type { BounceReason } from './types.js';

/** A recipient as read from the message, before classification. */
export interface RawRecipient {
  address: string;
  originalRecipient: string | null;
  status: string | null;
  action: string | null;
  diagnostic: string | null;
  diagnosticType: string | null;
  remoteMta: string | null;
  smtpCommand: string | null;
  hint?: BounceReason | null;
}

// Local parts are bounded (RFC 5321 4.5.3.1.1: 64 octets) so a long run of letters costs linear time, not quadratic.
const ADDRESS = /[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]+(?:\.[\w-]+)+/;

/** Strips `rfc822;`, angle brackets and quotes from an address field; null when no address is there. */
export function cleanAddress(value: string | null): string | null {
  if (value === null) return null;
  const bare = value.replace(/^\s*[\w-]+\s*;/, '').trim();
  const m = ADDRESS.exec(bare);
  return m === null ? null : m[0].replace(/^[.'"]+|[.'"]+$/g, '');
}

/** A recipient with only its address known. */
export function emptyRaw(address: string): RawRecipient {
  return {
    address,
    originalRecipient: null,
    status: null,
    action: null,
    diagnostic: null,
    diagnosticType: null,
    remoteMta: null,
    smtpCommand: null,
  };
}
