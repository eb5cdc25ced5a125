import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, progressReporter, type ProgressStream } from '../../src/cli/options.js';

function fakeStream(isTTY: boolean): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    written,
    write: (text: string) => {
      written.push(text);
      return true;
    },
  };
}

describe('formatDuration()', () => {
  it.each([
    [0, '0s'],
    [44.6, '45s'],
    [185, '3m05s'],
    [3720, '1h02m'],
  ])('formatDuration(%s) is %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatProgress()', () => {
  it('shows the count alone before the first domain is done', () => {
    expect(formatProgress('check', 0, 600, 0)).toBe('check 0/600 (0%)');
  });

  it('shows the rate and the time left', () => {
    expect(formatProgress('check', 120, 600, 10_000)).toBe('check 120/600 (20%)  12.0/s  ETA 40s');
  });

  it('shows the total time once done', () => {
    expect(formatProgress('check', 600, 600, 125_000)).toBe('check 600/600 (100%)  4.8/s  done in 2m05s');
  });
});

describe('progressReporter()', () => {
  it('draws nothing off a terminal or under --quiet', () => {
    expect(progressReporter('check', { stream: fakeStream(false) })).toBeUndefined();
    expect(progressReporter('check', { stream: fakeStream(true), quiet: true })).toBeUndefined();
  });

  it('redraws one line on a terminal at most every 100 ms, always the last state, then ends the line', () => {
    const stream = fakeStream(true);
    let time = 1_000;
    const report = progressReporter('check', { stream, now: () => time });
    if (report === undefined) throw new Error('no reporter on a TTY');
    time = 1_050;
    report(1, 4);
    time = 1_100;
    report(2, 4);
    time = 1_160;
    report(3, 4);
    time = 1_170;
    report(4, 4);
    expect(stream.written).toEqual([
      '\r\u001b[Kcheck 1/4 (25%)  20.0/s  ETA 0s',
      '\r\u001b[Kcheck 3/4 (75%)  18.8/s  ETA 0s',
      '\r\u001b[Kcheck 4/4 (100%)  23.5/s  done in 0s\n',
    ]);
  });
});
