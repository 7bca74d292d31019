import { ClosedError } from '../../core/errors.js';
import type { BrokerReport, Report } from '../../core/report.js';
import { isTerminalStatus } from '../../core/report.js';
import type {
  Broker,
  BrokerCapabilities,
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  FlowStartRequest,
  JobPage,
  JobSnapshot,
  LeaseRef,
  LeaseRequest,
  LeasedJob,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
  WorkerPresence,
  JobLogLine,
} from '../../core/contract/index.js';
import { ScheduleTable } from './schedule-table.js';
import { countJobs, listJobs } from './admin.js';
import { cancelWithFlow, retryWithFlow, startFlow } from './flows.js';
import { limitQueue, purgeQueue, queueLimits, wakeAt } from './flow-gate.js';
import { readQueueSettings, writeQueueSettings } from './queue-settings.js';
import { announceWorkers, listWorkers } from './worker-directory.js';
import { appendJobLogs, readJobLogs } from './job-logs.js';
import { claimJobs, mightClaim } from './claim.js';
import { openDatabase } from './database.js';
import { encodeRequests, enqueueJobs } from './enqueue.js';
import { Engine, Signals } from './engine.js';
import type { ResolvedSqliteOptions, SqliteBrokerOptions } from './options.js';
import { resolveSqliteOptions } from './options.js';
import { ackJob, extendLeases, nackJob, progressJob, releaseLeases } from './outcomes.js';
import type { JobRow } from './rows.js';
import { encode, toSnapshot } from './rows.js';
import { startChangePoller } from './change-poller.js';
import { startSweeper } from './sweeper.js';
import type { Contention } from './write-queue.js';
import type { LeaseBatch } from '../lease-ahead.js';
import { LeaseAhead } from '../lease-ahead.js';

/**
 * The embedded durable broker (`sqlite:./drover.db`) on better-sqlite3.
 *
 * States: created ──connect()──▶ open ──close()──▶ closed. Methods called
 * before `connect()` connect first. Writes go through a group-commit queue
 * (one `BEGIN IMMEDIATE` transaction per turn of the event loop); reads run
 * directly. Several processes may share one file.
 */
