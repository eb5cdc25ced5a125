import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_DOMAINS, startValidatingChain, type ValidatingChain } from './helpers/dnssec-chain.js';
import { facteur } from './helpers/facteur.js';

interface JsonReport {
  domains: {
    domain: string;
    checks: { check: string; status: string; findings: { id: string }[]; unknown: { reason: string }[] }[];
  }[];
}

/**
 * Through Unbound validating from a trust anchor, as a hoster's own resolver does: Knot signs the zones, and the
 * failures are those of real life (a DS no key matches, a DS left behind by a move to an unsigned DNS host).
 */
describe('facteur check through a validating resolver (Unbound, zones signed by Knot)', () => {
  let chain: ValidatingChain;
  let report: JsonReport;
  let code: number | null;

  beforeAll(async () => {
    chain = await startValidatingChain();
    const run = await facteur([
      'check',
      ...Object.values(CHAIN_DOMAINS),
      '--resolver',
      chain.resolver,
      '--no-probes',
      '--dnsbl',
      '',
      '--rhsbl',
      '',
      '--dkim-selectors',
      'mail',
      '--json',
      '--no-db',
    ]);
    code = run.code;
    report = JSON.parse(run.stdout) as JsonReport;
  });

  afterAll(async () => {
    await chain.stop();
  });

  const checkOf = (domain: string, check: string) =>
    report.domains.find((entry) => entry.domain === domain)?.checks.find((entry) => entry.check === check);
  const ids = (domain: string, check: string) => checkOf(domain, check)?.findings.map((finding) => finding.id);

  it('passes the chain of a signed zone and trusts its TLSA records', () => {
    expect(checkOf(CHAIN_DOMAINS.good, 'dnssec-chain')?.status).toBe('pass');
    expect(checkOf(CHAIN_DOMAINS.good, 'dane-tlsa')?.status).toBe('pass');
    expect(checkOf(CHAIN_DOMAINS.good, 'mx-records')?.status).not.toBe('unknown');
  });

  it('names a DS no key matches and a DS without keys, which the resolver answers with SERVFAIL', () => {
    expect(ids(CHAIN_DOMAINS.broken, 'dnssec-chain')).toEqual(['dnssec.ds_mismatch']);
    expect(ids(CHAIN_DOMAINS.stale, 'dnssec-chain')).toEqual(['dnssec.ds_without_dnskey']);
    // Everything else of those zones is bogus to the resolver: undecided, never "missing".
    expect(checkOf(CHAIN_DOMAINS.broken, 'mx-records')?.status).toBe('unknown');
    expect(checkOf(CHAIN_DOMAINS.stale, 'spf-record')?.status).toBe('unknown');
    expect(code).toBe(1);
  });

  it('tells an unsigned zone, whose TLSA records protect nothing', () => {
    expect(ids(CHAIN_DOMAINS.plain, 'dnssec-chain')).toEqual(['dnssec.unsigned']);
    expect(ids(CHAIN_DOMAINS.plain, 'dane-tlsa')).toEqual(['dane.tlsa_unsigned']);
  });
});
