/**
 * Flows on SQLite (contract/flows.ts): the flow job is a row of
 * `drover_jobs` (queue `drover.flows`, `active`, never leased: no
 * `lease_until`, so the sweeper never sees it) with its graph in
 * `flow_graph`; steps carry `flow_id` and `flow_step`. Every flow operation
 * runs in the transaction of the outcome that caused it, through the shared
 * flow logic (`core/flow/flow-driver.ts`), so it is atomic with it.
 */
import type { Statement } from 'better-sqlite3';
import type { CancelResult, JobSnapshot } from '../../core/contract/index.js';
import type {
  EnqueueResult,
  FlowGraph,
  FlowLink,
  FlowOutcome,
  FlowStartRequest,
  FlowTx,
} from '../../core/contract/index.js';
import type { ErrorInfo } from '../../core/errors.js';
import { flowJobRequest } from '../../core/flow/flow-job.js';
import { cancelFlow, retryFlow, stepFailed, stepSucceeded } from '../../core/flow/flow-driver.js';
import type { JobStatus } from '../../core/report.js';
import { cancelJob, retryJob } from './admin.js';
import { encodeRequests, enqueueJobs } from './enqueue.js';
import type { Engine } from './engine.js';
import { errorBody } from './outcomes.js';
import type { JobRow, OutcomeRow, Stored } from './rows.js';
import { decode, encode, serializeOptions, toSnapshot } from './rows.js';
import type { Tx } from './write-queue.js';

const byEngine = new WeakMap<Engine, FlowStatements>();

/** The statements of flows, prepared once per connection on first use. */
class FlowStatements {
  /** (id, task, queue, options, now, now, graph) */
  readonly insert: Statement;
  /** (id) → { status, flow_graph } */
  readonly read: Statement<[string]>;
  /** (graph, id) */
  readonly write: Statement;
  /** (status, result, error, now, expires, id) → outcome row; only an active flow */
  readonly finish: Statement;
  /** (now, id) → outcome row; only a failed or cancelled flow */
  readonly reopen: Statement;

  constructor(engine: Engine) {
    const db = engine.db;
    this.insert = db.prepare(
      `INSERT INTO drover_jobs (id, task, queue, args, status, priority, attempt, retries, options, run_at, created_at, started_at, flow_graph, rn)
       VALUES (?, ?, ?, NULL, 'active', 0, 1, 0, ?, ?, ?, ?, ?, 2)`,
    );
    this.read = db.prepare('SELECT status, flow_graph FROM drover_jobs WHERE id = ? AND flow_graph IS NOT NULL');
    this.write = db.prepare('UPDATE drover_jobs SET flow_graph = ? WHERE id = ?');
    this.finish = db.prepare(
      `UPDATE drover_jobs SET status = ?, result = ?, error = ?, finished_at = ?, expires_at = ?, rn = rn + 1
       WHERE id = ? AND status = 'active' RETURNING task, queue, attempt, rn, flow_id, flow_step`,
    );
    this.reopen = db.prepare(
      `UPDATE drover_jobs SET status = 'active', result = NULL, error = NULL, started_at = ?, finished_at = NULL,
         expires_at = NULL, rn = rn + 2 WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING task, queue, attempt, rn, flow_id, flow_step`,
    );
  }

  static of(engine: Engine): FlowStatements {
    let s = byEngine.get(engine);
    if (!s) byEngine.set(engine, (s = new FlowStatements(engine)));
    return s;
  }
}

/** Records the flow job and its first steps in one transaction. */
export function startFlow(engine: Engine, tx: Tx, request: FlowStartRequest, graph: Stored): EnqueueResult {
  const fs = FlowStatements.of(engine);
  const job = flowJobRequest(request);
  if (engine.s.getJob.get(job.id) !== undefined) return { id: job.id, status: 'active', duplicate: true };
  fs.insert.run(job.id, job.task, job.queue, serializeOptions(job.options), tx.now, tx.now, tx.now, graph);
  engine.reports.record(tx, job, 1, 'queued', 0);
  engine.reports.record(tx, job, 2, 'active', 1);
  enqueueJobs(engine, tx, encodeRequests(engine, request.first));
  return { id: job.id, status: 'active', duplicate: false };
}

