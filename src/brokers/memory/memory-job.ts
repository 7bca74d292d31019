import type { ErrorInfo } from '../../core/errors.js';
import type { JobStatus, Report } from '../../core/report.js';
import type { EnqueueRequest, JobSnapshot, QueueCounts, StoredJobOptions } from '../../core/contract/index.js';

/** Live counts of one queue, shared by its jobs. */
export type QueueStats = Omit<QueueCounts, 'queue'>;

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
  createdAt: number;
  runAt: number;
  status: JobStatus;
  attempt = 0;
  /** Lease token while active, else undefined. */
  token: string | undefined = undefined;
  expiresAt = 0;
  workerId: string | undefined = undefined;
  startedAt: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  result: unknown = undefined;
  error: ErrorInfo | undefined = undefined;
  progress: unknown = undefined;
  /** Reports that cannot be derived from the fields, in order. */
  log: Report[] | undefined = undefined;
  /** True while the current attempt's `active` report is derived, not logged. */
  leased = false;
  /** See `JobIndex`: pending, indexed or removed. */
  indexState = 0;
  /** Index in the broker's active list while active, else -1. */
  activeIndex = -1;

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
    this.createdAt = now;
    this.runAt = now + request.delayMs;
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
