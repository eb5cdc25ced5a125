import { describe, expect, it } from 'vitest';
import smtpStarttls from '../../checks/smtp-starttls.js';
import type { SmtpProbeFact, SmtpProbeOutcome } from '../../src/facts/smtp-probe.js';
import { domainOptions } from '../facts/mail-gather-context.js';
import { runChecks } from './check-cases.js';

// Probe outcomes are built by hand: they come from sockets, not DNS. test/integration/probes.test.ts runs the real probe.
const CERTIFICATE = {
  subject: 'CN=mx1.example.org',
  issuer: 'CN=R11',
  altNames: 'DNS:mx1.example.org',
  validFrom: 'Jan  1 00:00:00 2026 GMT',
  validTo: 'Apr  1 00:00:00 2026 GMT',
};
/** A lookup's reason, as DNS facts carry it. */
const TIMED_OUT = { en: 'A lookup timed out', fr: 'Une requête a expiré' };

const GOOD: SmtpProbeOutcome = {
  status: 'tls',
  protocol: 'TLSv1.3',
  certificate: CERTIFICATE,
  chainError: null,
  nameError: null,
};

function fact(...outcomes: SmtpProbeOutcome[]): SmtpProbeFact {
  return {
    hosts: [
      {
        exchange: 'mx1.example.org',
        addresses: {
          ok: true,
          value: outcomes.map((outcome, index) => ({ address: `192.0.2.${index + 10}`, outcome })),
        },
      },
    ],
  };
}

function run(smtpProbe: SmtpProbeFact, now = new Date(0)) {
  return smtpStarttls.run({ smtpProbe }, { domain: 'example.org', options: domainOptions({ probes: true }), now });
}

const ids = (output: ReturnType<typeof run>) =>
  output.findings.map((finding) => `${finding.id} ${finding.subject ?? ''}`);

