/**
 * A domain still being looked up after this long waits on DNS timeouts, most likely for servers that are gone (a
 * lapsed member's domain, a dead recipient domain): it goes on without holding one of the `concurrency` workers, which
 * takes the next domain. Behind a resolver that answers, a domain takes a fraction of it.
 */
export const STALL_MS = 2000;

/** Items still running after `stallMs` that go on beside the workers, at most, per worker: past that a worker waits. */
const STALLED_PER_WORKER = 4;

export interface StallingPoolOptions {
  /** Items run at once, besides those stalled. */
  concurrency: number;
  /** How long an item holds its worker: one still running after it goes on beside the others. */
  stallMs: number;
  /** Checked before each item is taken: once true, no item is taken. */
  shouldStop?: () => boolean;
  /** Called as each item is taken, with how many have been taken. */
  onStart?: (started: number) => void;
}

/**
 * Runs `task` for the items 0 to `count` - 1, in order, `concurrency` at a time. An item still running after
 * `stallMs` most likely waits on network timeouts (a domain whose servers are gone): it goes on without holding its
 * worker, which takes the next item, up to `concurrency` × STALLED_PER_WORKER such items at once. Resolves once every
 * item taken is done; rejects with the first failure of a task.
 */
export async function runStallingPool(
  count: number,
  task: (index: number) => Promise<void>,
  options: StallingPoolOptions,
): Promise<void> {
  const stalled: Promise<void>[] = [];
  let stalledNow = 0;
  const maxStalled = options.concurrency * STALLED_PER_WORKER;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && options.shouldStop?.() !== true) {
      const index = next++;
      options.onStart?.(next);
      const running = task(index);
      if (stalledNow >= maxStalled || !(await isStalled(running, options.stallMs))) {
        await running;
        continue;
      }
      stalledNow++;
      const goingOn = running.finally(() => {
        stalledNow--;
      });
      // Its failure is thrown once the pool waits for it, not reported as unhandled before.
      goingOn.catch(() => undefined);
      stalled.push(goingOn);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, count)) }, worker));
  await Promise.all(stalled);
}

/** Whether `running` is still going on after `stallMs`. */
async function isStalled(running: Promise<void>, stallMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(true);
    }, stallMs);
  });
  try {
    return await Promise.race([
      running.then(
        () => false,
        () => false,
      ),
      stall,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
