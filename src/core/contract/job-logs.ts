/**
 * The optional job-log part of a broker: the lines a handler writes with
 * `currentJob().log` (info and above), kept with the job so the dashboard's
 * job page and `GET /v1/jobs/:id/logs` show them from any process. Bounded:
 * the last {@link MAX_JOB_LOG_LINES} lines per job, each at most
 * {@link MAX_JOB_LOG_LINE_CHARS} characters; they go when the job goes.
 */
import type { LeaseRef } from './jobs.js';

/** Lines kept per job; older ones are dropped first. */
export const MAX_JOB_LOG_LINES = 200;
/** Characters kept of one line's message. */
export const MAX_JOB_LOG_LINE_CHARS = 2000;

/** One line a handler logged. */
export interface JobLogLine {
  /** Epoch ms (the worker's clock). */
  at: number;
  /** The attempt that wrote it. */
  attempt: number;
  level: 'info' | 'warn' | 'error' | 'fatal';
  /** The message, with the logged object's fields appended as JSON. */
  msg: string;
}

/** A broker that keeps handlers' log lines with their jobs. */
export interface JobLogStore {
  /**
   * Appends lines of the attempt holding `lease`; returns false (and keeps
   * nothing) when the lease is stale.
   */
  appendJobLogs(lease: LeaseRef, lines: readonly JobLogLine[]): Promise<boolean>;
  /** The job's kept lines, oldest first; undefined for an unknown job. */
  jobLogs(id: string): Promise<JobLogLine[] | undefined>;
}
