import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What a running handler knows about its job (through {@link currentJob}). */
export interface JobContext {
  readonly id: string;
  readonly task: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** Aborts on timeout, on cancellation, on a lost lease and on forced shutdown. */
  readonly signal: AbortSignal;
  /** Reports progress (any codec-able value); resolves once recorded. */
  progress(value: unknown): Promise<void>;
  /** A logger bound to this job. */
  readonly log: Logger;
}

const STORAGE_KEY = Symbol.for('drover.jobStorage');

/**
 * @internal the storage the herd runs handlers in. Kept on `globalThis` so
 * that two copies of drover in one process (a task module importing `src/`
 * while the CLI runs from `dist/`, or two installs) share one `currentJob()`.
 */
export const jobStorage: AsyncLocalStorage<JobContext> = ((globalThis as Record<symbol, unknown>)[STORAGE_KEY] ??=
  new AsyncLocalStorage<JobContext>()) as AsyncLocalStorage<JobContext>;

/**
 * The job the calling handler is running. Throws outside a handler.
 * @example const { signal, progress } = currentJob();
 */
export function currentJob(): JobContext {
  const ctx = jobStorage.getStore();
  if (!ctx) throw new Error('currentJob() was called outside a drover task handler');
  return ctx;
}
