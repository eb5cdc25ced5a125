import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runStallingPool } from '../src/stalling-pool.js';

const STALL = 1000;

/** A task that takes `ms` on the (fake) clock and notes when each item starts and ends. */
function timedTask(durations: readonly number[], log: string[]): (index: number) => Promise<void> {
  return async (index) => {
    log.push(`start ${index} at ${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, durations[index]));
    log.push(`end ${index} at ${Date.now()}`);
  };
}

describe('runStallingPool()', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the items in order, concurrency at a time, while none stalls', async () => {
    const log: string[] = [];
    const pool = runStallingPool(3, timedTask([100, 300, 100], log), { concurrency: 2, stallMs: STALL });
    await vi.runAllTimersAsync();
    await pool;
    expect(log).toEqual([
      'start 0 at 0',
      'start 1 at 0',
      'end 0 at 100',
      'start 2 at 100',
      'end 2 at 200',
      'end 1 at 300',
    ]);
  });

  it('takes the next item beside one still running after stallMs', async () => {
    const log: string[] = [];
    const pool = runStallingPool(2, timedTask([3 * STALL, 100], log), { concurrency: 1, stallMs: STALL });
    await vi.runAllTimersAsync();
    await pool;
    expect(log).toEqual(['start 0 at 0', 'start 1 at 1000', 'end 1 at 1100', 'end 0 at 3000']);
  });

  it('lets four stalled items a worker go on beside it, then waits for its own', async () => {
    const log: string[] = [];
    const pool = runStallingPool(
      6,
      timedTask(
        Array.from({ length: 6 }, () => 10 * STALL),
        log,
      ),
      {
        concurrency: 1,
        stallMs: STALL,
      },
    );
    await vi.runAllTimersAsync();
    await pool;
    expect(log.filter((line) => line.startsWith('start'))).toEqual([
      'start 0 at 0',
      'start 1 at 1000',
      'start 2 at 2000',
      'start 3 at 3000',
      'start 4 at 4000',
      'start 5 at 14000',
    ]);
  });

  it('takes no item once told to stop, and waits for those taken', async () => {
    const log: string[] = [];
    let stop = false;
    const pool = runStallingPool(4, timedTask([100, 100, 100, 100], log), {
      concurrency: 1,
      stallMs: STALL,
      shouldStop: () => stop,
      onStart: (started) => {
        if (started === 2) stop = true;
      },
    });
    await vi.runAllTimersAsync();
    await pool;
    expect(log).toEqual(['start 0 at 0', 'end 0 at 100', 'start 1 at 100', 'end 1 at 200']);
  });

  it('rejects with the failure of an item that failed after it stalled, never leaving it unhandled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const pool = runStallingPool(
        2,
        async (index) => {
          await new Promise((resolve) => setTimeout(resolve, index === 0 ? 2 * STALL : 10 * STALL));
          if (index === 0) throw new Error('item 0 failed');
        },
        { concurrency: 1, stallMs: STALL },
      );
      const outcome = pool.then(
        () => 'resolved',
        (error: unknown) => (error as Error).message,
      );
      await vi.runAllTimersAsync();
      expect(await outcome).toBe('item 0 failed');
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
