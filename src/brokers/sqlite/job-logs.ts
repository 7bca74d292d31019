/**
 * Handlers' log lines on SQLite (`drover_job_logs`, migration 0007): the
 * last lines of each job, appended in the write transaction only while the
 * lease holds. Rare next to jobs, so the statements are prepared on use.
 */
import type { JobLogLine, LeaseRef } from '../../core/contract/index.js';
import { appendLogText, parseLogText } from '../../core/job-log-lines.js';
import type { Engine } from './engine.js';
import type { Tx } from './write-queue.js';

/** Appends lines of the attempt holding `lease`; false when the lease is stale. */
export function appendJobLogs(engine: Engine, _tx: Tx, lease: LeaseRef, lines: readonly JobLogLine[]): boolean {
  const held = engine.db
    .prepare("SELECT 1 FROM drover_jobs WHERE id = ? AND token = ? AND status = 'active'")
    .pluck()
    .get(lease.id, lease.token);
  if (held === undefined) return false;
  const stored = engine.db.prepare('SELECT lines FROM drover_job_logs WHERE job_id = ?').pluck().get(lease.id) as
    string | undefined;
  engine.db
    .prepare(
      'INSERT INTO drover_job_logs (job_id, lines) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET lines = excluded.lines',
    )
    .run(lease.id, appendLogText(stored ?? '', lines));
  return true;
}

/** The job's lines, oldest first; undefined for an unknown job. */
export function readJobLogs(engine: Engine, id: string): JobLogLine[] | undefined {
  const row = engine.db
    .prepare('SELECT l.lines AS lines FROM drover_jobs j LEFT JOIN drover_job_logs l ON l.job_id = j.id WHERE j.id = ?')
    .get(id) as { lines: string | null } | undefined;
  return row ? parseLogText(row.lines) : undefined;
}
