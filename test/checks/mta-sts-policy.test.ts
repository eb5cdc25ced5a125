import { describe, expect, it } from 'vitest';
import mtaStsPolicy from '../../checks/mta-sts-policy.js';
import type { MtaStsFetchOutcome, MtaStsPolicyFact } from '../../src/facts/mta-sts-policy.js';
import { gatherMtaStsPolicy } from '../../src/facts/mta-sts-policy.js';
import { domainOptions, gatherContext } from '../facts/mail-gather-context.js';
import { runChecks } from './check-cases.js';

// Fetch outcomes are built by hand: they come from HTTPS, not DNS. test/integration/probes.test.ts runs the real fetch.
const URL = 'https://mta-sts.example.org/.well-known/mta-sts.txt';

function checked(outcome: MtaStsFetchOutcome, mx = ['mx1.example.org', 'mx2.example.net']): MtaStsPolicyFact {
  return { status: 'checked', url: URL, outcome, mx };
}

function run(fact: MtaStsPolicyFact) {
  return mtaStsPolicy.run(
    { mtaStsPolicy: fact },
    { domain: 'example.org', options: domainOptions({ probes: true }), now: new Date(0) },
  );
}

const ids = (output: ReturnType<typeof run>) => output.findings.map((f) => `${f.id} ${f.subject ?? ''}`.trim());

describe('mta-sts-policy', () => {
  it('passes a policy whose patterns cover every MX, wildcards included', () => {
    const policy = { mode: 'enforce' as const, maxAge: 604800, mx: ['mx1.example.org', '*.example.net'] };
    expect(run(checked({ status: 'fetched', policy, certificateValidTo: null }))).toEqual({ findings: [] });
  });

  it.each<[string, MtaStsFetchOutcome, string[]]>([
    [
      'mta_sts.policy_unreachable',
      { status: 'unreachable', reason: 'HTTP 301 to "https://www.example.org/"' },
      ['mta_sts.policy_unreachable'],
    ],
    [
      'mta_sts.policy_invalid',
      { status: 'invalid', reason: 'Cannot parse MTA-STS policy: "mode:" is missing' },
      ['mta_sts.policy_invalid'],
    ],
    [
      'mta_sts.mx_mismatch',
      {
        status: 'fetched',
        policy: { mode: 'testing', maxAge: 86400, mx: ['mx1.example.org'] },
        certificateValidTo: null,
      },
      ['mta_sts.mx_mismatch mx2.example.net'],
    ],
  ])('reports %s', (_id, outcome, expected) => {
    expect(ids(run(checked(outcome)))).toEqual(expected);
  });

  it('ignores the mx list of a policy in mode none', () => {
    const outcome: MtaStsFetchOutcome = {
      status: 'fetched',
      policy: { mode: 'none', maxAge: 0, mx: [] },
      certificateValidTo: null,
    };
    expect(run(checked(outcome)).findings).toEqual([]);
  });

  it('warns of a policy host certificate ending within 14 days, and not of one ending later', () => {
    const policy = { mode: 'enforce' as const, maxAge: 604800, mx: ['mx1.example.org', '*.example.net'] };
    const outcome: MtaStsFetchOutcome = { status: 'fetched', policy, certificateValidTo: 'Apr  1 00:00:00 2026 GMT' };
    const at = (now: string) =>
      mtaStsPolicy.run(
        { mtaStsPolicy: checked(outcome) },
        { domain: 'example.org', options: domainOptions({ probes: true }), now: new Date(now) },
      );
    expect(at('2026-03-25T00:00:00Z').findings).toEqual([
      {
        id: 'mta_sts.certificate_expiring',
        subject: 'mta-sts.example.org',
        values: { host: 'mta-sts.example.org', expiresOn: '2026-04-01' },
        evidence: { url: URL, validTo: 'Apr  1 00:00:00 2026 GMT', expiresOn: '2026-04-01', daysLeft: 7 },
      },
    ]);
    expect(at('2026-03-01T00:00:00Z').findings).toEqual([]);
  });

  it('reports a fetch timeout as unknown', () => {
    const reason = { en: 'no answer within 15000 ms', fr: 'pas de réponse en 15000 ms' };
    expect(run(checked({ status: 'unknown', reason }))).toEqual({
      findings: [],
      unknown: [{ subject: URL, cause: 'probe', reason }],
    });
  });

  it('reports nothing when there is no record', () => {
    expect(run({ status: 'no_record' })).toEqual({ findings: [] });
  });

  it('gatherMtaStsPolicy() fetches nothing without an _mta-sts record', async () => {
    const zone = 'example.org. MX 10 mx1.example.org.';
    expect(await gatherMtaStsPolicy(gatherContext(zone, { probes: true }))).toEqual({ status: 'no_record' });
  });

  it('is not run at all when probes are off: no policy fetched, no pass claimed', async () => {
    const zone = 'example.org. MX 10 mx1.example.org.\n_mta-sts.example.org. TXT "v=STSv1; id=1"';
    const off = await runChecks([mtaStsPolicy], { zone, options: { probes: false } });
    expect(off.checks).toEqual([]);
  });

  it('gatherMtaStsPolicy() finds the policy unreachable when its host has no address', async () => {
    const zone = 'example.org. MX 10 mx1.example.org.\n_mta-sts.example.org. TXT "v=STSv1; id=1"';
    expect(await gatherMtaStsPolicy(gatherContext(zone, { probes: true }))).toEqual(
      checked({ status: 'unreachable', reason: '"mta-sts.example.org" has no address' }, ['mx1.example.org']),
    );
  });

  it('gatherMtaStsPolicy() fails the fact when the record lookup times out', async () => {
    const context = gatherContext('', { probes: true }, { failures: { '_mta-sts.example.org TXT': 'timeout' } });
    await expect(gatherMtaStsPolicy(context)).rejects.toThrow(/timeout/);
  });
});
