import type { ErrorInfo } from '../../core/errors.js';
import { JobCancelledError, JobFailedError } from '../../core/errors.js';
import type { JobStatus, Report } from '../../core/report.js';
import type {
  EnqueueRequest,
  JobLogLine,
  JobSnapshot,
  QueueCounts,
  StoredJobOptions,
} from '../../core/contract/index.js';

/** Live counts of one queue, shared by its jobs. */
export type QueueStats = Omit<QueueCounts, 'queue'>;

/** Origin of the times a job keeps (see MemoryJob). */
const EPOCH = Date.now();
/** Largest small integer V8 keeps unboxed (31-bit, pointer compression): ≈ 12 days of ms. */
const MAX_SMALL = 0x3fffffff;

/** An epoch-ms time as ms since EPOCH, made a small integer when it fits (it always does for 12 days). */
function sinceEpoch(at: number): number {
  const ms = at - EPOCH;
  return ms <= MAX_SMALL && ms >= -MAX_SMALL ? ms | 0 : ms;
}

/** One caller of `Job.result()` waiting for the outcome. */
export interface OutcomeWaiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Most reports kept per job; past it the oldest `progress` reports are dropped. */
export const MAX_REPORTS_PER_JOB = 200;

/**
 * One job in the memory broker. A class with every field set in the
 * constructor keeps one hidden class for all jobs. Reports that can be
 * derived from the fields are not stored: `queued` comes from `createdAt`,
 * the current attempt's `active` from `startedAt`, and the terminal one from
 * the outcome, so a job that succeeds first time allocates no report at all.
 * Only what cannot be derived (earlier attempts, progress) goes in `log`.
 */
export class MemoryJob {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly args: unknown[];
  readonly priority: number;
  readonly key: string | undefined;
  readonly options: StoredJobOptions;
  readonly seq: number;
  readonly stats: QueueStats;
  status: JobStatus;
  attempt = 0;
  /** Lease token while active, else undefined. */
  token: string | undefined = undefined;
  workerId: string | undefined = undefined;
  // Times are kept as ms since EPOCH: small integers (Smis) stored in the object itself, where
  // epoch ms would each need a boxed number — five more heap objects per retained job.
  #createdAt: number;
  #runAt: number;
  #expiresAt = 0;
  #startedAt: number | undefined = undefined;
  #finishedAt: number | undefined = undefined;
  /** How many entries the finished-jobs list holds for this job (see FinishedJobs). */
  finishedEntries = 0;
  result: unknown = undefined;
  error: ErrorInfo | undefined = undefined;
  progress: unknown = undefined;
  /** Reports that cannot be derived from the fields, in order. */
  log: Report[] | undefined = undefined;
  /** Lines its handler logged (the broker keeps the last MAX_JOB_LOG_LINES). */
  handlerLogs: JobLogLine[] | undefined = undefined;
  /** True while the current attempt's `active` report is derived, not logged. */
  leased = false;
  /** See `JobIndex`: pending, indexed or removed. */
  indexState = 0;
  /** Index in the broker's active list while active, else -1. */
  activeIndex = -1;
  /** Callers of `Job.result()` waiting for the outcome: none, one, or several. */
  waiter: OutcomeWaiter | OutcomeWaiter[] | undefined = undefined;

  constructor(request: EnqueueRequest, seq: number, now: number, stats: QueueStats) {
    this.stats = stats;
    this.id = request.id;
    this.task = request.task;
    this.queue = request.queue;
    this.args = request.args;
    this.priority = request.priority;
    this.key = request.key;
    this.options = request.options;
    this.seq = seq;
    this.#createdAt = sinceEpoch(now);
    this.#runAt = sinceEpoch(now + request.delayMs);
    this.status = request.delayMs > 0 ? 'delayed' : 'queued';
  }

