import { InvalidArgumentError } from '../../core/errors.js';
import { JOB_STATUSES } from '../../core/report.js';
import type { JobStatus } from '../../core/report.js';
import type { CancelResult, JobPage, JobSnapshot, ListJobsQuery, QueueCounts } from '../../core/contract/index.js';
import type { Engine } from './engine.js';
import type { JobRow, OutcomeRow } from './rows.js';
import { toSnapshot } from './rows.js';
import type { Tx } from './write-queue.js';

const STATUSES: ReadonlySet<string> = new Set<JobStatus>(JOB_STATUSES);
const MAX_LIST = 1000;

/** Cancels a job: queued or delayed → cancelled; active → cancelled, its lease stale, holders told. */
export function cancelJob(engine: Engine, tx: Tx, id: string): CancelResult {
  const { s } = engine;
  const before = s.getJob.get(id) as JobRow | undefined;
  if (!before) return 'not_found';
  const row = s.cancel.get(tx.now, tx.now + engine.options.resultTtl, id) as OutcomeRow | undefined;
  if (!row) return 'finished';
  engine.reports.record(tx, { id, task: row.task, queue: row.queue }, row.rn, 'cancelled', row.attempt);
  if (before.status !== 'active') return 'cancelled';
  engine.held.delete(id);
  tx.after(() => engine.signals.cancelled(id));
  return 'aborted';
}

/**
 * Re-runs a failed or cancelled job with a fresh attempt count and a fresh
 * history (so a watcher of the re-run does not see the old terminal report).
 * If another live job holds its key meanwhile, the re-run gives the key up.
 */
export function retryJob(engine: Engine, tx: Tx, id: string): JobSnapshot | undefined {
  const { s } = engine;
  const before = s.getJob.get(id) as JobRow | undefined;
  if (!before || (before.status !== 'failed' && before.status !== 'cancelled')) return undefined;
  const keyTaken = before.key !== null && s.findLiveKey.get(before.key) !== undefined;
  const row = s.rerun.get(tx.now, keyTaken ? null : before.key, id) as JobRow;
  s.deleteReports.run(id);
  engine.reports.record(tx, row, row.rn, 'queued', 0);
  tx.after(() => engine.signals.ready());
  return toSnapshot(row, engine.options.codec);
}

/** Counts per queue, from the trigger-kept `drover_counts`. */
export function countJobs(engine: Engine): QueueCounts[] {
  const byQueue = new Map<string, QueueCounts>();
  for (const { queue, status, n } of engine.s.counts.all() as { queue: string; status: JobStatus; n: number }[]) {
    let counts = byQueue.get(queue);
    if (!counts) byQueue.set(queue, (counts = { queue, waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 0 }));
    if (status === 'queued') counts.waiting += n;
    else if (status !== 'cancelled') counts[status] += n;
  }
  return [...byQueue.values()];
}

/** Jobs of one status, newest first; the cursor is the last job's sequence number (keyset paging). */
export function listJobs(engine: Engine, query: ListJobsQuery): JobPage {
  if (!STATUSES.has(query.status)) {
    const expected = [...STATUSES].join(', ');
    throw new InvalidArgumentError(`Expected \`status\` to be one of ${expected}, got ${JSON.stringify(query.status)}`);
  }
  if (!Number.isInteger(query.limit) || query.limit < 1) {
    throw new InvalidArgumentError(`Expected \`limit\` to be a positive integer, got ${String(query.limit)}`);
  }
  let cursor = Number.MAX_SAFE_INTEGER;
  if (query.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(query.cursor)) {
      throw new InvalidArgumentError(
        `Bad \`cursor\` ${JSON.stringify(query.cursor)}: pass back the \`next\` of a previous page`,
      );
    }
    cursor = Number(query.cursor);
  }
  const limit = Math.min(query.limit, MAX_LIST);
  const statement = engine.s.list(query.status, query.queue !== undefined);
  const params = query.queue === undefined ? [cursor, limit + 1] : [cursor, query.queue, limit + 1];
  const rows = statement.all(...params) as JobRow[];
  const page = rows.slice(0, limit);
  const jobs = page.map((row) => toSnapshot(row, engine.options.codec));
  return rows.length > limit ? { jobs, next: String(page.at(-1)!.seq) } : { jobs };
}
