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

/** Finds the VERP of a bounce: Sympa's in its envelope headers, else LimeSurvey's in the returned message. */
export function findVerp(
  bounceHeaders: readonly HeaderField[],
  returnedHeaders: readonly HeaderField[],
  text: string,
): VerpInfo | null {
  for (const name of ENVELOPE_HEADERS) {
    for (const field of bounceHeaders) {
      if (field.name !== name) continue;
      for (const candidate of field.value.match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? []) {
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
