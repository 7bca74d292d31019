import type { Broker } from '../brokers/contract.js';
import { isTerminalReport } from '../core/report.js';

/** How a wait for a job's end finished. */
export type WaitOutcome = 'terminal' | 'timeout' | 'aborted' | 'unknown';

/**
 * Waits until the job has a terminal report, at most `timeoutMs`, or until
 * `signal` aborts (the client went away, the server is closing).
 */
export async function waitForTerminal(
  broker: Broker,
  id: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WaitOutcome> {
  if (signal.aborted) return 'aborted';
  let settle!: (outcome: WaitOutcome) => void;
  const done = new Promise<WaitOutcome>((resolve) => (settle = resolve));
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  const onAbort = (): void => settle('aborted');
  signal.addEventListener('abort', onAbort, { once: true });
  const watch = await broker
    .watch(id, (report) => {
      if (isTerminalReport(report)) settle('terminal');
    })
    .catch((error: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      throw error;
    });
  if (!watch) settle('unknown');
  else if (watch.history.some(isTerminalReport)) settle('terminal');
  const outcome = await done;
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  watch?.stop();
  return outcome;
}