/** The storage of the shared flow logic, inside one transaction. */
function flowTx(engine: Engine, tx: Tx): FlowTx {
  const fs = FlowStatements.of(engine);
  const codec = engine.options.codec;
  return {
    readFlow: (id) => {
      const row = fs.read.get(id) as { status: JobStatus; flow_graph: Stored } | undefined;
      return row && { status: row.status, graph: decode(codec, row.flow_graph) as FlowGraph };
    },
    writeGraph: (id, graph) => void fs.write.run(encode(codec, graph), id),
    finishFlow: (id, outcome) => finishFlow(engine, tx, fs, id, outcome),
    reopenFlow: (id) => {
      const row = fs.reopen.get(tx.now, id) as OutcomeRow | undefined;
      if (!row) return;
      engine.s.deleteReports.run(id);
      engine.reports.record(tx, { id, task: row.task, queue: row.queue }, row.rn - 1, 'queued', 0);
      engine.reports.record(tx, { id, task: row.task, queue: row.queue }, row.rn, 'active', row.attempt);
    },
    enqueue: (requests) => void enqueueJobs(engine, tx, encodeRequests(engine, requests)),
    jobStatus: (id) => (engine.s.getJob.get(id) as JobRow | undefined)?.status,
    rerun: (id) => void retryJob(engine, tx, id),
    cancel: (id) => void cancelJob(engine, tx, id),
  };
}

function finishFlow(engine: Engine, tx: Tx, fs: FlowStatements, id: string, outcome: FlowOutcome): void {
  const codec = engine.options.codec;
  const result = outcome.status === 'succeeded' ? encode(codec, outcome.result) : null;
  const error = outcome.status === 'failed' ? errorBody(outcome.error) : undefined;
  const row = fs.finish.get(
    outcome.status,
    result,
    error?.json ?? null,
    tx.now,
    tx.now + engine.options.resultTtl,
    id,
  ) as OutcomeRow | undefined;
  if (!row) return;
  const job = { id, task: row.task, queue: row.queue };
  const body = outcome.status === 'succeeded' ? { result: outcome.result } : error ? { error } : undefined;
  engine.reports.record(tx, job, row.rn, outcome.status, row.attempt, body);
}

/** The link of a step's row, if it is one. */
export function linkOf(row: { flow_id: string | null; flow_step: number | null }): FlowLink | undefined {
  return row.flow_id === null ? undefined : { flowId: row.flow_id, step: row.flow_step ?? -1 };
}

/** A step succeeded: advance its flow in the same transaction. */
export function advanceFlow(engine: Engine, tx: Tx, link: FlowLink, result: unknown): void {
  stepSucceeded(flowTx(engine, tx), link, result);
}

/** A step failed for good or was cancelled (`error` undefined): fail its flow in the same transaction. */
export function failFlow(engine: Engine, tx: Tx, link: FlowLink, task: string, error: ErrorInfo | undefined): void {
  stepFailed(flowTx(engine, tx), link, task, error);
}

/** `cancel`, flow-aware: a live flow is cancelled with its live steps; a cancelled step fails its flow. */
export function cancelWithFlow(engine: Engine, tx: Tx, id: string): CancelResult {
  const before = engine.s.getJob.get(id) as JobRow | undefined;
  if (before?.flow_graph != null && before.status === 'active') {
    cancelFlow(flowTx(engine, tx), id);
    return 'aborted';
  }
  const outcome = cancelJob(engine, tx, id);
  const link = before && linkOf(before);
  if (link && (outcome === 'cancelled' || outcome === 'aborted')) failFlow(engine, tx, link, before.task, undefined);
  return outcome;
}

/** `retry`, flow-aware: a failed or cancelled flow re-runs its failed steps and continues. */
export function retryWithFlow(engine: Engine, tx: Tx, id: string): JobSnapshot | undefined {
  if (FlowStatements.of(engine).read.get(id) === undefined) return retryJob(engine, tx, id);
  if (!retryFlow(flowTx(engine, tx), id)) return undefined;
  return toSnapshot(engine.s.getJob.get(id) as JobRow, engine.options.codec);
}
