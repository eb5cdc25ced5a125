import { describe, expect, it } from 'vitest';
import { withInterrupt, type InterruptSignal } from '../../src/cli/interrupt.js';

/** The listeners of both signals, to tell that withInterrupt() leaves none of its own behind. */
function listenerCounts(): number[] {
  return [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
}

// process.emit() calls the listeners as a delivered signal would, without sending one to the test process.
describe('withInterrupt()', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'aborts its signal on %s, with the signal as reason, and tells onInterrupt once',
    async (name) => {
      const heard: InterruptSignal[] = [];
      const reason = await withInterrupt(
        (signal) =>
          new Promise<unknown>((resolve) => {
            signal.addEventListener('abort', () => {
              resolve(signal.reason);
            });
            process.emit(name);
          }),
        (signalName) => heard.push(signalName),
      );
      expect(reason).toBe(name);
      expect(heard).toEqual([name]);
    },
  );

  it('stops listening to both signals at the first, so that a second one ends the process by default', async () => {
    const before = listenerCounts();
    const heard: InterruptSignal[] = [];
    await withInterrupt(
      async () => {
        expect(listenerCounts()).toEqual(before.map((count) => count + 1));
        process.emit('SIGTERM');
        expect(listenerCounts()).toEqual(before);
        process.emit('SIGINT');
        await Promise.resolve();
      },
      (name) => heard.push(name),
    );
    expect(heard).toEqual(['SIGTERM']);
  });

  it('stops listening when run settles, rejected or not, without aborting', async () => {
    const before = listenerCounts();
    let seen: AbortSignal | undefined;
    await withInterrupt((signal) => {
      seen = signal;
      return Promise.resolve();
    });
    expect(listenerCounts()).toEqual(before);
    await expect(withInterrupt(() => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect(listenerCounts()).toEqual(before);
    expect(seen?.aborted).toBe(false);
  });
});
