import type { Logger } from 'pino';
import type { LeasedJob } from '../core/contract/index.js';
import type { JobContext } from '../core/current-job.js';
import type { JobLogLine } from '../core/contract/index.js';
import { MAX_JOB_LOG_LINES } from '../core/contract/index.js';
import { captureJobLogs } from './job-log-capture.js';

/** What a running job needs from its herd (one object shared by every job: no closure per job). */
export interface RunningJobHost {
  readonly logger: Logger;
  /** Records the job's progress. */
  progress(job: RunningJob, value: unknown): Promise<void>;
  /** The job has log lines waiting: the herd takes them soon (`takeLogLines`). */
  logsPending(job: RunningJob): void;
}

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
  readonly #host: RunningJobHost;
  #log: Logger | undefined;
  /** Log lines not yet handed to the broker. */
  #lines: JobLogLine[] | undefined;

  constructor(lease: LeasedJob, host: RunningJobHost) {
    this.lease = lease;
    this.startedAt = performance.now();
    this.#host = host;
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
    if (!this.#log) {
      const { id, task, attempt } = this.lease;
      const child = this.#host.logger.child({ jobId: id, task, attempt });
      this.#log = captureJobLogs(child, attempt, (line) => this.#logged(line));
    }
    return this.#log;
  }

  /** Log lines written since the last call (at most {@link MAX_JOB_LOG_LINES}); undefined when none. */
  takeLogLines(): JobLogLine[] | undefined {
    const lines = this.#lines;
    this.#lines = undefined;
    return lines;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  progress(value: unknown): Promise<void> {
    return this.#host.progress(this, value);
  }

  #logged(line: JobLogLine): void {
    if (this.settled) return;
    if (!this.#lines) {
      this.#lines = [];
      this.#host.logsPending(this);
    }
    this.#lines.push(line);
    if (this.#lines.length > MAX_JOB_LOG_LINES) this.#lines.shift();
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
