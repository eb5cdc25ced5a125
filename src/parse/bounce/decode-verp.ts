import type { VerpKeyLookup } from '../verp.js';
import { VERP_PREFIX, decodeVerp } from '../verp.js';
import type { HeaderField } from './mime.js';
import { headerValue } from './mime.js';
import type { VerpInfo } from './types.js';

/** Headers of a bounce that carry the envelope recipient it was delivered to (the VERP address). */
const ENVELOPE_HEADERS = ['x-original-to', 'delivered-to', 'envelope-to', 'x-envelope-to', 'to'];

/**
 * Decodes a Sympa VERP address: `bounce+user==a==dom==list@listdomain`, where "==a==" stands for the
 * subscriber's "@" and a trailing "==w" / "==r" marks a welcome or remind message (Sympa's VERP tracking).
 */
export function decodeSympaVerp(address: string): VerpInfo | null {
  const m = /^bounce\+(.+)==a==(.+)@([^@\s>]+)$/i.exec(address.trim().replace(/^<|>$/g, ''));
  if (m === null) return null;
  const [, user = '', rest = '', listDomain = ''] = m;
  const pieces = rest.split('==');
  let kind: 'bounce' | 'welcome' | 'remind' = 'bounce';
  const last = pieces[pieces.length - 1];
  if (pieces.length >= 3 && (last === 'w' || last === 'r')) {
    kind = last === 'w' ? 'welcome' : 'remind';
    pieces.pop();
  }
  if (pieces.length < 2) return null;
  const list = pieces.pop() ?? '';
  const domain = pieces.join('==');
  if (user === '' || domain === '' || list === '') return null;
  return {
    scheme: 'sympa',
    address: `${user}@${domain}`.toLowerCase(),
    list,
    listDomain: listDomain.toLowerCase(),
    kind,
  };
}

/** The addresses written in a header value (angle brackets, quotes and commas stripped). */
function addressesIn(value: string): string[] {
  return value.match(/[^\s<>,"@]{1,64}@[^\s<>,"]{1,255}/g) ?? [];
}

/**
 * Decodes facteur's own VERP (`bounces+<token>@domain`) from any of the addresses, with the campaign keys;
 * null when none is a token of a known campaign with a valid MAC.
 */
export function decodeFacteurVerp(addresses: readonly string[], keys: VerpKeyLookup): VerpInfo | null {
  for (const address of addresses) {
    const at = address.lastIndexOf('@');
    const localPart = (at < 0 ? address : address.slice(0, at)).replace(/^<|^"|"$/g, '');
    if (!localPart.toLowerCase().startsWith(VERP_PREFIX)) continue;
    const identity = decodeVerp(localPart, keys);
    if (identity !== null) return { scheme: 'facteur', ...identity };
  }
  return null;
}

/**
 * The addresses where facteur's Return-Path shows up in a bounce: the envelope headers the receiving MTA added
 * (Postfix writes X-Original-To and Delivered-To, Exim Envelope-To) and the Return-Path of the returned message.
 */
function facteurVerpCandidates(
  bounceHeaders: readonly HeaderField[],
  returnedHeaders: readonly HeaderField[],
): string[] {
  const candidates: string[] = [];
  for (const name of ENVELOPE_HEADERS)
    for (const field of bounceHeaders) if (field.name === name) candidates.push(...addressesIn(field.value));
  for (const field of returnedHeaders) if (field.name === 'return-path') candidates.push(...addressesIn(field.value));
  return candidates;
}

/**
 * Finds the VERP of a bounce: facteur's token (only with campaign keys) in its envelope headers or the returned
 * Return-Path, else Sympa's in its envelope headers, else LimeSurvey's in the returned message.
 */
export function findVerp(
  bounceHeaders: readonly HeaderField[],
  returnedHeaders: readonly HeaderField[],
  text: string,
  keys: VerpKeyLookup | null = null,
): VerpInfo | null {
  if (keys !== null) {
    const facteur = decodeFacteurVerp(facteurVerpCandidates(bounceHeaders, returnedHeaders), keys);
    if (facteur !== null) return facteur;
  }
  for (const name of ENVELOPE_HEADERS) {
    for (const field of bounceHeaders) {
      if (field.name !== name) continue;
      for (const candidate of addressesIn(field.value)) {
        const verp = decodeSympaVerp(candidate);
        if (verp !== null) return verp;
      }
    }
  }
  const survey = headerValue(returnedHeaders, 'x-surveyid');
  if (survey !== null && survey !== '')
    return { scheme: 'limesurvey', surveyId: survey, tokenId: headerValue(returnedHeaders, 'x-tokenid') || null };
  // Non-MIME bounces quote the returned headers inline in their text.
  const inline = /^x-surveyid:[ \t]*(\S+)/im.exec(text);
  if (inline?.[1] !== undefined) {
    const token = /^x-tokenid:[ \t]*(\S+)/im.exec(text);
    return { scheme: 'limesurvey', surveyId: inline[1], tokenId: token?.[1] ?? null };
  }
  return null;
}
