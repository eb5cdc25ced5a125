import { describe, expect, it } from 'vitest';
import { renderIgnoredRun, type IgnoredRun } from '../../../src/cli/commands/changes.js';

const stopped: IgnoredRun = {
  id: 3,
  startedAt: '2026-12-06T02:00:00.000Z',
  finishedAt: '2026-12-06T02:05:00.000Z',
  findings: { error: 0, warning: 0, info: 0 },
  status: 'incomplete',
  uncheckedDomains: [
    { domain: 'theatre.example', member: 'Théâtre du Port' },
    { domain: 'atelier.example', member: null },
  ],
};

describe('renderIgnoredRun()', () => {
  it('renderIgnoredRun() names the domains an interrupted run never checked, after the run', () => {
    expect(renderIgnoredRun(stopped, 'en')).toBe(
      'facteur: Warning: run 3 started at 2026-12-06 02:00 UTC is incomplete and was ignored\n' +
        'facteur: It was stopped before checking 2 domains: theatre.example (Théâtre du Port), atelier.example\n',
    );
  });

  it('renderIgnoredRun() says it in French', () => {
    expect(renderIgnoredRun(stopped, 'fr')).toBe(
      'facteur : Attention : le passage 3 commencé le 2026-12-06 02:00 UTC est incomplet et a été ignoré\n' +
        'facteur : Il a été arrêté avant de vérifier 2 domaines : theatre.example (Théâtre du Port), atelier.example\n',
    );
  });

  it('renderIgnoredRun() names the first 20 and counts the others', () => {
    const many = Array.from({ length: 25 }, (_, n) => ({ domain: `d${n + 1}.example`, member: null }));
    const text = renderIgnoredRun({ ...stopped, uncheckedDomains: many }, 'en');
    const named = many.slice(0, 20).map((entry) => entry.domain);
    expect(text).toContain(
      `facteur: It was stopped before checking 25 domains: ${named.join(', ')} and 5 others (--json lists them all)\n`,
    );
    expect(text).not.toContain('d21.example');
  });

  it.each([
    ['not known (killed, or an older record)', null],
    ['empty (incomplete for another reason: a bad members row)', []],
  ])('renderIgnoredRun() says only that the run was ignored when its unchecked domains are %s', (_name, unchecked) => {
    expect(renderIgnoredRun({ ...stopped, uncheckedDomains: unchecked }, 'en')).toBe(
      'facteur: Warning: run 3 started at 2026-12-06 02:00 UTC is incomplete and was ignored\n',
    );
  });
});
