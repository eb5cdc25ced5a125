import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import dkimKey from '../../checks/dkim-key.js';
import { gatherDkim } from '../../src/facts/dkim.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';

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
        reason: expect.stringMatching(/"slow\._domainkey\.example\.org" failed/) as unknown,
      },
    ]);
  });

  it('reports a selector caught in a CNAME loop as unknown', async () => {
    const zone = 'loop._domainkey.example.org. CNAME a.example.net.\na.example.net. CNAME loop._domainkey.example.org.';
    const output = await run(zone, ['loop']);
    expect(output.findings).toEqual([]);
    expect(output.unknown?.map((entry) => entry.subject)).toEqual(['loop']);
  });
});
