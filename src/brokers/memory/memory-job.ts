import type { ErrorInfo } from '../../core/errors.js';
import type { JobStatus, Report } from '../../core/report.js';
import type { EnqueueRequest, JobSnapshot, StoredJobOptions } from '../contract.js';

/** Most reports kept per job; past it the oldest `progress` reports are dropped. */
export const MAX_REPORTS_PER_JOB = 200;

/**
 * One job in the memory broker. A class with every field set in the
 * constructor keeps one hidden class for all jobs, and a queued job holds no
 * report objects at all: its `queued` report is derived from `createdAt`.
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
  /** Reports after `queued`, made only once the job moves. */
  log: Report[] | undefined = undefined;

  constructor(request: EnqueueRequest, seq: number, now: number) {
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

  /** Every report so far, from `queued` on. */
  history(): Report[] {
    const queued: Report = { jobId: this.id, status: 'queued', attempt: 0, at: this.createdAt };
    return this.log ? [queued, ...this.log] : [queued];
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
