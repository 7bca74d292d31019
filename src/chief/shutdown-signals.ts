/** The signals `runAll()` handles by default. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(['SIGINT', 'SIGTERM']);

/**
 * Calls `handler` on each of `signals`, with how many such signals came so
 * far (1 for the first). While installed, the signals no longer kill the
 * process: the handler decides. Returns a function that removes the
 * listeners again (idempotent).
 */
export function onShutdownSignals(
  signals: readonly NodeJS.Signals[],
  handler: (signal: NodeJS.Signals, count: number) => void,
): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals): void => {
    count += 1;
    handler(signal, count);
  };
  for (const signal of signals) process.on(signal, listener);
  return () => {
    for (const signal of signals) process.off(signal, listener);
  };
}