export class SqliteBroker implements Broker {
  readonly name = 'sqlite';
  readonly capabilities: BrokerCapabilities;
  readonly #options: ResolvedSqliteOptions;
  readonly #signals = new Signals();
  #engine: Engine | undefined;
  #connecting: Promise<Engine> | undefined;
  #stopTimers: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #scheduleTable: { engine: Engine; table: ScheduleTable } | undefined;
  /** A herd of short jobs gets its next batch in the commit that records this one's outcomes. */
  readonly #ahead = new LeaseAhead({
    fetch: (request, max) => this.#fetchLeases(request, max),
    release: (leases) => this.release(leases),
  });

  constructor(options: SqliteBrokerOptions) {
    this.#options = resolveSqliteOptions(options);
    this.#signals.onCancel((jobId) => this.#ahead.drop(jobId));
    const durable = this.#options.path !== ':memory:';
    this.capabilities = Object.freeze({ durable, shared: durable });
  }

  /** The database file. */
  get path(): string {
    return this.#options.path;
  }

  /** Lock contention with other processes so far (zeros before connecting). */
  get contention(): Contention {
    return { ...(this.#engine?.writes.contention ?? { busy: 0, timeouts: 0, waitedMs: 0 }) };
  }

  async connect(): Promise<void> {
    await this.#open();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const engine = await this.#connecting?.catch(() => undefined);
      if (engine) await this.#ahead.close().catch(() => undefined);
      this.#stopTimers?.();
      this.#engine = undefined;
      if (!engine) return;
      engine.writes.close();
      try {
        // Keeps the planner's statistics fresh for the next open (cheap when nothing changed).
        engine.db.pragma('optimize');
      } finally {
        engine.db.close();
      }
    })();
    return this.#closing;
  }

  enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    return this.#use((engine) => {
      if (jobs.length === 0) return [];
      const encoded = encodeRequests(engine, jobs);
      return engine.writes.run((tx) => enqueueJobs(engine, tx, encoded));
    });
  }

  lease(request: LeaseRequest): Promise<LeasedJob[]> {
    return this.#ahead.lease(request);
  }

  /** One claim of up to `max` jobs, in the next group commit. */
  #fetchLeases(request: LeaseRequest, max: number): Promise<LeaseBatch> {
    return this.#use((engine) => {
      if (!mightClaim(engine, request.queues)) return { jobs: [], plain: false };
      return engine.writes.run((tx) => claimJobs(engine, tx, { ...request, max }));
    });
  }

  extend(leases: readonly LeaseRef[], leaseMs: number): Promise<boolean[]> {
    return this.#use((engine) =>
      leases.length === 0 ? [] : engine.writes.run((tx) => extendLeases(engine, tx, leases, leaseMs)),
    );
  }

  ack(lease: LeaseRef, result: unknown): Promise<void> {
    return this.#use((engine) => {
      const stored = encode(engine.options.codec, result);
      return engine.writes.run((tx) => ackJob(engine, tx, lease, stored, result));
    });
  }

  nack(lease: LeaseRef, outcome: NackOutcome): Promise<void> {
    return this.#use((engine) => engine.writes.run((tx) => nackJob(engine, tx, lease, outcome)));
  }

  release(leases: readonly LeaseRef[]): Promise<void> {
    return this.#use((engine) =>
      leases.length === 0 ? undefined : engine.writes.run((tx) => releaseLeases(engine, tx, leases)),
    );
  }

  progress(lease: LeaseRef, value: unknown): Promise<void> {
    return this.#use((engine) => {
      const stored = encode(engine.options.codec, value);
      return engine.writes.run((tx) => progressJob(engine, tx, lease, stored, value));
    });
  }

  onReady(listener: () => void): () => void {
    return this.#signals.onReady(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#signals.onCancel(listener);
  }

  onReport(listener: (report: BrokerReport) => void): () => void {
    let stop: (() => void) | undefined;
    let stopped = false;
    const attach = (engine: Engine): void => {
      if (!stopped) stop = engine.reports.onReport(listener);
    };
    if (this.#engine) attach(this.#engine);
    else this.#open().then(attach, () => {});
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async getJob(id: string): Promise<JobSnapshot | undefined> {
    const engine = this.#engine ?? (await this.#open());
    const row = engine.s.getJob.get(id) as JobRow | undefined;
    return row && toSnapshot(row, engine.options.codec);
  }

  async watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    const engine = this.#engine ?? (await this.#open());
    // Read and subscribe in one synchronous step: no report can fall between.
    // Every stored job has at least its `queued` report, so no history means no job.
    const history = engine.reports.history(id);
    return history.length === 0 ? undefined : engine.reports.watch(id, listener, history);
  }

  async cancel(id: string): Promise<CancelResult> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => cancelWithFlow(engine, tx, id));
  }

  async retry(id: string): Promise<JobSnapshot | undefined> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => retryWithFlow(engine, tx, id));
  }

  /** Starts a flow: its job and first steps in one transaction (contract/flows.ts). */
  startFlow(request: FlowStartRequest): Promise<EnqueueResult> {
    return this.#use((engine) => {
      const graph = encode(engine.options.codec, request.graph);
      encodeRequests(engine, request.first); // a codec error fails the call before the transaction
      return engine.writes.run((tx) => startFlow(engine, tx, request, graph));
    });
  }

  async counts(): Promise<QueueCounts[]> {
    return countJobs(this.#engine ?? (await this.#open()));
  }

  async listJobs(query: ListJobsQuery): Promise<JobPage> {
    return listJobs(this.#engine ?? (await this.#open()), query);
  }

  /** The queue's settings over the defaults (shared by every process on this database file). */
  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return readQueueSettings(this.#engine ?? (await this.#open()), queue);
  }

  /** Merges a patch into the queue's stored settings (`undefined` puts a key back to its default). */
  async setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => {
      const settings = writeQueueSettings(engine, tx, queue, patch);
      tx.after(() => engine.signals.ready());
      return settings;
    });
  }

  /** Leases nothing from `queue` for `ms`, in every process on this file. */
  async limitQueue(queue: string, ms: number): Promise<void> {
    const engine = this.#engine ?? (await this.#open());
    await engine.writes.run((tx) => wakeAt(engine, limitQueue(engine, tx, queue, ms), tx.now));
  }

  /** The queue's flow state. */
  async queueLimits(queue: string): Promise<QueueLimits> {
    return queueLimits(this.#engine ?? (await this.#open()), queue);
  }

  /** Deletes the queue's jobs that finished at least `olderThanMs` ago, with their reports. */
  async purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => purgeQueue(engine, tx, queue, tx.now - olderThanMs));
  }

  /** Stores a schedule (see ScheduleStore), shared by every process on this database file. */
  async putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return this.#schedules((table, engine) => engine.writes.run((tx) => table.put(definition, tx.now)));
  }

  /** Removes a schedule; false if unknown. */
  async removeSchedule(name: string): Promise<boolean> {
    return this.#schedules((table, engine) => engine.writes.run(() => table.remove(name)));
  }

  /** Every schedule, by name. */
  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.#schedules((table) => table.list());
  }

  /** Pauses or resumes a schedule; false if unknown. */
  async pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return this.#schedules((table, engine) => engine.writes.run((tx) => table.pause(name, paused, tx.now)));
  }

  /** Fires one tick: compare-and-set on the schedule's `last_at` and the job's insert, in one transaction. */
  async fireSchedule(request: FireRequest): Promise<FireOutcome> {
    return this.#schedules((table, engine) => {
      const job = encodeRequests(engine, [request.job]);
      const stillRuns = (id: string): boolean => {
        const row = engine.db.prepare('SELECT status FROM drover_jobs WHERE id = ?').get(id) as
          { status: string } | undefined;
        return row !== undefined && !isTerminalStatus(row.status);
      };
      return engine.writes.run((tx) => table.fire(request, stillRuns, () => enqueueJobs(engine, tx, job)));
    });
  }

  /** Runs `fn` with this connection's schedules table. */
  #schedules<T>(fn: (table: ScheduleTable, engine: Engine) => T | Promise<T>): Promise<T> {
    return this.#use((engine) => {
      if (this.#scheduleTable?.engine !== engine)
        this.#scheduleTable = { engine, table: new ScheduleTable(engine.db, { table: 'drover_schedules' }) };
      return fn(this.#scheduleTable.table, engine);
    });
  }

  /** Replaces this process's announcement in the worker directory of this database file. */
  async announceWorkers(instance: string, workers: readonly WorkerPresence[], ttlMs: number): Promise<void> {
    const engine = this.#engine ?? (await this.#open());
    await engine.writes.run((tx) => announceWorkers(engine, tx, instance, workers, ttlMs));
  }

  /** Keeps a handler's log lines with its job (the last MAX_JOB_LOG_LINES). */
  async appendJobLogs(lease: LeaseRef, lines: readonly JobLogLine[]): Promise<boolean> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => appendJobLogs(engine, tx, lease, lines));
  }

  async jobLogs(id: string): Promise<JobLogLine[] | undefined> {
    return readJobLogs(this.#engine ?? (await this.#open()), id);
  }

  /** The workers every process on this database file announced and that have not expired. */
  async listWorkers(): Promise<WorkerPresence[]> {
    const engine = this.#engine ?? (await this.#open());
    return engine.writes.run((tx) => listWorkers(engine, tx));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs `fn` with the connected engine, connecting first if needed. Not
   * `async`, so the hot path (ack, lease) costs one promise, not two; a
   * synchronous throw (a codec error…) still becomes a rejection.
   */
  #use<T>(fn: (engine: Engine) => T | Promise<T>): Promise<T> {
    const engine = this.#engine;
    if (!engine) return this.#open().then(fn);
    try {
      return Promise.resolve(fn(engine));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #open(): Promise<Engine> {
    if (this.#closing) return Promise.reject(new ClosedError('sqlite broker'));
    this.#connecting ??= openDatabase(this.#options).then((db) => {
      const engine = new Engine(db, this.#options, this.#signals);
      if (this.#closing) {
        db.close();
        throw new ClosedError('sqlite broker');
      }
      this.#engine = engine;
      const stopSweeper = startSweeper(engine);
      const stopPoller = startChangePoller(engine);
      this.#stopTimers = () => {
        stopSweeper();
        stopPoller();
      };
      return engine;
    });
    return this.#connecting;
  }
}

/**
 * Creates the embedded durable broker. better-sqlite3 loads on `connect()`.
 * @example const broker = createSqliteBroker({ path: './drover.db' });
 */
export function createSqliteBroker(options: SqliteBrokerOptions): SqliteBroker {
  return new SqliteBroker(options);
}
