import { describe, expect, it } from 'vitest';
import { DEFAULT_DORMANT_CONFIG } from '../../src/dormant/dormant-config.js';
import { scoreBounces, type AddressEvent } from '../../src/dormant/score-bounces.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 12);
const config = DEFAULT_DORMANT_CONFIG.bounce;

/** An event `daysAgo` days before NOW; `h` hard bounce, `s` soft, `d` delivered, `a` auto-reply, `f` feedback. */
function ev(code: 'h' | 's' | 'd' | 'a' | 'f', daysAgo: number, reason = 'filtered'): AddressEvent {
  const kind = { h: 'bounce', s: 'bounce', d: 'delivered', a: 'autoreply', f: 'feedback' } as const;
  return {
    kind: kind[code],
    isHard: code === 'h',
    at: NOW - daysAgo * DAY,
    reason,
    statusCode: code === 'h' ? '5.1.1' : code === 's' ? '4.2.2' : null,
    diagnostic: null,
    eventId: null,
    source: 'bounce',
  };
}

/** Events written oldest first, as `"h30 h20 s10"`: code then days ago. */
function events(spec: string): AddressEvent[] {
  return spec
    .split(' ')
    .filter((word) => word !== '')
    .map((word) => ev(word[0] as 'h' | 's' | 'd' | 'a' | 'f', Number(word.slice(1))));
}

describe('scoreBounces()', () => {
  const cases: { name: string; spec: string; bouncing: boolean; score: number | null; days?: number }[] = [
    { name: 'no events', spec: '', bouncing: false, score: null },
    { name: 'three hard days over ten days', spec: 'h12 h6 h2', bouncing: true, score: 3, days: 3 },
    { name: 'three hard bounces on one day count once', spec: 'h3 h3 h3', bouncing: false, score: 1, days: 1 },
    { name: 'soft bounces weigh half', spec: 's12 s10 s8 s6 s4', bouncing: false, score: 2.5, days: 5 },
    { name: 'six soft days reach the threshold', spec: 's14 s12 s10 s8 s6 s4', bouncing: true, score: 3 },
    { name: 'a soft then hard bounce on one day counts as hard', spec: 's10 h10 h5 h2', bouncing: true, score: 3 },
    { name: 'enough score over too short a period', spec: 'h5 h4 h3', bouncing: false, score: 3 },
    { name: 'a later delivery resets the score', spec: 'h30 h20 h10 d5 h2', bouncing: false, score: 1 },
    { name: 'auto-replies never count', spec: 'a30 a20 a10 a5', bouncing: false, score: null },
    { name: 'a gap over 45 days starts again', spec: 'h150 h120 h100 h40 h20', bouncing: false, score: 2 },
    { name: 'events older than the window are not read', spec: 'h400 h300 h250 h10', bouncing: false, score: 1 },
    { name: 'a monthly newsletter bouncing three months', spec: 'h70 h40 h10', bouncing: true, score: 3 },
  ];
  it.each(cases)('$name', ({ spec, bouncing, score, days }) => {
    const judgement = scoreBounces(events(spec), config, NOW);
    expect(judgement.isBouncing).toBe(bouncing);
    expect(judgement.bounce?.score ?? null).toBe(score);
    expect(judgement.bounce?.days).toBe(days ?? judgement.bounce?.days);
  });

  it('keeps the first and last counted bounce and the last reason and status', () => {
    const list = [ev('s', 20, 'mailboxfull'), ev('h', 10, 'userunknown'), ev('h', 1, 'hostunknown')];
    const { bounce } = scoreBounces(list, config, NOW);
    expect(bounce).toMatchObject({
      firstAt: NOW - 20 * DAY,
      lastAt: NOW - DAY,
      days: 3,
      hardDays: 2,
      softDays: 1,
      lastReason: 'hostunknown',
      lastStatusCode: '5.1.1',
    });
  });

  it('reports the delivery that reset the score', () => {
    expect(scoreBounces(events('h30 d5'), config, NOW).resetByDeliveryAt).toBe(NOW - 5 * DAY);
    expect(scoreBounces(events('d5'), config, NOW).resetByDeliveryAt).toBeNull();
  });

  it('ignores every event up to the time the address was forgotten', () => {
    const judgement = scoreBounces(events('f40 h30 h20 h10 h1'), config, NOW, NOW - 15 * DAY);
    expect(judgement.complaint).toBeNull();
    expect(judgement.bounce?.score).toBe(2);
    expect(judgement.bounce?.firstAt).toBe(NOW - 10 * DAY);
    expect(judgement.isBouncing).toBe(false);
  });

  it('counts complaints whatever their age, and a delivery does not clear them', () => {
    const judgement = scoreBounces(events('f400 f3 d1'), config, NOW);
    expect(judgement.complaint).toEqual({ firstAt: NOW - 400 * DAY, lastAt: NOW - 3 * DAY, count: 2 });
  });

  it('follows the configured weights and threshold', () => {
    const strict = { ...config, hardWeight: 2, threshold: 4, minPeriodDays: 0 };
    expect(scoreBounces(events('h2 h1'), strict, NOW).isBouncing).toBe(true);
    expect(scoreBounces(events('s2 s1'), strict, NOW).isBouncing).toBe(false);
  });
});
