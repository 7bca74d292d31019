/**
 * The flows part of the SQLite result backend (`../backend-flows.ts`). The
 * flow job is a row of `drover_amqp_jobs` (queue `drover.flows`, `active`,
 * no lease, so neither claimed nor swept); its graph and version are in
 * `drover_amqp_flows`, a step's link in `drover_amqp_flow_steps` (both
 * deleted with their job's row when it is pruned). Every method runs inside
 * the backend's write transaction (`BEGIN IMMEDIATE`), so a commit — its
 * version check, the step's success, the graph, the steps inserted if
 * absent, the flow's end — is atomic across every process on the file.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { ErrorInfo } from '../../../core/errors.js';
import { stepError } from '../../../core/flow/flow-driver.js';
import type { FlowLink } from '../../contract.js';
import type { BackendLease, InsertResult, JobRecord, NewJob, Note, Stored } from '../backend.js';
import type { FlowCommit, FlowEnd, FlowVerdict, StoredFlowRecord } from '../backend-flows.js';
import { errorJson } from '../backend-rules.js';
import type { JobRow, OutcomeRow } from './rows.js';
import { recordReport } from './reports.js';
import type { Statements } from './statements.js';

/** The flows' own tables (version 1), created with the backend's schema. */
export const FLOW_TABLES = /* sql */ `
CREATE TABLE IF NOT EXISTS drover_amqp_flows (
  id       TEXT    PRIMARY KEY,
  graph    BLOB    NOT NULL,
  version  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS drover_amqp_flow_steps (
  job_id   TEXT    PRIMARY KEY,
  flow_id  TEXT    NOT NULL,
  step     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS drover_amqp_flow_rows_removed AFTER DELETE ON drover_amqp_jobs BEGIN
  DELETE FROM drover_amqp_flows WHERE id = old.id;
  DELETE FROM drover_amqp_flow_steps WHERE job_id = old.id;
END;
`;

/** What the flows use of the backend, inside its write transaction. */
export interface SqliteFlowsHost {
  db: BetterSqlite3.Database;
  s: Statements;
  ns: string;
  resultTtl: number;
  /** Inserts a job with its `queued` report (the backend's insert of one job). */
  insert(job: NewJob, now: number, notes: Note[]): InsertResult;
  /** The backend's ack of one held lease (counted as claim and ack count theirs); undefined when stale. */
  succeed(lease: BackendLease, result: Stored, now: number): OutcomeRow | undefined;
}

/** The flows part of the SQLite backend; see the module comment. */
export class SqliteFlows {
  readonly #h: SqliteFlowsHost;
  /** (ns, id, task, queue, args, options, run_at, created_at, started_at) */
  readonly #insertFlow: Statement;
  /** (id, graph) */
  readonly #insertGraph: Statement;
  /** (id) → { status, graph, version } */
  readonly #read: Statement;
  /** (graph or null for unchanged, id) */
  readonly #write: Statement;
  /** (job_id, flow_id, step) */
  readonly #link: Statement;
  /** (job_id) → { flow_id, step } */
  readonly #linkOf: Statement;
  /** (status, result, error, now, expires, id) → outcome; only an active flow */
  readonly #finish: Statement;
  /** (now, id) → outcome; only a failed or cancelled flow */
  readonly #reopen: Statement;

