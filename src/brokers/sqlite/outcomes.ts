import { StaleLeaseError } from '../../core/errors.js';
import type { ErrorInfo } from '../../core/errors.js';
import type { LeaseRef, NackOutcome } from '../../core/contract/index.js';
import type { Engine } from './engine.js';
import type { OutcomeRow, Stored } from './rows.js';
import type { Tx } from './write-queue.js';
import { advanceFlow, failFlow, linkOf } from './flows.js';

/*
 * What a lease holder reports: every statement matches `id AND token AND
 * status = 'active'`, so a stale token changes nothing and is refused with
 * StaleLeaseError (G2: one recorded outcome per job).
 */

/** Records success: `succeeded`, the result kept until `resultTtl`. */
export function ackJob(engine: Engine, tx: Tx, lease: LeaseRef, stored: Stored, result: unknown): void {
  const row = engine.s.ack.get(stored, tx.now, tx.now + engine.options.resultTtl, lease.id, lease.token) as
    OutcomeRow | undefined;
  if (!row) throw new StaleLeaseError(lease.id);
  engine.held.delete(lease.id);
  engine.reports.record(tx, { id: lease.id, task: row.task, queue: row.queue }, row.rn, 'succeeded', row.attempt, {
    result,
  });
  if (row.flow_id !== null) advanceFlow(engine, tx, linkOf(row)!, result);
}

/** Records a failed attempt: `delayed` (or `queued` at once) for a retry, or `failed` for good. */
export function nackJob(engine: Engine, tx: Tx, lease: LeaseRef, outcome: NackOutcome): void {
  const { s, options } = engine;
  const error = errorBody(outcome.error);
  const retryIn = outcome.retryInMs;
  let row: OutcomeRow | undefined;
  if (retryIn === undefined) {
    row = s.nackFail.get(error.json, tx.now, tx.now + options.resultTtl, lease.id, lease.token) as
      OutcomeRow | undefined;
  } else {
    const delay = Number.isFinite(retryIn) && retryIn > 0 ? Math.ceil(retryIn) : 0;
    const status = delay > 0 ? 'delayed' : 'queued';
    row = s.nackRetry.get(status, tx.now + delay, error.json, lease.id, lease.token) as OutcomeRow | undefined;
    if (row && status === 'queued') tx.after(() => engine.signals.ready());
  }
  if (!row) throw new StaleLeaseError(lease.id);
  engine.held.delete(lease.id);
  const job = { id: lease.id, task: row.task, queue: row.queue };
  engine.reports.record(tx, job, row.rn, retryIn === undefined ? 'failed' : 'retrying', row.attempt, { error });
  if (row.flow_id !== null && retryIn === undefined) failFlow(engine, tx, linkOf(row)!, row.task, error.info);
}

/** Records progress; keeps at most `maxProgressReports` progress reports per job. */
export function progressJob(engine: Engine, tx: Tx, lease: LeaseRef, stored: Stored, value: unknown): void {
  const { s, options } = engine;
  const row = s.progress.get(stored, lease.id, lease.token) as OutcomeRow | undefined;
  if (!row) throw new StaleLeaseError(lease.id);
  engine.reports.record(tx, { id: lease.id, task: row.task, queue: row.queue }, row.rn, 'progress', row.attempt, {
    progress: { raw: value, stored },
  });
  // Any `max` consecutive report numbers hold at most `max` progress reports.
  if (row.rn > options.maxProgressReports) s.trimProgress.run(lease.id, row.rn - options.maxProgressReports);
}

/** Renews leases that are still held. */
export function extendLeases(engine: Engine, tx: Tx, leases: readonly LeaseRef[], leaseMs: number): boolean[] {
  const until = tx.now + leaseMs;
  return leases.map((lease) => engine.s.extend.run(until, lease.id, lease.token).changes === 1);
}

/** Hands leases back: queued again, the attempt not counted. Stale ones are ignored. */
export function releaseLeases(engine: Engine, tx: Tx, leases: readonly LeaseRef[]): void {
  let released = 0;
  for (const lease of leases) {
    const changes = engine.s.release.run(lease.id, lease.token).changes;
    if (changes > 0) engine.held.delete(lease.id);
    released += changes;
  }
  if (released > 0) tx.after(() => engine.signals.ready());
}

/** An error as stored and as reported. Only the serialisable fields are kept. */
export function errorBody(error: ErrorInfo): { info: ErrorInfo; json: string } {
  const info: ErrorInfo = { name: String(error.name), message: String(error.message) };
  if (error.stack !== undefined) info.stack = String(error.stack);
  if (error.code !== undefined) info.code = String(error.code);
  return { info, json: JSON.stringify(info) };
}
