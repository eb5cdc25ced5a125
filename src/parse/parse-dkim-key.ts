import { createPublicKey } from 'node:crypto';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';

/** RFC 6376 3.1: a selector is dot-separated sub-domain labels. */
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Whether `text` can be a DKIM selector (RFC 6376 3.1), the name under `_domainkey` where a key is published. */
export function isDkimSelector(text: string): boolean {
  return SELECTOR.test(text);
}

/** Key types facteur can size: RSA (RFC 6376 3.6.1) and Ed25519 (RFC 8463 4.2). */
export type DkimKeyType = 'rsa' | 'ed25519';

/** A DKIM key record (RFC 6376 3.6.1), read far enough to judge the key. */
export interface DkimKey {
  keyType: DkimKeyType;
  /** RSA modulus length or Ed25519's fixed 256 bits; null when the key is revoked. */
  bits: number | null;
  /** `t=y`: verifiers treat failures as if the message were unsigned (RFC 6376 3.6.1). */
  testing: boolean;
  /** Empty `p=`: the key was revoked (RFC 6376 3.6.1). */
  revoked: boolean;
  tags: Record<string, string>;
}

// RFC 8463 4.2: an Ed25519 p= is the raw 32-byte public key, not a SubjectPublicKeyInfo.
const ED25519_KEY_BYTES = 32;

/** The error of a record that cannot be parsed: `what` names it ("the DKIM key…"), `fault` says why. */
export function cannotParse(what: Text, fault: Text): InputError {
  return new InputError({
    en: `Cannot parse ${what.en}: ${fault.en}`,
    fr: `Impossible d’analyser ${what.fr} : ${fault.fr}`,
  });
}

/** Splits an RFC 6376 3.2 tag-list; a repeated tag makes the record invalid. */
export function parseTagList(text: string, what: Text): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0)
      throw cannotParse(what, {
        en: `tag "${part.trim()}" has no "="`,
        fr: `la balise « ${part.trim()} » n’a pas de « = »`,
      });
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      throw cannotParse(what, { en: `bad tag name "${name}"`, fr: `nom de balise « ${name} » invalide` });
    if (Object.hasOwn(tags, name))
      throw cannotParse(what, { en: `tag "${name}" appears twice`, fr: `la balise « ${name} » apparaît deux fois` });
    tags[name] = part.slice(eq + 1).trim();
  }
  return tags;
}

/** Parses a DKIM key record (TXT strings already joined) and measures its key; throws InputError when unusable. */
export function parseDkimKey(text: string): DkimKey {
  const what: Text = { en: 'DKIM key record', fr: 'l’enregistrement de clé DKIM' };
  const tags = parseTagList(text, what);
  // RFC 6376 3.6.1: v= is optional, but when present it must be the first tag and be "DKIM1".
  const first = Object.keys(tags)[0];
  if (tags.v !== undefined && (first !== 'v' || tags.v !== 'DKIM1'))
    throw cannotParse(what, {
      en: `"v=${tags.v}" must be the first tag and equal "DKIM1"`,
      fr: `« v=${tags.v} » doit être la première balise et valoir « DKIM1 »`,
    });
  const p = tags.p;
  if (p === undefined)
    throw cannotParse(what, { en: `the required "p=" tag is missing`, fr: `la balise obligatoire « p= » est absente` });
  const keyTypeTag = (tags.k ?? 'rsa').toLowerCase();
  if (keyTypeTag !== 'rsa' && keyTypeTag !== 'ed25519')
    throw cannotParse(what, {
      en: `unknown key type "k=${tags.k ?? ''}"`,
      fr: `type de clé « k=${tags.k ?? ''} » inconnu`,
    });
  const keyType: DkimKeyType = keyTypeTag;
  const testing = (tags.t ?? '').split(':').some((flag) => flag.trim().toLowerCase() === 'y');
  const base64 = p.replace(/\s+/g, '');
  if (base64 === '') return { keyType, bits: null, testing, revoked: true, tags };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0)
    throw cannotParse(what, { en: `"p=" is not base64`, fr: `« p= » n’est pas en base64` });
  const der = Buffer.from(base64, 'base64');
  if (keyType === 'ed25519') {
    if (der.length !== ED25519_KEY_BYTES)
      throw cannotParse(what, {
        en: `Ed25519 key is ${der.length} bytes, expected ${ED25519_KEY_BYTES}`,
        fr: `la clé Ed25519 fait ${der.length} octets au lieu de ${ED25519_KEY_BYTES}`,
      });
    return { keyType, bits: 256, testing, revoked: false, tags };
  }
  return { keyType, bits: rsaModulusBits(der), testing, revoked: false, tags };
}

// RFC 6376 3.6.1 names RSAPublicKey, but signers publish SubjectPublicKeyInfo (what OpenSSL prints); accept both.
function rsaModulusBits(der: Buffer): number {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType !== 'rsa')
        throw new InputError({
          en: `Cannot parse DKIM key record: "k=rsa" but the key is "${key.asymmetricKeyType ?? '?'}"`,
          fr: `Impossible d’analyser l’enregistrement de clé DKIM : « k=rsa » mais la clé est de type « ${key.asymmetricKeyType ?? '?'} »`,
        });
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (bits !== undefined) return bits;
    } catch (error) {
      if (error instanceof InputError) throw error;
    }
  }
  throw new InputError({
    en: 'Cannot parse DKIM key record: "p=" is not an RSA public key',
    fr: 'Impossible d’analyser l’enregistrement de clé DKIM : « p= » n’est pas une clé publique RSA',
  });
}
