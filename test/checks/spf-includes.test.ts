import { describe, expect, it } from 'vitest';
import spfIncludes from '../../checks/spf-includes.js';
import { checkCases, runCheck } from './check-cases.js';

const LOOP = `
example.org. TXT "v=spf1 include:a.example.net -all"
a.example.net. TXT "v=spf1 redirect=b.example.net"
b.example.net. TXT "v=spf1 include:a.example.net"
`;

describe('spf-includes', () => {
  checkCases(spfIncludes, {
    pass: [
      {
        name: 'include and redirect that resolve',
        zone: 'example.org. TXT "v=spf1 include:a.example.net redirect=b.example.net"\na.example.net. TXT "v=spf1 -all"\nb.example.net. TXT "v=spf1 -all"',
      },
      {
        name: 'the same include twice is no loop',
        zone: 'example.org. TXT "v=spf1 include:a.example.net include:a.example.net -all"\na.example.net. TXT "v=spf1 -all"',
      },
      { name: 'no SPF at all (spf-record reports it)', zone: 'www.example.org. A 192.0.2.1' },
    ],
    fail: [
      {
        name: 'include of a name that does not exist',
        zone: 'example.org. TXT "v=spf1 include:gone.example.net -all"',
        ids: ['spf.include_not_found'],
      },
      {
        name: 'redirect to a name without SPF',
        zone: 'example.org. TXT "v=spf1 redirect=a.example.net"\na.example.net. TXT "hello"',
        ids: ['spf.include_not_found'],
      },
      { name: 'include and redirect that loop', zone: LOOP, ids: ['spf.redirect_loop'] },
      {
        name: 'record that includes itself',
        zone: 'example.org. TXT "v=spf1 include:example.org -all"',
        ids: ['spf.redirect_loop'],
      },
    ],
    unknown: [
      {
        name: 'include lookup timed out',
        zone: 'example.org. TXT "v=spf1 include:a.example.net -all"',
        failures: { 'a.example.net TXT': 'timeout' },
      },
    ],
  });

  it('names where the broken include sits', async () => {
    const result = await runCheck(spfIncludes, { zone: 'example.org. TXT "v=spf1 include:gone.example.net -all"' });
    expect(result.findings[0]).toMatchObject({
      subject: 'gone.example.net',
      evidence: { via: 'include', from: 'example.org' },
      message: 'The include "gone.example.net" in the SPF record of "example.org" finds no SPF record',
    });
  });

  it('reports a target reached from two branches once', async () => {
    const result = await runCheck(spfIncludes, {
      zone: 'example.org. TXT "v=spf1 include:gone.example.net include:gone.example.net -all"',
    });
    expect(result.findings).toHaveLength(1);
  });
});
