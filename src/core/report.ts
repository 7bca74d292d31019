import type { ErrorInfo } from './errors.js';

/**
 * Job life cycle (what a job's `status` can be):
 *
 *   queued ──lease──▶ active ──ok──▶ succeeded
 *     ▲  ▲              │ ├──error, attempts left──▶ delayed (report `retrying`) ──due──▶ queued
 *     │  └─lease expired┘ └──Fail / attempts spent──▶ failed ──retry()──▶ queued
 *   delayed (delay / runAt) ──due──▶ queued
 *   queued | delayed ──cancel──▶ cancelled;  active ──cancel──▶ cancelled (signal aborts)
 */
export const JOB_STATUSES = ['queued', 'delayed', 'active', 'succeeded', 'failed', 'cancelled'] as const;

/** One of {@link JOB_STATUSES}. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses after which a job never changes again (unless re-run). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** The name of one step of a job's life. */
export type ReportStatus = 'queued' | 'active' | 'progress' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

/** One step of a job's life (docs/architecture.md). */
export interface Report {
  jobId: string;
  status: ReportStatus;
  /** Attempt number: 0 while queued, 1 on the first lease. */
  attempt: number;
  /** Epoch milliseconds on the broker's clock. */
  at: number;
  /** On `progress`. */
  progress?: unknown;
  /** On `succeeded`. */
  result?: unknown;
  /** On `failed` and `retrying`. */
  error?: ErrorInfo;
}

/** A report as a broker publishes it to everyone: with the task and queue. */
export interface BrokerReport extends Report {
  task: string;
  queue: string;
}

/** True when the report ends the job's life. */
export function isTerminalReport(report: Report): boolean {
  return TERMINAL_STATUSES.has(report.status);
}

/** True for the statuses after which a job no longer changes (unless re-run). */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}