  /** Appends a report, bounding the log. */
  record(report: Report): void {
    const log = (this.log ??= []);
    if (log.length >= MAX_REPORTS_PER_JOB) {
      const i = log.findIndex((r) => r.status === 'progress');
      log.splice(i === -1 ? 0 : i, 1);
    }
    log.push(report);
  }

  get createdAt(): number {
    return this.#createdAt + EPOCH;
  }

  get runAt(): number {
    return this.#runAt + EPOCH;
  }

  set runAt(at: number) {
    this.#runAt = sinceEpoch(at);
  }

  get expiresAt(): number {
    return this.#expiresAt + EPOCH;
  }

  set expiresAt(at: number) {
    this.#expiresAt = sinceEpoch(at);
  }

  get startedAt(): number | undefined {
    return this.#startedAt === undefined ? undefined : this.#startedAt + EPOCH;
  }

  set startedAt(at: number | undefined) {
    this.#startedAt = at === undefined ? undefined : sinceEpoch(at);
  }

  get finishedAt(): number | undefined {
    return this.#finishedAt === undefined ? undefined : this.#finishedAt + EPOCH;
  }

  set finishedAt(at: number | undefined) {
    this.#finishedAt = at === undefined ? undefined : sinceEpoch(at);
  }

  /** True once finished (succeeded, failed or cancelled) and not re-run since. */
  get finished(): boolean {
    return this.#finishedAt !== undefined;
  }

  /** A promise of the outcome: settled now if finished, else once it finishes. */
  outcome(): Promise<unknown> {
    if (this.status === 'succeeded') return Promise.resolve(this.result);
    if (this.status === 'failed' || this.status === 'cancelled') return Promise.reject(this.#outcomeError());
    return new Promise((resolve, reject) => {
      const waiter: OutcomeWaiter = { resolve, reject };
      const current = this.waiter;
      if (current === undefined) this.waiter = waiter;
      else if (Array.isArray(current)) current.push(waiter);
      else this.waiter = [current, waiter];
    });
  }

  /** Settles every waiter once the job finished. */
  settleWaiters(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (Array.isArray(waiter)) for (const w of waiter) this.#settle(w);
    else this.#settle(waiter);
  }

  #settle(waiter: OutcomeWaiter): void {
    if (this.status === 'succeeded') waiter.resolve(this.result);
    else waiter.reject(this.#outcomeError());
  }

  #outcomeError(): Error {
    if (this.status === 'cancelled') return new JobCancelledError(this.id);
    return new JobFailedError(this.id, this.error ?? { name: 'Error', message: 'unknown error' });
  }

  /** The current attempt's `active` report. */
  activeReport(): Report {
    return { jobId: this.id, status: 'active', attempt: this.attempt, at: this.startedAt ?? this.createdAt };
  }

  /** The terminal report, once finished. */
  terminalReport(): Report | undefined {
    const at = this.finishedAt;
    if (at === undefined) return undefined;
    const base = { jobId: this.id, attempt: this.attempt, at };
    if (this.status === 'succeeded') return { ...base, status: 'succeeded', result: this.result };
    if (this.status === 'failed') return { ...base, status: 'failed', error: this.error! };
    if (this.status === 'cancelled') return { ...base, status: 'cancelled' };
    return undefined;
  }

  /** Every report so far, from `queued` on. */
  history(): Report[] {
    const out: Report[] = [{ jobId: this.id, status: 'queued', attempt: 0, at: this.createdAt }];
    if (this.log) out.push(...this.log);
    if (this.leased) out.push(this.activeReport());
    const terminal = this.terminalReport();
    if (terminal) out.push(terminal);
    return out;
  }

  snapshot(): JobSnapshot {
    return {
      id: this.id,
      task: this.task,
      queue: this.queue,
      args: this.args,
      status: this.status,
      attempt: this.attempt,
      priority: this.priority,
      key: this.key,
      options: this.options,
      progress: this.progress,
      result: this.result,
      error: this.error,
      createdAt: this.createdAt,
      runAt: this.runAt,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      workerId: this.workerId,
    };
  }
}
