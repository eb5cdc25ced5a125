import { describe, expect, it } from 'vitest';
import { deadDomainEvidence, observeDomain, type MailDomainState } from '../../src/dormant/domain-verdict.js';
import type { DomainStatus } from '../../src/dormant/probe-mail-domain.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

/** Folds observations given as `status@hours` into a domain state. */
function observe(spec: string): MailDomainState | null {
  let state: MailDomainState | null = null;
  for (const word of spec.split(' ')) {
    const [status = '', hours = '0'] = word.split('@');
    state = observeDomain(
      state,
      { domain: 'gone.example', status: status as DomainStatus, detail: null, failure: null },
      T0 + Number(hours) * HOUR,
    );
  }
  return state;
}

describe('deadDomainEvidence()', () => {
  const cases: { name: string; spec: string; dead: boolean }[] = [
    { name: 'one bad night is not enough', spec: 'nxdomain@0', dead: false },
    { name: 'two bad runs the same night are not enough', spec: 'nxdomain@0 nxdomain@6', dead: false },
    { name: 'two bad runs a day apart confirm', spec: 'nxdomain@0 nxdomain@24', dead: true },
    { name: 'a good answer in between starts again', spec: 'nxdomain@0 ok@12 nxdomain@24', dead: false },
    { name: 'a timeout in between neither confirms nor clears', spec: 'null_mx@0 unknown@24 null_mx@48', dead: true },
    { name: 'timeouts alone never condemn', spec: 'unknown@0 unknown@24 unknown@48', dead: false },
    { name: 'a good answer after confirmation clears', spec: 'no_mail_host@0 no_mail_host@30 ok@50', dead: false },
    { name: 'statuses of a bad run may differ', spec: 'nxdomain@0 no_mail_host@25', dead: true },
  ];
  it.each(cases)('$name', ({ spec, dead }) => {
    const state = observe(spec);
    expect(state === null ? null : deadDomainEvidence(state, 24) !== null).toBe(dead);
  });

  it('gives the first and last bad observations, their count and the last good one', () => {
    const state = observe('ok@0 nxdomain@10 unknown@20 nxdomain@40 nxdomain@70')!;
    expect(deadDomainEvidence(state, 24)).toEqual({
      status: 'nxdomain',
      firstSeenAt: T0 + 10 * HOUR,
      lastSeenAt: T0 + 70 * HOUR,
      observations: 3,
      lastOkAt: T0,
    });
    expect(state.lastUnknownAt).toBe(T0 + 20 * HOUR);
  });
});
