import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseDkimKey } from '../../src/parse/parse-dkim-key.js';

function rsaSpki(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

describe('parseDkimKey()', () => {
  const key1024 = rsaSpki(1024);

  it.each([512, 1024, 2048])('parseDkimKey() measures a %i-bit RSA key', (bits) => {
    expect(parseDkimKey(`v=DKIM1; k=rsa; p=${rsaSpki(bits)}`)).toMatchObject({ keyType: 'rsa', bits, revoked: false });
  });

  it('parseDkimKey() accepts a PKCS#1 RSAPublicKey as RFC 6376 names it', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pkcs1 = publicKey.export({ format: 'der', type: 'pkcs1' }).toString('base64');
    expect(parseDkimKey(`p=${pkcs1}`).bits).toBe(1024);
  });

  it('parseDkimKey() reads an RFC 8463 Ed25519 key', () => {
    const raw = Buffer.alloc(32, 7).toString('base64');
    expect(parseDkimKey(`v=DKIM1; k=ed25519; p=${raw}`)).toMatchObject({ keyType: 'ed25519', bits: 256 });
  });

  it('parseDkimKey() tolerates whitespace inside p= (strings joined with folding)', () => {
    const spaced = `${key1024.slice(0, 40)} ${key1024.slice(40)}`;
    expect(parseDkimKey(`v=DKIM1; p=${spaced}`).bits).toBe(1024);
  });

  it('parseDkimKey() reads the testing flag among others', () => {
    expect(parseDkimKey(`v=DKIM1; t=s:y; p=${key1024}`).testing).toBe(true);
    expect(parseDkimKey(`v=DKIM1; t=s; p=${key1024}`).testing).toBe(false);
  });

  it('parseDkimKey() reports an empty p= as revoked', () => {
    expect(parseDkimKey('v=DKIM1; p=')).toMatchObject({ revoked: true, bits: null });
  });

  it.each([
    ['no p=', 'v=DKIM1; k=rsa', /"p=" tag is missing/],
    ['v= not first', `k=rsa; v=DKIM1; p=${key1024}`, /must be the first tag/],
    ['wrong version', `v=DKIM2; p=${key1024}`, /must be the first tag and equal "DKIM1"/],
    ['unknown key type', `k=dsa; p=${key1024}`, /unknown key type "k=dsa"/],
    ['not base64', 'p=@@@@', /not base64/],
    ['truncated key', `p=${key1024.slice(0, 100)}`, /not an RSA public key/],
    ['ed25519 of wrong length', `k=ed25519; p=${key1024}`, /Ed25519 key is \d+ bytes/],
    ['ed25519 SPKI under k=rsa', `k=rsa; p=${ed25519Spki()}`, /the key is "ed25519"/],
    ['duplicate tag', `p=${key1024}; p=${key1024}`, /appears twice/],
    ['tag without =', `v=DKIM1; junk; p=${key1024}`, /has no "="/],
  ])('parseDkimKey() rejects %s', (_name, text, message) => {
    expect(() => parseDkimKey(text)).toThrow(message);
  });

  it('parseDkimKey() rejects a 4 KB record of garbage without hanging', () => {
    expect(() => parseDkimKey(`p=${'A'.repeat(4095)}`)).toThrow(/base64|RSA/);
  });
});

function ed25519Spki(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}
