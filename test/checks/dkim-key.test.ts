import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import dkimKey from '../../checks/dkim-key.js';
import { gatherDkim } from '../../src/facts/dkim.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';
import { runCheck } from './check-cases.js';

function rsaKey(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

/** Splits a value into 255-byte TXT strings, as zone files must. */
function txt(value: string): string {
  return (value.match(/.{1,255}/g) ?? []).map((chunk) => `"${chunk}"`).join(' ');
}

const KEY_2048 = rsaKey(2048);
const KEY_1024 = rsaKey(1024);
const KEY_512 = rsaKey(512);

async function run(zone: string, selectors: string[], failures: Record<string, 'timeout'> = {}) {
  const context = gatherContext(zone, { dkimSelectors: selectors }, { failures });
  const dkim = await gatherDkim(context);
  return dkimKey.run({ dkim }, { domain: 'example.org', options: domainOptions(), now: new Date(0) });
}

const ids = (output: Awaited<ReturnType<typeof run>>) => output.findings.map((finding) => finding.id);

describe('dkim-key', () => {
  it('passes a 2048-bit RSA key split over several TXT strings', async () => {
    const output = await run(`s1._domainkey.example.org. TXT ${txt(`v=DKIM1; k=rsa; p=${KEY_2048}`)}`, ['s1']);
    expect(output).toEqual({ findings: [], unknown: [] });
  });

  it('passes an Ed25519 key (RFC 8463) and follows a CNAME to a provider', async () => {
    const zone = [
      'ed._domainkey.example.org. CNAME ed.keys.provider.example.',
      `ed.keys.provider.example. TXT "v=DKIM1; k=ed25519; p=${Buffer.alloc(32, 1).toString('base64')}"`,
    ].join('\n');
    expect(ids(await run(zone, ['ed']))).toEqual([]);
  });

  it.each([
    ['dkim.not_found', 'other._domainkey.example.org. TXT "v=DKIM1; p="'],
    ['dkim.key_too_short', `s1._domainkey.example.org. TXT ${txt(`v=DKIM1; p=${KEY_512}`)}`],
    ['dkim.key_weak', `s1._domainkey.example.org. TXT ${txt(`v=DKIM1; p=${KEY_1024}`)}`],
    ['dkim.key_revoked', 's1._domainkey.example.org. TXT "v=DKIM1; k=rsa; p="'],
    ['dkim.key_invalid', 's1._domainkey.example.org. TXT "v=DKIM1; k=rsa; p=AAAAAAAA"'],
    ['dkim.testing_flag', `s1._domainkey.example.org. TXT ${txt(`v=DKIM1; t=y; p=${KEY_2048}`)}`],
  ])('reports %s', async (id, zone) => {
    const output = await run(zone, ['s1']);
    expect(ids(output)).toEqual([id]);
    expect(output.findings[0]?.subject).toBe('s1');
  });

  it('reports two TXT records at one selector as an invalid key', async () => {
    const zone = [
      `s1._domainkey.example.org. TXT ${txt(`v=DKIM1; p=${KEY_2048}`)}`,
      `s1._domainkey.example.org. TXT ${txt(`v=DKIM1; p=${KEY_1024}`)}`,
    ].join('\n');
    const output = await run(zone, ['s1']);
    expect(ids(output)).toEqual(['dkim.key_invalid']);
    expect(output.findings[0]?.evidence?.reason).toMatch(/2 TXT records/);
  });

  it('suggests the same record without t=y', async () => {
    const output = await run(`s1._domainkey.example.org. TXT ${txt(`v=DKIM1; t=y:s; p=${KEY_2048}`)}`, ['s1']);
    const suggested = output.findings[0]?.suggestedRecord ?? '';
    expect(suggested.startsWith('s1._domainkey.example.org. TXT "v=DKIM1; t=s; p=')).toBe(true);
    expect(suggested.replace(/" "/g, '')).toContain(KEY_2048);
  });

  it('reports a selector that timed out as unknown, never as not found, and still judges the others', async () => {
    const zone = `good._domainkey.example.org. TXT ${txt(`v=DKIM1; p=${KEY_1024}`)}`;
    const output = await run(zone, ['slow', 'good'], { 'slow._domainkey.example.org TXT': 'timeout' });
    expect(ids(output)).toEqual(['dkim.key_weak']);
    expect(output.unknown).toEqual([
      {
        subject: 'slow',
        cause: 'timeout',
        reason: {
          en: expect.stringMatching(/"slow\._domainkey\.example\.org" failed/) as unknown,
          fr: expect.stringMatching(/« slow\._domainkey\.example\.org » a échoué : délai dépassé/) as unknown,
        },
      },
    ]);
  });

  it('reports a selector caught in a CNAME loop as unknown', async () => {
    const zone = 'loop._domainkey.example.org. CNAME a.example.net.\na.example.net. CNAME loop._domainkey.example.org.';
    const output = await run(zone, ['loop']);
    expect(output.findings).toEqual([]);
    expect(output.unknown?.map((entry) => entry.subject)).toEqual(['loop']);
  });

  describe('at a selector delegated by CNAME to its provider', () => {
    const SELECTOR = 'selector1._domainkey.asso.example';
    const PROVIDER = 'selector1-asso-example._domainkey.asso.onmicrosoft.com';
    const delegated = (record: string) => `${SELECTOR}. CNAME ${PROVIDER}.\n${PROVIDER}. TXT ${txt(record)}`;
    const check = (zone: string) =>
      runCheck(dkimKey, { domain: 'asso.example', zone, options: { dkimSelectors: ['selector1'] } });
    const note = `("${SELECTOR}" is an alias of "${PROVIDER}": the record is published there, by whoever runs that name; change it there or ask them)`;

    it.each([
      ['dkim.key_weak', `v=DKIM1; p=${KEY_1024}`, 'DKIM key "selector1" has 1024 bits'],
      ['dkim.key_too_short', `v=DKIM1; p=${KEY_512}`, 'DKIM key "selector1" has only 512 bits'],
      ['dkim.key_revoked', 'v=DKIM1; k=rsa; p=', 'DKIM key "selector1" is revoked (empty p=)'],
      ['dkim.key_invalid', 'v=DKIM1; k=rsa; p=AAAAAAAA', 'DKIM key "selector1" cannot be used'],
    ])('says the provider publishes a key with %s, and where', async (id, record, title) => {
      const result = await check(delegated(record));
      expect(result.findings).toMatchObject([
        {
          id,
          subject: 'selector1',
          message: `${title} ${note}`,
          values: { alias: SELECTOR, canonicalName: PROVIDER, aliasNote: 'published' },
          evidence: { name: SELECTOR, alias: { name: SELECTOR, canonicalName: PROVIDER, cnames: [PROVIDER] } },
        },
      ]);
    });

    it('suggests the key without t=y at the end of the chain, never at the selector', async () => {
      const rotated = 'selector1.keys.provider.example';
      const zone = [
        `${SELECTOR}. CNAME ${PROVIDER}.`,
        `${PROVIDER}. CNAME ${rotated}.`,
        `${rotated}. TXT ${txt(`v=DKIM1; t=y; p=${KEY_2048}`)}`,
      ].join('\n');
      const result = await check(zone);
      const [finding] = result.findings;
      expect(finding).toMatchObject({
        id: 'dkim.testing_flag',
        evidence: { alias: { canonicalName: rotated, cnames: [PROVIDER, rotated] } },
      });
      expect(finding?.suggestedRecord?.startsWith(`${rotated}. TXT "v=DKIM1; p=`)).toBe(true);
      expect(finding?.message).toContain(`is an alias of "${rotated}": the record is published there`);
    });

    it('reports a CNAME whose target has no key as not found, naming the alias and its empty target', async () => {
      const result = await check(`${SELECTOR}. CNAME ${PROVIDER}.\nasso.onmicrosoft.com. TXT "v=spf1 -all"`);
      expect(result.findings).toMatchObject([
        {
          id: 'dkim.not_found',
          message: `No DKIM key at selector "selector1" ("${SELECTOR}" is an alias of "${PROVIDER}", which publishes no such record: publish it there, ask whoever runs that name, or remove the alias)`,
          values: { aliasNote: 'dangling' },
          evidence: { name: SELECTOR, alias: { canonicalName: PROVIDER, cnames: [PROVIDER] } },
        },
      ]);
    });

    it('says nothing of an alias for a selector published in place', async () => {
      const result = await check(`${SELECTOR}. TXT ${txt(`v=DKIM1; p=${KEY_1024}`)}`);
      expect(result.findings).toMatchObject([{ id: 'dkim.key_weak', message: 'DKIM key "selector1" has 1024 bits' }]);
      expect(result.findings[0]?.evidence).not.toHaveProperty('alias');
    });
  });
});
