import type { LeaseRequest, LeasedJob } from '../../core/contract/index.js';
import type { LeaseBatch } from '../lease-ahead.js';
import type { Engine } from './engine.js';
import type { Stored } from './rows.js';
import { decode, parseOptions } from './rows.js';
import type { Tx } from './write-queue.js';
import type { FlowPlan } from './flow-gate.js';
import { planClaim, recordTaken, wakeAt } from './flow-gate.js';

interface ClaimedRow {
  seq: number;
  id: string;
  task: string;
  queue: string;
  args: Stored;
  attempt: number;
  options: string;
  token: string;
  priority: number;
  run_at: number;
  rn: number;
}

interface Candidate {
  seq: number;
  priority: number;
  run_at: number;
}

/** Due delayed jobs promoted per claim; the sweeper does the rest. */
const PROMOTE_LIMIT = 1000;
/**
 * Up to this many jobs, a claim updates row by row (the UPDATE … WHERE seq IN
 * (subquery) form has a fixed cost of ~40 µs that only pays off for batches).
 */
const SMALL_CLAIM = 8;

/**
 * True if a claim could find something: a ready job in one of the queues or
 * a due delayed job. A plain read (no write lock), so idle workers polling
 * an empty queue never block writers.
 */
export function mightClaim(engine: Engine, queues: readonly string[]): boolean {
  const { s } = engine;
  for (const queue of queues) if (s.anyReady.get(queue) !== undefined) return true;
  return s.anyDue.get(engine.now()) !== undefined;
}

/**
 * Leases up to `max` jobs in the caller's `BEGIN IMMEDIATE` transaction:
 * UPDATE … RETURNING marks them active with a fresh random token and an
 * expiry on the database clock and counts the attempt (one statement for a
 * batch, row by row for a few); then each gets its `active` report. The write lock makes a second claimer wait, so no job is
 * ever leased twice.
 */
export function claimJobs(engine: Engine, tx: Tx, request: LeaseRequest): LeaseBatch {
  const { s, reports, options } = engine;
  if (request.max <= 0 || request.queues.length === 0) return { jobs: [], plain: false };
  // The UPDATE costs ~20 µs even when nothing is due: look first.
  if (s.anyDue.get(tx.now) !== undefined && s.promoteDue.run(tx.now, PROMOTE_LIMIT).changes > 0) {
    tx.after(() => engine.signals.ready());
  }
  const until = tx.now + request.leaseMs;
  const worker = request.workerId ?? null;
  const plan = planClaim(engine, tx, request);
  let rows: ClaimedRow[];
  if (plan) {
    rows = claimPlanned(engine, tx, request, plan);
  } else if (request.queues.length === 1 && request.max > SMALL_CLAIM) {
    rows = s.claimQueue.all(until, tx.now, worker, request.queues[0], request.max) as ClaimedRow[];
  } else {
    const seqs = pick(engine, request.queues, request.max);
    if (seqs.length > SMALL_CLAIM) {
      rows = s.claimSeqs.all(until, tx.now, worker, JSON.stringify(seqs)) as ClaimedRow[];
    } else {
      rows = [];
      for (const seq of seqs) {
        const row = s.claimOne.get(until, tx.now, worker, seq) as ClaimedRow | undefined;
        if (row) rows.push(row);
      }
    }
  }
  if (rows.length === 0) return { jobs: [], plain: false };
  // RETURNING gives no order: restore the claim order.
  rows.sort(byClaimOrder);
  // Plain FIFO: no limits on these queues and nothing above priority 0 was waiting (the first taken is the best).
  const plain = plan === undefined && rows[0]!.priority <= 0;
  const jobs = new Array<LeasedJob>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    reports.record(tx, row, row.rn, 'active', row.attempt);
    engine.held.set(row.id, row.token);
    jobs[i] = {
      id: row.id,
      token: row.token,
      task: row.task,
      queue: row.queue,
      args: decode(options.codec, row.args) as unknown[],
      attempt: row.attempt,
      options: parseOptions(row.options),
      expiresAt: until,
    };
  }
  return { jobs, plain };
}

/** The best `max` ready jobs across the queues: the top of each queue, merged. */
function pick(engine: Engine, queues: readonly string[], max: number, more: readonly Candidate[] = []): number[] {
  const all: Candidate[] = [...more];
  for (const queue of new Set(queues)) all.push(...(engine.s.candidates.all(queue, max) as Candidate[]));
  if (all.length > 1) all.sort(byClaimOrder);
  return all.slice(0, max).map((c) => c.seq);
}

/** A claim where some queue has limits: the free queues' tops merged with the gated queues' picks. */
function claimPlanned(engine: Engine, tx: Tx, request: LeaseRequest, plan: FlowPlan): ClaimedRow[] {
  if (plan.wakeAt !== undefined) wakeAt(engine, plan.wakeAt, tx.now);
  const seqs = pick(engine, plan.free, request.max, plan.gated);
  if (seqs.length === 0) return [];
  const rows = engine.s.claimSeqs.all(
    tx.now + request.leaseMs,
    tx.now,
    request.workerId ?? null,
    JSON.stringify(seqs),
  ) as ClaimedRow[];
  recordTaken(
    engine,
    tx,
    rows.map((row) => row.queue),
  );
  return rows;
}

function byClaimOrder(a: Candidate, b: Candidate): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq;
}
