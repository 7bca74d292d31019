import type { Logger } from 'pino';
import type { Chief } from '../chief/index.js';

/** Resolves once `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** How a supervised process ended. */
export interface SupervisedExit {
  /** 0 after a clean stop; 1 if a service failed, was abandoned, or the stop was forced. */
  code: number;
  /** What the first essential service that failed threw (it stopped everything). */
  error: unknown;
}

/**
 * Runs a Chief as the process's top level (`runAll`: SIGINT/SIGTERM graceful,
 * a second one forced). When an essential service fails for good — the API
 * cannot bind its port, the worker cannot authenticate — the whole Chief
 * stops, since the process is useless without it.
 */
export async function supervise(chief: Chief, logger: Logger, essential: readonly string[]): Promise<SupervisedExit> {
  let error: unknown;
  chief.on('crash', (crash) => {
    if (crash.restartInMs !== undefined || !essential.includes(crash.name)) return;
    error ??= crash.error;
    logger.debug({ service: crash.name }, 'an essential service failed: stopping the others');
    void chief.stop();
  });
  const summary = await chief.runAll();
  const clean = summary.failed.length === 0 && summary.abandoned.length === 0 && !summary.forced;
  return { code: clean && error === undefined ? 0 : 1, error };
}