  constructor(host: SqliteFlowsHost) {
    this.#h = host;
    const p = (sql: string): Statement => host.db.prepare(sql);
    this.#insertFlow = p(
      `INSERT INTO drover_amqp_jobs (ns, id, task, queue, args, status, priority, attempt, retries, options, run_at,
         created_at, started_at, gen, ticket, rn) VALUES (?, ?, ?, ?, ?, 'active', 0, 1, 0, ?, ?, ?, ?, 1, '', 2)`,
    );
    this.#insertGraph = p('INSERT INTO drover_amqp_flows (id, graph, version) VALUES (?, ?, 1)');
    this.#read = p(
      'SELECT j.status, f.graph, f.version FROM drover_amqp_flows f JOIN drover_amqp_jobs j ON j.id = f.id WHERE f.id = ?',
    );
    this.#write = p(
      'UPDATE drover_amqp_flows SET graph = coalesce(?, graph), version = version + 1 WHERE id = ? RETURNING version',
    );
    this.#link = p('INSERT OR IGNORE INTO drover_amqp_flow_steps (job_id, flow_id, step) VALUES (?, ?, ?)');
    this.#linkOf = p('SELECT flow_id, step FROM drover_amqp_flow_steps WHERE job_id = ?');
    this.#finish = p(
      `UPDATE drover_amqp_jobs SET status = ?, result = ?, error = ?, finished_at = ?, expires_at = ?, rn = rn + 1
       WHERE id = ? AND status = 'active' RETURNING task, queue, attempt, rn`,
    );
    this.#reopen = p(
      `UPDATE drover_amqp_jobs SET status = 'active', result = NULL, error = NULL, started_at = ?, finished_at = NULL,
         expires_at = NULL, rn = rn + 2 WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING task, queue, attempt, rn`,
    );
  }

  /** Records the flow job, its graph and its first steps; a flow id stored already is a duplicate. */
  start(flow: NewJob, graph: Stored, first: readonly NewJob[], now: number, notes: Note[]): InsertResult {
    const h = this.#h;
    const existing = h.s.getJob.get(flow.id) as JobRow | undefined;
    if (existing) return { id: flow.id, status: existing.status, duplicate: true };
    const options = JSON.stringify(flow.options);
    this.#insertFlow.run(h.ns, flow.id, flow.task, flow.queue, flow.args, options, now, now, now);
    this.#insertGraph.run(flow.id, graph);
    recordReport(h.s, notes, flow, 1, 'queued', 0, now);
    recordReport(h.s, notes, flow, 2, 'active', 1, now);
    for (const job of first) this.#insertStep(job, now, notes);
    return { id: flow.id, status: 'active', duplicate: false };
  }

  /** The flow, if `id` is one. */
  read(id: string): StoredFlowRecord | undefined {
    return this.#read.get(id) as StoredFlowRecord | undefined;
  }

  /** The link of a step job, if `id` is one. */
  link(id: string): FlowLink | undefined {
    const row = this.#linkOf.get(id) as { flow_id: string; step: number } | undefined;
    return row && { flowId: row.flow_id, step: row.step };
  }

  /** The record with the flow it is a step of. */
  withFlowId(record: JobRecord): JobRecord {
    const link = this.link(record.id);
    if (link) record.flowId = link.flowId;
    return record;
  }

  /** Applies a change (see `FlowCommit`); checks come before any write. */
  commit(c: FlowCommit, now: number, notes: Note[]): FlowVerdict {
    const h = this.#h;
    if (this.read(c.flowId)?.version !== c.version) return 'conflict';
    if (c.step) {
      const { lease, result } = c.step;
      const row = h.succeed(lease, result, now);
      if (!row) return 'stale';
      recordReport(h.s, notes, { id: lease.id, ...row }, row.rn, 'succeeded', row.attempt, now);
    }
    this.#write.run(c.graph ?? null, c.flowId);
    if (c.reopen) this.#reopenFlow(c.flowId, now, notes);
    for (const { id, gen, next } of c.reruns) {
      const row = h.s.rerun.get(now, null, next.gen, next.nonce, id, gen) as JobRow | undefined;
      if (!row) continue;
      h.s.deleteReports.run(id);
      recordReport(h.s, notes, row, row.rn, 'queued', 0, now);
    }
    for (const job of c.enqueue) this.#insertStep(job, now, notes);
    if (c.end) this.#end(c.flowId, c.end, now, notes);
    return 'ok';
  }

  /** A step job ended for good without success (`error` undefined: cancelled): its live flow fails, naming it. */
  stepEnded(id: string, task: string, error: ErrorInfo | undefined, now: number, notes: Note[]): void {
    const link = this.link(id);
    if (!link || this.read(link.flowId)?.status !== 'active') return;
    this.#write.run(null, link.flowId);
    this.#end(link.flowId, { status: 'failed', error: stepError(task, id, error) }, now, notes);
  }

  /** Inserts a step job unless it exists (its id is derived from its flow and step). */
  #insertStep(job: NewJob, now: number, notes: Note[]): void {
    const h = this.#h;
    if (h.s.getJob.get(job.id) !== undefined) return;
    h.insert(job, now, notes);
    if (job.flow) this.#link.run(job.id, job.flow.flowId, job.flow.step);
  }

  #end(flowId: string, end: FlowEnd, now: number, notes: Note[]): void {
    const result = end.status === 'succeeded' ? end.result : null;
    const error = end.status === 'failed' ? errorJson(end.error) : undefined;
    const row = this.#finish.get(end.status, result, error?.json ?? null, now, now + this.#h.resultTtl, flowId) as
      OutcomeRow | undefined;
    if (row) recordReport(this.#h.s, notes, { id: flowId, ...row }, row.rn, end.status, row.attempt, now, error?.info);
  }

  #reopenFlow(flowId: string, now: number, notes: Note[]): void {
    const row = this.#reopen.get(now, flowId) as OutcomeRow | undefined;
    if (!row) return;
    this.#h.s.deleteReports.run(flowId);
    const job = { id: flowId, task: row.task, queue: row.queue };
    recordReport(this.#h.s, notes, job, row.rn - 1, 'queued', 0, now);
    recordReport(this.#h.s, notes, job, row.rn, 'active', row.attempt, now);
  }
}
