/**
 * Runs `run` with a signal that Ctrl-C (SIGINT) aborts, so the command can finish what is in flight, record it and
 * stop, instead of dying halfway; the listener is removed when `run` settles, and a second Ctrl-C kills as usual.
 */
export async function withSigint<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
