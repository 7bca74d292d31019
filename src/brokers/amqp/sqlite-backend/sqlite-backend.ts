import type BetterSqlite3 from 'better-sqlite3';
import { BrokerError } from '../../../core/errors.js';
import type { ErrorInfo } from '../../../core/errors.js';
import type { ReportStatus } from '../../../core/report.js';
import type {
  CancelResult,
  FlowLink,
  FireOutcome,
  FireRequest,
  ListJobsQuery,
  QueueCounts,
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../contract.js';
import { ScheduleTable } from '../../sqlite/schedule-table.js';
import type {
  BackendLease,
  Changed,
  ClaimOutcome,
  ExpiredLease,
  InsertResult,
  JobRecord,
  NewJob,
  NextTicket,
  Note,
  RecordPage,
  ReportRecord,
  ResultBackend,
  Stored,
  TicketRef,
} from '../backend.js';
import { checkListQuery, errorJson, leaseExpired, parseError, parseOptions, DELAY_SLACK_MS } from '../backend-rules.js';
import { freshToken } from '../tokens.js';
import type { FlowCommit, FlowVerdict, StoredFlowRecord } from '../backend-flows.js';
import { FLOW_TABLES, SqliteFlows } from './flows.js';
import { FLOW_SCHEMA, SqliteFlowControl } from './flow-control.js';
import type { GateCache } from './flow-control.js';
import { GroupCommit } from './group-commit.js';
import { migrate } from './migrate.js';
import { recordReport } from './reports.js';
import type { JobRow, OutcomeRow } from './rows.js';
import { toRecord } from './rows.js';
import { RECOUNT_TRIGGER, SCHEMA } from './schema.js';
import { CountTally } from './count-tally.js';
import { readClaimRow } from './claim-row.js';
import { Statements } from './statements.js';

/** Options of the SQLite result backend. */
export interface SqliteBackendOptions {
  /** The database file. */
  path: string;
  /** Namespace of this broker's rows (its prefix). */
  ns: string;
  resultTtl: number;
  /** `FULL` (default) or `NORMAL`. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** What the claims of one batch share. */
interface ClaimTurn {
  now: number;
  leaseMs: number;
  worker: string | null;
  /** The reports recorded, for listeners. */
  notes: Note[];
  /** The queues' gates read by this batch. */
  gates: GateCache;
}

/**
 * The SQLite result backend (better-sqlite3, WAL, `synchronous=FULL`):
 * writes go through a group commit, reads run directly. Several processes
 * on one machine may share the file.
 */
export class SqliteBackend implements ResultBackend {
  readonly label: string;
  readonly #o: SqliteBackendOptions;
  #db: BetterSqlite3.Database | undefined;
  #s!: Statements;
  #writes!: GroupCommit;
  #tally!: CountTally;
  #schedules!: ScheduleTable;
  #flows!: SqliteFlows;
  #flow!: SqliteFlowControl;

  constructor(options: SqliteBackendOptions) {
    this.#o = options;
    this.label = `sqlite:${options.path}`;
  }

  async open(): Promise<void> {
    if (this.#db) return;
    let Driver: typeof BetterSqlite3;
    try {
      Driver = (await import('better-sqlite3')).default;
    } catch (error) {
      throw new BrokerError(`Could not load better-sqlite3 for the ${this.label} backend: ${String(error)}`);
    }
    try {
      const db = new Driver(this.#o.path, { timeout: 5000 });
      db.pragma('busy_timeout = 5000');
      if (this.#o.path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.#o.synchronous ?? 'FULL'}`);
      db.pragma('journal_size_limit = 67108864');
      db.transaction(() => {
        db.exec(SCHEMA);
        migrate(db);
        db.exec(RECOUNT_TRIGGER + FLOW_SCHEMA + FLOW_TABLES);
      }).immediate();
      this.#db = db;
      this.#s = new Statements(db);
      this.#schedules = new ScheduleTable(db, { table: 'drover_amqp_schedules', ns: this.#o.ns });
      this.#tally = new CountTally(db);
      this.#writes = new GroupCommit(db, this.label, {
        begin: () => this.#tally.begin(),
        end: () => this.#tally.flush(),
      });
      this.#flows = new SqliteFlows({
        db,
        s: this.#s,
        ns: this.#o.ns,
        resultTtl: this.#o.resultTtl,
        insert: (job, now, notes) => this.#insertOne(job, now, notes),
        succeed: (lease, result, now) => this.#succeed(lease, result, now),
      });
      this.#flow = new SqliteFlowControl(db, this.#o.ns);
    } catch (error) {
      throw new BrokerError(`Could not open the result backend ${this.label}: ${String(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    this.#writes.close();
    this.#db = undefined;
    db.close();
  }

  async liveKeys(keys: readonly string[]): Promise<Map<string, InsertResult>> {
    const found = new Map<string, InsertResult>();
    for (const key of new Set(keys)) {
      const row = this.#s.liveKey.get(this.#o.ns, key) as { id: string; status: InsertResult['status'] } | undefined;
      if (row) found.set(key, { id: row.id, status: row.status, duplicate: true });
    }
    return found;
  }

  insert(jobs: readonly NewJob[]): Promise<Changed<InsertResult[]>> {
    return this.#writes.run((now) => {
      const notes: Note[] = [];
      const value = jobs.map((job) => this.#insertOne(job, now, notes));
      return { value, notes };
    });
  }

  /** Inserts one job with its `queued` report, or returns the live job holding its key. */
  #insertOne(job: NewJob, now: number, notes: Note[]): InsertResult {
    const s = this.#s;
    if (job.key !== undefined) {
      const live = s.liveKey.get(this.#o.ns, job.key) as { id: string; status: InsertResult['status'] } | undefined;
      if (live) return { id: live.id, status: live.status, duplicate: true };
    }
    const status = job.delayed ? 'delayed' : 'queued';
    const runAt = job.delayed ? job.runAt : now;
    const createdAt = Math.min(job.createdAt, now);
    s.insertJob.run(
      this.#o.ns,
      job.id,
      job.task,
      job.queue,
      job.args,
      status,
      job.priority,
      job.options.retries,
      JSON.stringify(job.options),
      job.key ?? null,
      runAt,
      createdAt,
      1,
      job.nonce,
      typeof job.options.group === 'string' ? job.options.group : null,
    );
    recordReport(this.#s, notes, job, 1, 'queued', 0, now);
    return { id: job.id, status, duplicate: false };
  }

  startFlow(flow: NewJob, graph: Stored, first: readonly NewJob[]): Promise<Changed<InsertResult>> {
    return this.#writes.run((now) => {
      const notes: Note[] = [];
      return { value: this.#flows.start(flow, graph, first, now, notes), notes };
    });
  }

  async readFlow(id: string): Promise<StoredFlowRecord | undefined> {
    return this.#flows.read(id);
  }

  async flowLink(id: string): Promise<FlowLink | undefined> {
    return this.#flows.link(id);
  }

  commitFlow(change: FlowCommit): Promise<Changed<FlowVerdict>> {
    return this.#writes.run((now) => {
      const notes: Note[] = [];
      return { value: this.#flows.commit(change, now, notes), notes };
    });
  }

  putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return this.#writes.run((now) => this.#schedules.put(definition, now));
  }

  removeSchedule(name: string): Promise<boolean> {
    return this.#writes.run(() => this.#schedules.remove(name));
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.#schedules.list();
  }

  pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return this.#writes.run((now) => this.#schedules.pause(name, paused, now));
  }

  fireSchedule(request: FireRequest, job: NewJob): Promise<Changed<FireOutcome>> {
    return this.#writes.run((now) => {
      const notes: Note[] = [];
      const stillRuns = (id: string): boolean => {
        const status = readClaimRow(this.#s.claimView, id)?.status;
        return status === 'queued' || status === 'delayed' || status === 'active';
      };
      const value = this.#schedules.fire(request, stillRuns, () => this.#insertOne(job, now, notes));
      return { value, notes };
    });
  }

  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return this.#flow.settings(queue);
  }

  setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    return this.#writes.run(() => this.#flow.setSettings(queue, patch));
  }

  limitQueue(queue: string, ms: number): Promise<void> {
    return this.#writes.run((now) => this.#flow.limit(queue, ms, now));
  }

  async queueLimits(queue: string): Promise<QueueLimits> {
    return this.#flow.limits(queue, Date.now());
  }

  purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    return this.#writes.run((now) => this.#flow.purge(queue, now - olderThanMs));
  }

  claim(
    tickets: readonly TicketRef[],
    leaseMs: number,
    workerId: string | undefined,
  ): Promise<Changed<ClaimOutcome[]>> {
    return this.#writes.run((now) => {
      const turn: ClaimTurn = { now, leaseMs, worker: workerId ?? null, notes: [], gates: new Map() };
      const value = tickets.map((ticket) => this.#claimQueued(ticket, turn) ?? this.#claimOne(ticket, turn));
      return { value, notes: turn.notes };
    });
  }

  /**
   * The usual claim in one statement: the ticket's job is queued, on its first
   * attempt, of the queue it came from, and nothing gates that queue. Undefined
   * when any of it is not so: `#claimOne` reads the row and decides.
   */
  #claimQueued(ticket: TicketRef, turn: ClaimTurn): ClaimOutcome | undefined {
    const { now, leaseMs, worker, notes, gates } = turn;
    const queue = ticket.queue;
    if (queue === undefined || !this.#flow.ungated(gates, queue)) return undefined;
    const token = freshToken();
    const until = now + leaseMs;
    const c = this.#s.claimQueued.get(token, until, now, worker, ticket.id, ticket.gen, ticket.nonce, queue) as
      [ns: string, task: string, args: Stored, attempt: number, options: string, rn: number] | undefined;
    if (!c) return undefined;
    const [ns, task, args, attempt, options, rn] = c;
    this.#tally.move(ns, queue, 'queued', 'active');
    // No row: the job row tells the `active` report (schema.ts).
    notes.push({ id: ticket.id, task, queue, n: rn, status: 'active', attempt, at: now });
    const job = { id: ticket.id, task, queue, args, attempt, options: parseOptions(options), token, expiresAt: until };
    return { kind: 'claimed', job };
  }

  #claimOne(ticket: TicketRef, turn: ClaimTurn): ClaimOutcome {
    const { now, leaseMs, worker, notes, gates } = turn;
    const s = this.#s;
    const row = readClaimRow(s.claimView, ticket.id);
    if (!row || ticket.gen > row.gen) return { kind: 'future' };
    if (ticket.gen < row.gen || ticket.nonce !== row.ticket) return { kind: 'stale' };
    let rn = row.rn;
    if (row.status === 'active') {
      // The ticket that holds the job came back: its holder's channel died. Take over (an attempt spent).
      if (!ticket.redelivered) return { kind: 'stale' };
      const error = leaseExpired(row.id);
      recordReport(
        this.#s,
        notes,
        row,
        ++rn,
        row.attempt > row.retries ? 'failed' : 'retrying',
        row.attempt,
        now,
        error.info,
      );
      if (row.attempt > row.retries) {
        s.failNow.run(error.json, now, now + this.#o.resultTtl, rn, row.id);
        this.#flows.stepEnded(row.id, row.task, error.info, now, notes);
        return { kind: 'stale' };
      }
    } else if (row.status === 'delayed') {
      if (row.run_at > now + DELAY_SLACK_MS) return { kind: 'future' };
    } else if (row.status !== 'queued') {
      return { kind: 'stale' };
    }
    if (row.status !== 'active') {
      const gate = this.#flow.admit(gates, row.id, row.queue, row.grp, now);
      if (!gate.go) return { kind: 'held', retryInMs: gate.retryInMs };
    }
    const token = freshToken();
    const until = now + leaseMs;
    // The last attempt's `active` report is told by the row until now: keep it as a row (schema.ts).
    if (row.an !== null) s.insertReport.run(row.id, row.an, 'active', row.attempt, row.started_at, null, null);
    rn++;
    s.claim.run(token, until, now, worker, rn, rn, row.seq);
    this.#tally.move(row.ns, row.queue, row.status, 'active');
    const attempt = row.attempt + 1;
    // No row: the job row tells the `active` report (schema.ts).
    notes.push({ id: row.id, task: row.task, queue: row.queue, n: rn, status: 'active', attempt, at: now });
    const claimed: ClaimOutcome = {
      kind: 'claimed',
      job: {
        id: row.id,
        task: row.task,
        queue: row.queue,
        args: row.args,
        attempt,
        options: parseOptions(row.options),
        token,
        expiresAt: until,
      },
    };
    if (!this.#flow.ungated(gates, row.queue)) claimed.gated = true;
    return claimed;
  }

  ack(lease: BackendLease, result: Stored): Promise<Changed<boolean>> {
    return this.#writes.run((now) => {
      const row = this.#succeed(lease, result, now);
      if (!row) return { value: false, notes: [] };
      // No row: the job row tells the `succeeded` report (schema.ts).
      const { task, queue, rn: n, attempt } = row;
      return { value: true, notes: [{ id: lease.id, task, queue, n, status: 'succeeded', attempt, at: now }] };
    });
  }

  /** Records a held lease's success (inside a write); the status change is counted in the tally. */
  #succeed(lease: BackendLease, result: Stored, now: number): OutcomeRow | undefined {
    const row = this.#s.ack.get(result, now, now + this.#o.resultTtl, lease.id, lease.token) as
      (OutcomeRow & { ns: string }) | undefined;
    if (row) this.#tally.move(row.ns, row.queue, 'active', 'succeeded');
    return row;
  }

  nack(lease: BackendLease, error: ErrorInfo, next: NextTicket | undefined): Promise<Changed<boolean>> {
    const e = errorJson(error);
    return this.#writes.run((now) => {
      const s = this.#s;
      const row = next
        ? (s.nackRetry.get(
            next.delayed ? 'delayed' : 'queued',
            next.delayed ? next.runAt : now,
            e.json,
            next.gen,
            next.nonce,
            lease.id,
            lease.token,
          ) as OutcomeRow | undefined)
        : (s.nackFail.get(e.json, now, now + this.#o.resultTtl, lease.id, lease.token) as OutcomeRow | undefined);
      const changed = this.#outcome(lease, row, next ? 'retrying' : 'failed', now, e.info);
      if (row && !next) this.#flows.stepEnded(lease.id, row.task, e.info, now, changed.notes);
      return changed;
    });
  }

  progress(lease: BackendLease, value: Stored, keep: number): Promise<Changed<boolean>> {
    return this.#writes.run((now) => {
      const row = this.#s.progress.get(value, lease.id, lease.token) as OutcomeRow | undefined;
      const changed = this.#outcome(lease, row, 'progress', now, undefined, value);
      if (row && row.rn > keep) this.#s.trimProgress.run(lease.id, row.rn - keep);
      return changed;
    });
  }

  extend(leases: readonly BackendLease[], leaseMs: number): Promise<boolean[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.#writes.run((now) => leases.map((l) => this.#s.extend.run(now + leaseMs, l.id, l.token).changes === 1));
  }

  release(leases: readonly BackendLease[]): Promise<boolean[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.#writes.run(() =>
      leases.map((l) => {
        this.#s.storeActive.run(l.id, l.token);
        return this.#s.release.run(l.id, l.token).changes === 1;
      }),
    );
  }

  async expired(limit: number): Promise<ExpiredLease[]> {
    const rows = this.#s.expired.all(this.#o.ns, Date.now(), limit) as (Omit<ExpiredLease, 'spent'> & {
      spent: number;
    })[];
    return rows.map((row) => ({ ...row, spent: row.spent === 1 }));
  }

  expire(lease: ExpiredLease, next: NextTicket | undefined): Promise<Changed<boolean>> {
    const e = leaseExpired(lease.id);
    return this.#writes.run((now) => {
      const s = this.#s;
      const row = next
        ? (s.expireRequeue.get(now, e.json, next.gen, next.nonce, lease.id, lease.token, now) as OutcomeRow | undefined)
        : (s.expireFail.get(e.json, now, now + this.#o.resultTtl, lease.id, lease.token, now) as
            OutcomeRow | undefined);
      const changed = this.#outcome(lease, row, next ? 'retrying' : 'failed', now, e.info);
      if (row && !next) this.#flows.stepEnded(lease.id, row.task, e.info, now, changed.notes);
      return changed;
    });
  }

  prune(limit: number): Promise<number> {
    return this.#writes.run((now) => this.#s.prune.run(this.#o.ns, now, limit).changes);
  }

  cancel(id: string): Promise<Changed<CancelResult>> {
    return this.#writes.run((now): Changed<CancelResult> => {
      const s = this.#s;
      const before = s.getJob.get(id) as JobRow | undefined;
      if (!before) return { value: 'not_found', notes: [] };
      const row = s.cancel.get(now, now + this.#o.resultTtl, id) as OutcomeRow | undefined;
      if (!row) return { value: 'finished', notes: [] };
      const notes: Note[] = [];
      recordReport(this.#s, notes, { id, ...row }, row.rn, 'cancelled', row.attempt, now);
      this.#flows.stepEnded(id, row.task, undefined, now, notes);
      return { value: before.status === 'active' ? 'aborted' : 'cancelled', notes };
    });
  }

  rerun(id: string, gen: number, next: NextTicket): Promise<Changed<JobRecord | undefined>> {
    return this.#writes.run((now): Changed<JobRecord | undefined> => {
      const s = this.#s;
      const before = s.getJob.get(id) as JobRow | undefined;
      if (!before || (before.status !== 'failed' && before.status !== 'cancelled'))
        return { value: undefined, notes: [] };
      const keyTaken = before.key !== null && s.liveKey.get(this.#o.ns, before.key) !== undefined;
      const row = s.rerun.get(now, keyTaken ? null : before.key, next.gen, next.nonce, id, gen) as JobRow | undefined;
      if (!row) return { value: undefined, notes: [] };
      s.deleteReports.run(id);
      const notes: Note[] = [];
      recordReport(this.#s, notes, row, row.rn, 'queued', 0, now);
      return { value: toRecord(row), notes };
    });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.#s.getJob.get(id) as JobRow | undefined;
    return row && this.#flows.withFlowId(toRecord(row));
  }

  async history(id: string, afterN: number): Promise<ReportRecord[]> {
    const rows = this.#s.reportsAfter.all({ id, after: afterN }) as {
      n: number;
      status: ReportStatus;
      attempt: number;
      at: number;
      value: Stored;
      error: string | null;
      result: Stored;
    }[];
    return rows.map((r) => ({
      n: r.n,
      status: r.status,
      attempt: r.attempt,
      at: r.at,
      progress: r.value,
      result: r.result,
      error: parseError(r.error),
    }));
  }

  async reportNumbers(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = this.#s.reportNumbers.all(JSON.stringify(ids)) as { id: string; rn: number }[];
    return new Map(rows.map((r) => [r.id, r.rn]));
  }

  async leaseStates(
    ids: readonly string[],
  ): Promise<Map<string, { status: JobRow['status']; token: string | undefined }>> {
    const rows = this.#s.leaseStates.all(JSON.stringify(ids)) as {
      id: string;
      status: JobRow['status'];
      token: string | null;
    }[];
    return new Map(rows.map((r) => [r.id, { status: r.status, token: r.token ?? undefined }]));
  }

  async readyCount(queues: readonly string[]): Promise<number> {
    return this.#s.readyCount.get(this.#o.ns, JSON.stringify(queues)) as number;
  }

  async counts(): Promise<QueueCounts[]> {
    const byQueue = new Map<string, QueueCounts>();
    for (const { queue, status, n } of this.#s.counts.all(this.#o.ns) as {
      queue: string;
      status: string;
      n: number;
    }[]) {
      let c = byQueue.get(queue);
      if (!c) byQueue.set(queue, (c = { queue, waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 0 }));
      if (status === 'queued') c.waiting += n;
      else if (status in c && status !== 'queue') (c as unknown as Record<string, number>)[status]! += n;
    }
    return [...byQueue.values()];
  }

  async list(query: ListJobsQuery): Promise<RecordPage> {
    const { limit, cursor } = checkListQuery(query);
    const statement = this.#s.list(query.status, query.queue !== undefined);
    const start = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
    const params =
      query.queue === undefined ? [this.#o.ns, start, limit + 1] : [this.#o.ns, start, query.queue, limit + 1];
    const rows = statement.all(...params) as JobRow[];
    const page = rows.slice(0, limit);
    const jobs = page.map(toRecord);
    return rows.length > limit ? { jobs, next: String(page.at(-1)!.seq) } : { jobs };
  }

  #outcome(
    lease: BackendLease,
    row: OutcomeRow | undefined,
    status: ReportStatus,
    now: number,
    error?: ErrorInfo,
    progress?: Stored,
  ): Changed<boolean> {
    if (!row) return { value: false, notes: [] };
    const notes: Note[] = [];
    recordReport(this.#s, notes, { id: lease.id, ...row }, row.rn, status, row.attempt, now, error, progress);
    return { value: true, notes };
  }
}
