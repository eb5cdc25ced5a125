/**
 * The signals that stop a command gracefully: Ctrl-C on a terminal, and SIGTERM, which `kill` sends by default and
 * systemd sends to stop a unit (`systemctl stop`, TimeoutStopSec).
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/**
 * Runs `run` with a signal that the first SIGINT or SIGTERM aborts, with the signal's name as its reason, so the
 * command can finish what is in flight, record it and stop, instead of dying halfway; `onInterrupt` hears that first
 * signal, to say what happens now. Both listeners go at the first signal, so a second one of either kind ends the
 * process as it does by default (the shell then reports 130 for SIGINT, 143 for SIGTERM); they go too when `run`
 * settles.
 */
export async function withInterrupt<T>(
  run: (signal: AbortSignal) => Promise<T>,
  onInterrupt?: (name: InterruptSignal) => void,
): Promise<T> {
  const controller = new AbortController();
  const listeners = INTERRUPT_SIGNALS.map((name) => ({
    name,
    listener: (): void => {
      onSignal(name);
    },
  }));
  const stopListening = (): void => {
    for (const { name, listener } of listeners) process.removeListener(name, listener);
  };
  const onSignal = (name: InterruptSignal): void => {
    stopListening();
    controller.abort(name);
    onInterrupt?.(name);
  };
  for (const { name, listener } of listeners) process.on(name, listener);
  try {
    return await run(controller.signal);
  } finally {
    stopListening();
  }
}
