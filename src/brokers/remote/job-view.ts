import { DEFAULT_BACKOFF } from '../../core/backoff.js';
import type { ErrorInfo } from '../../core/errors.js';
import type { JobStatus } from '../../core/report.js';
import type { JobSnapshot } from '../contract.js';

/** A job as the server's HTTP API shows it (absent values are `null`). */
export interface JobViewJson {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  status: JobStatus;
  attempt: number;
  priority: number;
  key: string | null;
  options: { retries: number; timeout: number | null };
  progress: unknown;
  result: unknown;
  error: ErrorInfo | null;
  createdAt: number;
  runAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  workerId: string | null;
}

/** The broker contract's snapshot of a job from its HTTP view (the view carries no backoff: the default is assumed). */
export function fromJobView(view: JobViewJson): JobSnapshot {
  const snapshot: JobSnapshot = {
    id: view.id,
    task: view.task,
    queue: view.queue,
    args: view.args,
    status: view.status,
    attempt: view.attempt,
    priority: view.priority,
    options: { retries: view.options.retries, timeout: view.options.timeout ?? undefined, backoff: DEFAULT_BACKOFF },
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
  return snapshot;
}
