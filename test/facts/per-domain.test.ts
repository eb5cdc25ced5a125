import { describe, expect, it } from 'vitest';
import { gatherBlocklists } from '../../src/facts/blocklists.js';
import { gatherDane } from '../../src/facts/mail-tls-records.js';
import { gatherMx } from '../../src/facts/mx.js';
import { perDomain } from '../../src/facts/per-domain.js';
import { gatherContext } from './mail-gather-context.js';

const ZONE = ['example.org. MX 10 mx.example.org.', 'mx.example.org. A 192.0.2.1'].join('\n');

describe('perDomain', () => {
  it('perDomain() runs the work once per context and key', async () => {
    const context = gatherContext(ZONE);
    let calls = 0;
    const work = (): Promise<number> => Promise.resolve(++calls);
    expect(await perDomain(context, 'k', work)).toBe(1);
    expect(await perDomain(context, 'k', work)).toBe(1);
    expect(await perDomain(context, 'other', work)).toBe(2);
    expect(await perDomain(gatherContext(ZONE), 'k', work)).toBe(3);
  });

  it('perDomain() lets the mx, dane and blocklists gatherers share one MX and address lookup', async () => {
    const context = gatherContext(ZONE, { sendingIps: [] });
    await Promise.all([gatherMx(context), gatherDane(context), gatherBlocklists(context)]);
    expect(context.queries.filter((query) => query === 'example.org MX')).toHaveLength(1);
    expect(context.queries.filter((query) => query === 'mx.example.org A')).toHaveLength(1);
  });
});
