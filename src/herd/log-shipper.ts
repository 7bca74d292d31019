import type { JobLogStore } from '../core/contract/index.js';
import type { RunningJob } from './running-job.js';

/** Lines are gathered this long before they go to the broker (ms). */
const SHIP_AFTER_MS = 200;

/**
 * Takes handlers' log lines to the broker (core/contract/job-logs.ts): the
 * lines of every job that logged are sent together after a short delay, and
 * a job's last lines right before its outcome, so they are kept by the time
 * anyone sees the job finished. A broker without a log store gets nothing
 * (the lines still reach the process log); a failed send is reported, never
 * retried (logs are not jobs). Memory: a set of jobs with lines waiting.
 */
export class LogShipper {
  readonly #store: () => Partial<JobLogStore> | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #waiting = new Set<RunningJob>();
  #timer: NodeJS.Timeout | undefined;

  /** `store` is the herd's broker (once connected). */
  constructor(store: () => Partial<JobLogStore> | undefined, onError: (error: unknown) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** A job has new lines. */
  pending(job: RunningJob): void {
    this.#waiting.add(job);
    this.#timer ??= setTimeout(() => this.#shipAll(), SHIP_AFTER_MS).unref();
  }

  /** Sends the job's waiting lines now (before its outcome). */
  ship(job: RunningJob): void {
    if (!this.#waiting.delete(job)) return;
    const lines = job.takeLogLines();
    const store = this.#store();
    if (!lines || typeof store?.appendJobLogs !== 'function') return;
    store.appendJobLogs(job.lease, lines).catch(this.#onError);
  }

  /** Sends everything waiting (shutdown). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#shipAll();
  }

  #shipAll(): void {
    this.#timer = undefined;
    for (const job of [...this.#waiting]) this.ship(job);
  }
}
