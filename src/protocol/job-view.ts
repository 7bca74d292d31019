import { DEFAULT_BACKOFF } from '../core/backoff.js';
import type { EnqueueResult, JobSnapshot, StoredJobOptions } from '../core/contract/index.js';
import type { ErrorInfo } from '../core/errors.js';
import type { JobStatus } from '../core/report.js';
import { isTerminalStatus } from '../core/report.js';

/**
 * A job as the HTTP API shows it: the one wire shape the server writes and
 * the `ws://` broker (and `drover call`) read. Every field is always present (absent
 * values are `null`), so clients in any language see one stable shape.
 * Times are epoch milliseconds on the server's clock, as in reports.
 */
export interface JobView {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  status: JobStatus;
  attempt: number;
  priority: number;
  key: string | null;
  /** The stored options (options table); `timeout` is null when there is none. */
  options: Omit<StoredJobOptions, 'timeout'> & { timeout: number | null };
  progress: unknown;
  result: unknown;
  error: ErrorInfo | null;
  createdAt: number;
  runAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  workerId: string | null;
  /** The flow this job is a step of (docs/flows.md). */
  flowId: string | null;
}

/** The view of a job snapshot. */
export function toJobView(job: JobSnapshot): JobView {
  return {
    id: job.id,
    task: job.task,
    queue: job.queue,
    args: job.args,
    status: job.status,
    attempt: job.attempt,
    priority: job.priority,
    key: job.key ?? null,
    options: { ...job.options, timeout: job.options.timeout ?? null },
    progress: job.progress ?? null,
    result: job.result ?? null,
    error: job.error ?? null,
    createdAt: job.createdAt,
    runAt: job.runAt,
    startedAt: job.startedAt ?? null,
    finishedAt: job.finishedAt ?? null,
    workerId: job.workerId ?? null,
    flowId: job.flowId ?? null,
  };
}

/** What `POST /v1/jobs` answers per job. */
export interface EnqueuedView {
  id: string;
  status: JobStatus;
  /** Present (true) when an idempotency `key` matched a live job and nothing new was made. */
  duplicate?: true;
}

/** The view of one enqueue result. */
export function toEnqueuedView(result: EnqueueResult): EnqueuedView {
  return result.duplicate
    ? { id: result.id, status: result.status, duplicate: true }
    : { id: result.id, status: result.status };
}

/** True for the statuses after which a job no longer changes (one list: `TERMINAL_STATUSES` in core). */
export { isTerminalStatus };

/** The broker contract's snapshot of a job from its HTTP view (views from older servers lack `backoff`: the default is assumed). */
export function fromJobView(view: JobView): JobSnapshot {
  const snapshot: JobSnapshot = {
    id: view.id,
    task: view.task,
    queue: view.queue,
    args: view.args,
    status: view.status,
    attempt: view.attempt,
    priority: view.priority,
    options: {
      ...view.options,
      timeout: view.options.timeout ?? undefined,
      backoff: view.options.backoff ?? DEFAULT_BACKOFF,
    },
    createdAt: view.createdAt,
    runAt: view.runAt,
  };
  if (view.key !== null) snapshot.key = view.key;
  if (view.progress !== null) snapshot.progress = view.progress;
  if (view.result !== null) snapshot.result = view.result;
  if (view.error !== null) snapshot.error = view.error;
  if (view.startedAt !== null) snapshot.startedAt = view.startedAt;
  if (view.finishedAt !== null) snapshot.finishedAt = view.finishedAt;
  if (view.workerId !== null) snapshot.workerId = view.workerId;
  // Views from servers older than flows lack the field.
  if (typeof view.flowId === 'string') snapshot.flowId = view.flowId;
  return snapshot;
}
