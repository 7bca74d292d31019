import { LeaseExpiredError } from '../../core/errors.js';
import type { JobStatus } from '../../core/report.js';
import type { Engine } from './engine.js';
import { parseError } from './rows.js';
import type { Tx } from './write-queue.js';
import { failFlow, linkOf } from './flows.js';

/** Rows one sweep touches per kind of work; more waits for the next sweep (which comes at once). */
const SWEEP_LIMIT = 1000;

/** LeaseExpiredError's message around the job id, so the SQL writes the same text. */
const [EXPIRED_PREFIX, EXPIRED_SUFFIX] = new LeaseExpiredError('\u0000').message.split('\u0000') as [string, string];

interface ExpiredRow {
  id: string;
  task: string;
  queue: string;
  status: JobStatus;
  attempt: number;
  rn: number;
  error: string;
  flow_id: string | null;
  flow_step: number | null;
}

/**
 * The sweeper (every `sweepInterval`, timer unref'd): promotes due delayed
 * jobs, expires leases (→ `queued` with a `retrying` report while attempts
 * remain, else `failed`) and prunes finished jobs past `resultTtl`.
 * It first looks with plain reads, and takes the write lock only when there
 * is work, so idle processes sharing a file never contend.
 * Returns a function that stops it.
 */
export function startSweeper(engine: Engine): () => void {
  let busy = false;
  const sweep = (): void => {
    if (busy || !engine.db.open) return;
    let work: boolean;
    try {
      const now = engine.now();
      const { s } = engine;
      work =
        s.anyDue.get(now) !== undefined || s.anyExpired.get(now) !== undefined || s.anyPrunable.get(now) !== undefined;
    } catch {
      return; // busy or closing: try again next time
    }
    if (!work) return;
    busy = true;
    engine.writes
      .run((tx) => sweepOnce(engine, tx))
      .then(
        (more) => {
          busy = false;
          if (more) setImmediate(sweep);
        },
        (error: unknown) => {
          busy = false;
          warnOnce(error);
        },
      );
  };
  const timer = setInterval(sweep, engine.options.sweepInterval).unref();
  return () => clearInterval(timer);
}

let lastWarning = '';

/** A failing sweep is retried on the next tick; say so once per distinct error, never crash. */
function warnOnce(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (message === lastWarning) return;
  lastWarning = message;
  process.emitWarning(`drover sqlite broker: sweeping failed (will retry): ${message}`);
}

/** One sweep in the caller's transaction. Returns true if a limit was hit (more to do). */
export function sweepOnce(engine: Engine, tx: Tx): boolean {
  const { s, options } = engine;
  const promoted = s.promoteDue.run(tx.now, SWEEP_LIMIT).changes;
  const expired = s.expireLeases.all({
    now: tx.now,
    expires: tx.now + options.resultTtl,
    prefix: EXPIRED_PREFIX,
    suffix: EXPIRED_SUFFIX,
    limit: SWEEP_LIMIT,
  }) as ExpiredRow[];
  let requeued = false;
  for (const row of expired) {
    engine.held.delete(row.id);
    const info = parseError(row.error)!;
    const status = row.status === 'queued' ? 'retrying' : 'failed';
    requeued ||= row.status === 'queued';
    engine.reports.record(tx, row, row.rn, status, row.attempt, { error: { info, json: row.error } });
    if (status === 'failed' && row.flow_id !== null) failFlow(engine, tx, linkOf(row)!, row.task, info);
  }
  const pruned = s.prune.run(tx.now, SWEEP_LIMIT).changes;
  if (promoted > 0 || requeued) tx.after(() => engine.signals.ready());
  return promoted === SWEEP_LIMIT || expired.length === SWEEP_LIMIT || pruned === SWEEP_LIMIT;
}
