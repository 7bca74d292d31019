import type { ErrorInfo } from '../../../core/errors.js';
import type { ReportStatus } from '../../../core/report.js';
import type { Note, Stored } from '../backend.js';
import type { Statements } from './statements.js';

/** Inserts report `n` of a job (inside the write transaction) and notes it for the broker's listeners. */
export function recordReport(
  s: Statements,
  notes: Note[],
  job: { id: string; task: string; queue: string },
  n: number,
  status: ReportStatus,
  attempt: number,
  at: number,
  error?: ErrorInfo,
  progress?: Stored,
): void {
  s.insertReport.run(job.id, n, status, attempt, at, progress ?? null, error ? JSON.stringify(error) : null);
  notes.push({ id: job.id, task: job.task, queue: job.queue, n, status, attempt, at, error });
}