describe('smtp-starttls', () => {
  it('passes an MX with TLS 1.3 and a trusted certificate for its name', () => {
    expect(run(fact(GOOD, GOOD))).toEqual({ findings: [], unknown: [] });
  });

  it('is not run at all when probes are off, so it never claims a pass it did not look for', async () => {
    const zone = 'example.org. MX 10 mx1.example.org.\nmx1.example.org. A 192.0.2.10';
    const off = await runChecks([smtpStarttls], { zone, options: { probes: false } });
    expect(off.checks).toEqual([]);
  });

  it.each<[string, SmtpProbeOutcome]>([
    ['smtp.unreachable', { status: 'refused', detail: 'connect ECONNREFUSED 192.0.2.10:25' }],
    ['smtp.starttls_missing', { status: 'starttls_missing', extensions: ['PIPELINING', '8BITMIME'], detail: '250' }],
    ['tls.handshake_failed', { status: 'handshake_failed', detail: 'wrong version number' }],
    ['tls.certificate_invalid', { ...GOOD, chainError: 'CERT_HAS_EXPIRED' }],
    ['tls.certificate_name_mismatch', { ...GOOD, nameError: 'Host: mx1.example.org. is not in the cert altnames' }],
    ['tls.protocol_outdated', { ...GOOD, protocol: 'TLSv1' }],
  ])('reports %s on the MX host', (id, outcome) => {
    expect(ids(run(fact(outcome)))).toEqual([`${id} mx1.example.org`]);
  });

  it('keeps the chain reason in evidence', () => {
    const [finding] = run(fact({ ...GOOD, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).findings;
    expect(finding?.evidence).toEqual({
      addresses: [{ address: '192.0.2.10', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT', certificate: CERTIFICATE }],
    });
  });

  it('reports an expired certificate for another name served over TLS 1.1 as three findings', () => {
    const outcome: SmtpProbeOutcome = { ...GOOD, protocol: 'TLSv1.1', chainError: 'CERT_HAS_EXPIRED', nameError: 'x' };
    expect(ids(run(fact(outcome)))).toEqual([
      'tls.certificate_invalid mx1.example.org',
      'tls.certificate_name_mismatch mx1.example.org',
      'tls.protocol_outdated mx1.example.org',
    ]);
  });

  it('warns of a trusted certificate ending within 14 days, with its date and the days left', () => {
    // CERTIFICATE ends on 2026-04-01 at 00:00 UTC.
    const output = run(fact(GOOD), new Date('2026-03-20T12:00:00Z'));
    expect(ids(output)).toEqual(['tls.certificate_expiring mx1.example.org']);
    expect(output.findings[0]).toMatchObject({
      values: { host: 'mx1.example.org', expiresOn: '2026-04-01' },
      evidence: { addresses: [{ address: '192.0.2.10', expiresOn: '2026-04-01', daysLeft: 11 }] },
    });
  });

  it.each([
    ['15 days before its end', '2026-03-17T00:00:00Z'],
    ['after its end, which the chain verdict reports', '2026-04-02T00:00:00Z'],
  ])('says nothing of a certificate’s end %s', (_, now) => {
    expect(run(fact(GOOD), new Date(now)).findings).toEqual([]);
  });

  it('does not warn of the end of a certificate that is not trusted anyway', () => {
    const untrusted: SmtpProbeOutcome = { ...GOOD, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT' };
    expect(ids(run(fact(untrusted), new Date('2026-03-30T00:00:00Z')))).toEqual([
      'tls.certificate_invalid mx1.example.org',
    ]);
  });

  it('titles a host whose addresses serve different certificates with the soonest end', () => {
    const later: SmtpProbeOutcome = { ...GOOD, certificate: { ...CERTIFICATE, validTo: 'Apr  5 00:00:00 2026 GMT' } };
    const [finding] = run(fact(later, GOOD), new Date('2026-03-25T00:00:00Z')).findings;
    expect(finding?.values).toMatchObject({ expiresOn: '2026-04-01' });
  });

  it('reports a fault seen on two addresses of one host once, listing both addresses', () => {
    const refused: SmtpProbeOutcome = { status: 'refused', detail: 'ECONNREFUSED' };
    const output = run(fact(refused, refused));
    expect(ids(output)).toEqual(['smtp.unreachable mx1.example.org']);
    expect(output.findings[0]?.evidence).toEqual({
      addresses: [
        { address: '192.0.2.10', reason: 'ECONNREFUSED' },
        { address: '192.0.2.11', reason: 'ECONNREFUSED' },
      ],
    });
  });

  it('reports a timeout as unknown, never as unreachable', () => {
    const detail = { en: 'no TCP answer within 10000 ms', fr: 'pas de réponse TCP en 10000 ms' };
    const output = run(fact({ status: 'unknown', step: 'connect', detail }, GOOD));
    expect(output.findings).toEqual([]);
    expect(output.unknown).toEqual([
      {
        subject: 'mx1.example.org',
        cause: 'probe',
        reason: {
          en: '192.0.2.10: connect: no TCP answer within 10000 ms',
          fr: '192.0.2.10 : connexion : pas de réponse TCP en 10000 ms',
        },
      },
    ]);
  });

  it('names the step once when the system’s message already names it', () => {
    const detail = { en: 'connect EHOSTUNREACH 192.0.2.10:25', fr: 'le serveur est injoignable (EHOSTUNREACH)' };
    const output = run(fact({ status: 'unknown', step: 'connect', detail }, GOOD));
    expect(output.unknown).toEqual([
      {
        subject: 'mx1.example.org',
        cause: 'probe',
        reason: {
          en: '192.0.2.10: connect EHOSTUNREACH 192.0.2.10:25',
          fr: '192.0.2.10 : le serveur est injoignable (EHOSTUNREACH)',
        },
      },
    ]);
  });

  it('reports a host whose addresses could not be resolved as unknown', () => {
    const output = run({
      hosts: [{ exchange: 'mx1.example.org', addresses: { ok: false, error: 'timeout', detail: TIMED_OUT } }],
    });
    expect(output).toEqual({
      findings: [],
      unknown: [{ subject: 'mx1.example.org', cause: 'timeout', reason: TIMED_OUT }],
    });
  });
});
