import type { Logger } from 'pino';
import type { LeasedJob } from '../core/contract/index.js';
import type { JobContext } from '../core/current-job.js';

/**
 * One attempt in the herd, and the `currentJob()` a handler sees.
 *
 * States: running ──outcome recorded (or skipped)──▶ settled;
 * independently, the handler returns (`returned`). The herd's slot is freed
 * only when both hold, so a timed-out handler that ignores its signal still
 * counts against the concurrency until it really returns (G5).
 *
 * The AbortController and the logger are made only when a handler asks,
 * which keeps a no-op job cheap.
 */
export class RunningJob implements JobContext {
  readonly lease: LeasedJob;
  readonly startedAt: number;
  settled = false;
  returned = false;
  timer: NodeJS.Timeout | undefined;
  /** Index in the herd's running list, -1 once freed. */
  index = -1;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  readonly #progress: (job: RunningJob, value: unknown) => Promise<void>;
  readonly #logger: Logger;
  #log: Logger | undefined;

  constructor(lease: LeasedJob, logger: Logger, progress: (job: RunningJob, value: unknown) => Promise<void>) {
    this.lease = lease;
    this.startedAt = performance.now();
    this.#logger = logger;
    this.#progress = progress;
  }

  get id(): string {
    return this.lease.id;
  }

  get task(): string {
    return this.lease.task;
  }

  get attempt(): number {
    return this.lease.attempt;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get log(): Logger {
    this.#log ??= this.#logger.child({ jobId: this.lease.id, task: this.lease.task, attempt: this.lease.attempt });
    return this.#log;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  progress(value: unknown): Promise<void> {
    return this.#progress(this, value);
  }

  /** Aborts the handler's signal (once). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** Seconds since the attempt started. */
  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }
}
