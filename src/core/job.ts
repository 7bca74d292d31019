import type { Broker, JobSnapshot } from './contract/index.js';
import { JobCancelledError, JobFailedError, JobNotFoundError, TimeoutError } from './errors.js';
import type { Report } from './report.js';
import { isTerminalReport } from './report.js';
import { checkMs } from './validate.js';

/** Options of {@link Job.result}. */
export interface ResultOptions {
  /** Reject with TimeoutError after this many ms. @default wait forever */
  timeout?: number;
}

/** @internal where a job handle reaches its broker (the app). */
export interface JobSource {
  broker(): Promise<Broker>;
  /** The broker once connected, undefined before and once closing. */
  readonly connectedBroker: Broker | undefined;
}

/**
 * A handle on one job. Cheap: it holds an id and a way to reach the broker,
 * never the job's data, so millions of handles cost little.
 */
export class Job<R = unknown> {
  /** The job's id. */
  readonly id: string;
  /** The task's name. */
  readonly task: string;
  readonly #source: JobSource;
  /** What the broker's enqueue returned as `hint`, handed back to its `outcome()`. */
  readonly #hint: unknown;

  /** @internal made by the app */
  constructor(id: string, task: string, source: JobSource, hint?: unknown) {
    this.id = id;
    this.task = task;
    this.#source = source;
    this.#hint = hint;
  }

  /** Everything the broker knows about the job; JobNotFoundError if unknown or expired. */
  async status(): Promise<JobSnapshot> {
    const snapshot = await (await this.#source.broker()).getJob(this.id);
    if (!snapshot) throw new JobNotFoundError(this.id);
    return snapshot;
  }

  /**
   * Waits for the job's outcome: its result, or JobFailedError,
   * JobCancelledError, TimeoutError (after `timeout` ms), JobNotFoundError.
   */
  result(options?: ResultOptions): Promise<R> {
    // Fast path (in-process brokers): one waiter on the job, no reports built, no lookup by id.
    const direct = this.#source.connectedBroker;
    if (direct?.outcome !== undefined && options?.timeout === undefined) {
      const outcome = direct.outcome(this.id, this.#hint) as Promise<R> | undefined;
      return outcome ?? Promise.reject(new JobNotFoundError(this.id));
    }
    return this.#watchResult(options ?? {});
  }

  async #watchResult(options: ResultOptions): Promise<R> {
    const timeout = options.timeout === undefined ? undefined : checkMs('timeout', options.timeout);
    const broker = await this.#source.broker();
    return new Promise<R>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let stop: (() => void) | undefined;
      let done = false;
      const settle = (report: Report): void => {
        if (done || !isTerminalReport(report)) return;
        done = true;
        if (timer) clearTimeout(timer);
        stop?.();
        if (report.status === 'succeeded') resolve(report.result as R);
        else if (report.status === 'cancelled') reject(new JobCancelledError(this.id));
        else reject(new JobFailedError(this.id, report.error ?? { name: 'Error', message: 'unknown error' }));
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          if (done) return;
          done = true;
          stop?.();
          reject(new TimeoutError(`Job ${this.id} gave no result within ${timeout} ms`, { jobId: this.id }));
        }, timeout);
      }
      broker.watch(this.id, settle).then(
        (watch) => {
          if (!watch) {
            if (!done) {
              done = true;
              if (timer) clearTimeout(timer);
              reject(new JobNotFoundError(this.id));
            }
            return;
          }
          stop = () => watch.stop();
          if (done) return watch.stop();
          for (const report of watch.history) settle(report);
        },
        (error: unknown) => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Every report of the job from `queued` on, then live ones; ends after the terminal one. */
  async *reports(): AsyncGenerator<Report, void, undefined> {
    const broker = await this.#source.broker();
    const buffer: Report[] = [];
    let wake: (() => void) | undefined;
    const watch = await broker.watch(this.id, (report) => {
      buffer.push(report);
      wake?.();
    });
    if (!watch) throw new JobNotFoundError(this.id);
    try {
      buffer.unshift(...watch.history);
      for (;;) {
        while (buffer.length > 0) {
          const report = buffer.shift()!;
          yield report;
          if (isTerminalReport(report)) return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      watch.stop();
    }
  }

  /** Cancels the job: a queued job is removed; an active one's signal aborts. Resolves true if it changed anything. */
  async cancel(): Promise<boolean> {
    const outcome = await (await this.#source.broker()).cancel(this.id);
    if (outcome === 'not_found') throw new JobNotFoundError(this.id);
    return outcome === 'cancelled' || outcome === 'aborted';
  }
}
