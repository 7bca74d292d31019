import type { JobStatus } from '../../../core/report.js';
import type { JobRecord, Stored } from '../backend.js';
import { parseError, parseOptions } from '../backend-rules.js';

/** A row of `drover_amqp_jobs`. */
export interface JobRow {
  seq: number;
  id: string;
  task: string;
  queue: string;
  args: Stored;
  status: JobStatus;
  priority: number;
  attempt: number;
  retries: number;
  options: string;
  key: string | null;
  run_at: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  worker_id: string | null;
  progress: Stored;
  result: Stored;
  error: string | null;
  gen: number;
  ticket: string;
  token: string | null;
  rn: number;
}

/** What an outcome statement hands back. */
export interface OutcomeRow {
  task: string;
  queue: string;
  attempt: number;
  rn: number;
}

/** A row as a backend record. */
export function toRecord(row: JobRow): JobRecord {
  const record: JobRecord = {
    id: row.id,
    task: row.task,
    queue: row.queue,
    args: row.args,
    status: row.status,
    attempt: row.attempt,
    priority: row.priority,
    options: parseOptions(row.options),
    progress: row.progress,
    result: row.result,
    createdAt: row.created_at,
    runAt: row.run_at,
    gen: row.gen,
  };
  if (row.key !== null) record.key = row.key;
  if (row.error !== null) record.error = parseError(row.error);
  if (row.started_at !== null) record.startedAt = row.started_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.worker_id !== null) record.workerId = row.worker_id;
  return record;
}
