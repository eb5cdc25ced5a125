import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who a VERP Return-Path stands for: one recipient of one campaign. */
export interface VerpIdentity {
  campaign: number;
  recipientId: number;
}

/** The fixed part of every VERP local part; the token follows the `+` (Postfix's default recipient_delimiter). */
export const VERP_PREFIX = 'bounces+';

/** RFC 5321 4.5.3.1.1: a local part is at most 64 octets. */
export const MAX_LOCAL_PART_LENGTH = 64;

/** Token layout version, so a later layout can be told apart from this one. */
const VERSION = 1;

/** Campaign and recipient ids are unsigned 32-bit: 4 billion recipients per campaign is beyond any list. */
const MAX_ID = 0xffff_ffff;

/**
 * 80 bits of HMAC-SHA256: NIST SP 800-107 5.3.4 allows truncation, and forging one needs ~2^79 online guesses,
 * each a message sent to our MX. Longer would eat the 64-octet budget for nothing.
 */
const MAC_BYTES = 10;

/** version (1) + campaign (4) + recipient (4). */
const PAYLOAD_BYTES = 9;
const TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES;

/**
 * RFC 4648 6 base32, lowercase: some MTAs lowercase local parts, so a case-sensitive encoding (base64) would not
 * survive the round trip; base32 is also free of `+`, `/` and `=`, which are awkward in an address.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Binds the MAC to this use of the key, so a key reused elsewhere cannot produce a valid token. */
const MAC_CONTEXT = 'facteur-verp-v1\0';

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** Decodes lowercase base32 without padding; null on a foreign character or non-zero trailing bits. */
function decodeBase32(text: string): Buffer | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  // Canonical encoding only: leftover bits must be zero, so each identity has exactly one token.
  if (buffer !== 0) return null;
  return Buffer.from(out);
}

function mac(payload: Uint8Array, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(MAC_CONTEXT).update(payload).digest().subarray(0, MAC_BYTES);
}

function checkId(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_ID)
    throw new RangeError(`Cannot encode VERP token: ${name} "${value}" is not an integer from 0 to ${MAX_ID}`);
}

/**
 * Encodes the Return-Path local part `bounces+<token>` for one recipient of one campaign. The token carries both
 * ids and a truncated HMAC-SHA256 under the campaign's key, so a bounce cannot be forged for another recipient.
 */
export function encodeVerp(identity: VerpIdentity, key: Uint8Array): string {
  checkId('campaign', identity.campaign);
  checkId('recipientId', identity.recipientId);
  if (key.length === 0) throw new RangeError('Cannot encode VERP token: the key is empty');
  const token = Buffer.alloc(TOKEN_BYTES);
  token.writeUInt8(VERSION, 0);
  token.writeUInt32BE(identity.campaign, 1);
  token.writeUInt32BE(identity.recipientId, 5);
  mac(token.subarray(0, PAYLOAD_BYTES), key).copy(token, PAYLOAD_BYTES);
  return VERP_PREFIX + encodeBase32(token);
}

/** The key of a campaign, or null when the campaign is unknown (a key per campaign is looked up after parsing). */
export type VerpKeyLookup = (campaign: number) => Uint8Array | null;

/**
 * Decodes a VERP local part (any case) back to its campaign and recipient; null when it is not ours, malformed,
 * of an unknown campaign or carries a wrong MAC. Pass the key, or a lookup from campaign id to key.
 */
export function decodeVerp(localPart: string, key: Uint8Array | VerpKeyLookup): VerpIdentity | null {
  if (localPart.length > MAX_LOCAL_PART_LENGTH) return null;
  const lower = localPart.toLowerCase();
  if (!lower.startsWith(VERP_PREFIX)) return null;
  const token = decodeBase32(lower.slice(VERP_PREFIX.length));
  if (token?.length !== TOKEN_BYTES || token.readUInt8(0) !== VERSION) return null;
  const campaign = token.readUInt32BE(1);
  const recipientId = token.readUInt32BE(5);
  const campaignKey = typeof key === 'function' ? key(campaign) : key;
  if (campaignKey === null || campaignKey.length === 0) return null;
  const expected = mac(token.subarray(0, PAYLOAD_BYTES), campaignKey);
  if (!timingSafeEqual(expected, token.subarray(PAYLOAD_BYTES))) return null;
  return { campaign, recipientId };
}
