import { ClosedError, StaleLeaseError } from '../../core/errors.js';
import type { JobStatus, Report } from '../../core/report.js';
import type { BrokerReport } from '../../core/report.js';
import type {
  Broker,
  BrokerCapabilities,
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  LeaseRef,
  LeaseRequest,
  LeasedJob,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
} from '../contract.js';
import type {
  FireOutcome,
  FireRequest,
  FlowStartRequest,
  JobLogLine,
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
  WorkerPresence,
} from '../../core/contract/index.js';
import { RedisFlows } from './flows.js';
import * as schedules from './schedules.js';
import { countJobs } from './job-counts.js';
import { readQueueSettings, writeQueueSettings } from './queue-settings.js';
import { limitQueue, purgeQueue, queueLimits } from './flow-control.js';
import { WakeTimer } from '../../core/wake-timer.js';
import { announceWorkers, listWorkers } from './worker-directory.js';
import { appendJobLogs, readJobLogs } from './job-logs.js';
import { listJobs } from './job-listing.js';
import type { RedisBrokerOptions, ResolvedRedisOptions } from './options.js';
import { resolveRedisOptions } from './options.js';
import type { LeaseBatch } from '../lease-ahead.js';
import { LeaseAhead } from '../lease-ahead.js';
import type { Outcome } from './outcome-batcher.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import type { LeaseHooks } from './lease-reply.js';
import { decodeLeases, leaseArgs } from './lease-reply.js';
import { Listeners, RedisEngine, warnOnce } from './redis-engine.js';
import { decodeValue, encodeValue, errorJson, parseErrorJson } from './stored-values.js';
import { EXPIRED_MESSAGE, SWEEP_LIMIT, parseSweep, startSweeper } from './sweeper.js';

/**
 * The Redis broker (`redis://host:6379/0?prefix=app1`): any number of
 * producers, workers and servers on many machines share one Redis (or
 * Cluster). Every state change is one Lua script (`lua/*.lua`), atomic;
 * acks and nacks of one turn go in one script call; every live process
 * sweeps expired leases and due delays, none is special.
 *
 * States: created ──connect()──▶ open ──close()──▶ closed. Methods called
 * before `connect()` connect first.
 */
export class RedisBroker implements Broker {
  readonly name = 'redis';
  readonly capabilities: BrokerCapabilities = Object.freeze({ durable: true, shared: true });
  readonly #options: ResolvedRedisOptions;
  readonly #listeners = new Listeners();
  readonly #wake = new WakeTimer(() => this.#listeners.fireReady());
  #engine: RedisEngine | undefined;
  #connecting: Promise<RedisEngine> | undefined;
  #batcher: OutcomeBatcher | undefined;
  #stopSweeper: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly #leaseHooks: LeaseHooks = {
    wakeAt: (at) => this.#wake.at(at),
    report: (report) => this.#report(report),
  };
  readonly #ahead = new LeaseAhead({
    fetch: (request, max) => this.#fetchLeases(request, max),
    release: (leases) => this.release(leases),
  });

  constructor(options: RedisBrokerOptions = {}) {
    this.#options = resolveRedisOptions(options);
    this.#listeners.cancel.add((jobId) => this.#ahead.drop(jobId));
  }

  /** The key prefix, as given. */
  get prefix(): string {
    return this.#options.prefix;
  }

  async connect(): Promise<void> {
    await this.#open();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const engine = await this.#connecting?.catch(() => undefined);
      if (engine) await this.#ahead.close().catch(() => undefined);
      this.#stopSweeper?.();
      this.#wake.stop();
      this.#engine = undefined;
      await engine?.close();
    })();
    return this.#closing;
  }

  async enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    if (jobs.length === 0) return [];
    const engine = this.#engine ?? (await this.#open());
    const args: (string | number)[] = [];
    const queues = new Set<string>();
    for (const req of jobs) if (!engine.knownQueues.has(req.queue)) queues.add(req.queue);
    args.push(queues.size, ...queues);
    // A job enqueued on its own is likely to be waited for (`call()` then `result()`): it is
    // watched from the start, so that `watch()` needs no round trip (see RecentJobs).
    const single = jobs.length === 1 ? jobs[0]!.id : undefined;
    for (const req of jobs) args.push(...jobArgs(engine, req, single !== undefined));
    if (single !== undefined) engine.recent.add(single);
    let reply: unknown[];
    try {
      reply = (await engine.run('enqueue', args)) as unknown[];
    } catch (error) {
      engine.optionsTable.forgetStored();
      if (single !== undefined) engine.recent.drop(single);
      throw error;
    }
    for (const q of queues) engine.knownQueues.add(q);
    if (engine.knownQueues.size > 10_000) engine.knownQueues.clear();
    const at = Number(reply.at(-1));
    const results: EnqueueResult[] = [];
    let ready = false;
    for (let i = 0; i < jobs.length; i++) {
      const id = String(reply[i * 3]);
      const status = String(reply[i * 3 + 1]) as JobStatus;
      const duplicate = reply[i * 3 + 2] === 1;
      results.push({ id, status, duplicate });
      if (duplicate || id !== jobs[i]!.id) {
        if (single !== undefined) engine.recent.drop(single);
        continue;
      }
      if (single !== undefined) engine.recent.queued(single, at);
      ready ||= status === 'queued';
      this.#report({ jobId: id, status: 'queued', attempt: 0, at, task: jobs[i]!.task, queue: jobs[i]!.queue });
    }
    if (ready) this.#listeners.fireReady();
    return results;
  }

  lease(request: LeaseRequest): Promise<LeasedJob[]> {
    return this.#ahead.lease(request);
  }

  /** One lease round trip for up to `max` jobs. */
  async #fetchLeases(request: LeaseRequest, max: number): Promise<LeaseBatch> {
    const engine = this.#engine ?? (await this.#open());
    const reply = await this.#leaseCarrying(engine, leaseArgs(request, max));
    return decodeLeases(engine, request, reply, this.#leaseHooks);
  }

  /**
   * `lease.lua`'s reply; outcomes waiting for their batch go along in the
   * same call (`finlease.lua`), which saves a round trip and a script call.
   */
  async #leaseCarrying(engine: RedisEngine, args: (string | number)[]): Promise<unknown[]> {
    const carried = this.#batcher?.carry();
    if (!carried) return (await engine.run('lease', args)) as unknown[];
    let reply: FinleaseReply;
    try {
      reply = await finlease(engine, carried.count, carried.args, args);
    } catch (error) {
      carried.fail(error);
      throw error;
    }
    carried.settle(reply[0]);
    return reply[1];
  }

  /**
   * One batch of outcomes (`finish.lua`); when a herd's lease-ahead buffer
   * has room, its next jobs ride along (`finlease.lua`): one round trip and
   * one script call instead of two.
   */
  async #finishCarrying(engine: RedisEngine, args: (string | number)[], count: number): Promise<unknown[]> {
    const refill = this.#ahead.carryRefill();
    if (!refill) {
      const { resultTtl, keepFinished } = engine.options;
      return (await engine.run('finish', [resultTtl, keepFinished, ...args])) as unknown[];
    }
    let reply: FinleaseReply;
    try {
      reply = await finlease(engine, count, args, leaseArgs(refill.request, refill.max));
    } catch (error) {
      refill.failed();
      throw error;
    }
    // The outcomes settle first; the jobs land once their options are known.
    decodeLeases(engine, refill.request, reply[1], this.#leaseHooks).then(
      (batch) => refill.landed(batch),
      () => refill.failed(),
    );
    return reply[0];
  }

  async extend(leases: readonly LeaseRef[], leaseMs: number): Promise<boolean[]> {
    if (leases.length === 0) return [];
    const engine = this.#engine ?? (await this.#open());
    const args: (string | number)[] = [Math.ceil(leaseMs)];
    for (const lease of leases) args.push(lease.id, lease.token);
    const reply = (await engine.run('extend', args)) as number[];
    return reply.map((flag) => flag === 1);
  }

  async ack(lease: LeaseRef, result: unknown): Promise<void> {
    const engine = this.#engine ?? (await this.#open());
    const payload = encodeValue(engine.options.codec, result);
    let recorded = await this.#finish({ kind: 's', id: lease.id, token: lease.token, payload, delayMs: 0 });
    if (recorded?.flow) recorded = await new RedisFlows(engine).stepSucceeded(lease, recorded.flow, result, payload);
    if (!recorded || recorded.n === 0) return;
    const { n, attempt, at } = recorded;
    // Watchers here get the result as any other process would: through the codec.
    const copy = decodeValue(engine.options.codec, payload);
    this.#local(engine, n, { jobId: lease.id, status: 'succeeded', attempt, at, result: copy });
    this.#report({ jobId: lease.id, status: 'succeeded', result, ...recorded });
  }

  async nack(lease: LeaseRef, outcome: NackOutcome): Promise<void> {
    const engine = this.#engine ?? (await this.#open());
    const payload = errorJson(outcome.error);
    const retryIn = outcome.retryInMs;
    const kind = retryIn === undefined ? 'f' : 'r';
    const delayMs = retryIn !== undefined && Number.isFinite(retryIn) && retryIn > 0 ? Math.ceil(retryIn) : 0;
    const recorded = await this.#finish({ kind, id: lease.id, token: lease.token, payload, delayMs });
    if (!recorded) return;
    if (kind === 'r' && delayMs === 0) this.#listeners.fireReady();
    const status = kind === 'f' ? 'failed' : 'retrying';
    const error = parseErrorJson(payload)!;
    this.#local(engine, recorded.n, { jobId: lease.id, status, attempt: recorded.attempt, at: recorded.at, error });
    this.#report({ jobId: lease.id, status, error, ...recorded });
  }

  async release(leases: readonly LeaseRef[]): Promise<void> {
    if (leases.length === 0) return;
    const engine = this.#engine ?? (await this.#open());
    const args: string[] = [];
    for (const lease of leases) args.push(lease.id, lease.token);
    if (Number(await engine.run('release', args)) > 0) this.#listeners.fireReady();
  }

  async progress(lease: LeaseRef, value: unknown): Promise<void> {
    const engine = this.#engine ?? (await this.#open());
    const encoded = encodeValue(engine.options.codec, value);
    const args = [lease.id, lease.token, encoded, engine.options.maxProgressReports];
    const reply = (await engine.run('progress', args)) as unknown[] | null;
    if (reply === null) throw new StaleLeaseError(lease.id);
    const [task, queue, attempt, n, at] = reply;
    const copy = decodeValue(engine.options.codec, encoded);
    const local = {
      jobId: lease.id,
      status: 'progress' as const,
      attempt: Number(attempt),
      at: Number(at),
      progress: copy,
    };
    this.#local(engine, Number(n), local);
    this.#report({
      jobId: lease.id,
      status: 'progress',
      attempt: Number(attempt),
      at: Number(at),
      progress: value,
      task: String(task),
      queue: String(queue),
    });
  }

  onReady(listener: () => void): () => void {
    return this.#listeners.ready.add(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#listeners.cancel.add(listener);
  }

  /** Every report recorded through this broker instance (other processes' reports reach `watch`). */
  onReport(listener: (report: BrokerReport) => void): () => void {
    return this.#listeners.report.add(listener);
  }

  async getJob(id: string): Promise<JobSnapshot | undefined> {
    const engine = this.#engine ?? (await this.#open());
    const [snapshot] = await engine.snapshots([id]);
    return snapshot;
  }

  async watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    const engine = this.#engine ?? (await this.#open());
    // Registered in the same turn as the remembered history is taken: no live report falls between.
    const known = await engine.recent.history(id);
    return engine.watchers.watch(id, listener, known);
  }

  async cancel(id: string): Promise<CancelResult> {
    const engine = this.#engine ?? (await this.#open());
    const { resultTtl, keepFinished } = engine.options;
    const reply = (await engine.run('cancel', [id, resultTtl, keepFinished])) as unknown[];
    if (reply[0] === 'flow')
      return (await new RedisFlows(engine).cancel(id, (step) => this.cancel(step))) ? 'aborted' : 'finished';
    const outcome = reply[0] as CancelResult;
    if (outcome !== 'cancelled' && outcome !== 'aborted') return outcome;
    const [, task, queue, attempt, n, at] = reply;
    this.#local(engine, Number(n), { jobId: id, status: 'cancelled', attempt: Number(attempt), at: Number(at) });
    this.#report({
      jobId: id,
      status: 'cancelled',
      attempt: Number(attempt),
      at: Number(at),
      task: String(task),
      queue: String(queue),
    });
    if (outcome === 'aborted') {
      if (engine.ownCancels.size > 10_000) engine.ownCancels.clear();
      engine.ownCancels.add(id);
      this.#listeners.fireCancel(id);
    }
    return outcome;
  }

  async retry(id: string): Promise<JobSnapshot | undefined> {
    const engine = this.#engine ?? (await this.#open());
    engine.recent.drop(id);
    const reply = (await engine.run('rerun', [id])) as string[] | 'flow' | null;
    if (reply === 'flow') return (await new RedisFlows(engine).retry(id)) ? this.getJob(id) : undefined;
    if (reply === null) return undefined;
    const snapshot = await engine.snapshotOf(id, reply);
    this.#report({
      jobId: id,
      status: 'queued',
      attempt: 0,
      at: snapshot.runAt,
      task: snapshot.task,
      queue: snapshot.queue,
    });
    this.#listeners.fireReady();
    return snapshot;
  }

  /** Starts a flow: its job and first steps in one script (contract/flows.ts). */
  async startFlow(request: FlowStartRequest): Promise<EnqueueResult> {
    const engine = this.#engine ?? (await this.#open());
    const receipt = await new RedisFlows(engine).start(request);
    if (request.first.some((r) => r.delayMs === 0)) this.#listeners.fireReady();
    return receipt;
  }

  async counts(): Promise<QueueCounts[]> {
    const engine = this.#engine ?? (await this.#open());
    return countJobs(engine);
  }

  async listJobs(query: ListJobsQuery): Promise<JobPage> {
    const engine = this.#engine ?? (await this.#open());
    return listJobs(engine, query);
  }

  /** Stores a schedule (see ScheduleStore), shared by every process on the prefix. */
  async putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return schedules.putSchedule(this.#engine ?? (await this.#open()), definition);
  }

  /** Removes a schedule; false if unknown. */
  async removeSchedule(name: string): Promise<boolean> {
    return schedules.removeSchedule(this.#engine ?? (await this.#open()), name);
  }

  /** Every schedule, by name. */
  async listSchedules(): Promise<ScheduleRecord[]> {
    return schedules.listSchedules(this.#engine ?? (await this.#open()));
  }

  /** Pauses or resumes a schedule; false if unknown. */
  async pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return schedules.pauseSchedule(this.#engine ?? (await this.#open()), name, paused);
  }

  /** Fires one tick: compare-and-set on the schedule's `last` and the job's add, in one script (`lua/sfire.lua`). */
  async fireSchedule(request: FireRequest): Promise<FireOutcome> {
    const engine = this.#engine ?? (await this.#open());
    const { job } = request;
    let reply: unknown[];
    try {
      reply = (await engine.run('sfire', [
        request.name,
        request.rev,
        request.tick,
        ...jobArgs(engine, job, false),
      ])) as unknown[];
    } catch (error) {
      engine.optionsTable.forgetStored();
      throw error;
    }
    const outcome = String(reply[0]) as FireOutcome;
    if (outcome === 'fired') {
      this.#report({
        jobId: job.id,
        status: 'queued',
        attempt: 0,
        at: Number(reply[2]),
        task: job.task,
        queue: job.queue,
      });
      if (reply[1] === 'queued') this.#listeners.fireReady();
    }
    return outcome;
  }

  /** The queue's settings over the defaults (shared by every process on the prefix). */
  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return readQueueSettings(this.#engine ?? (await this.#open()), queue);
  }

  /** Merges a patch into the queue's stored settings (`undefined` puts a key back to its default). */
  async setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    return writeQueueSettings(this.#engine ?? (await this.#open()), queue, patch);
  }

  /** Leases nothing from `queue` for `ms`, on every process on the prefix. */
  async limitQueue(queue: string, ms: number): Promise<void> {
    this.#wake.at(await limitQueue(this.#engine ?? (await this.#open()), queue, ms));
  }

  /** The queue's flow state. */
  async queueLimits(queue: string): Promise<QueueLimits> {
    return queueLimits(this.#engine ?? (await this.#open()), queue);
  }

  /** Deletes the queue's jobs that finished at least `olderThanMs` ago, with their reports. */
  async purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    return purgeQueue(this.#engine ?? (await this.#open()), queue, olderThanMs);
  }

  /** Keeps a handler's log lines with its job (the last MAX_JOB_LOG_LINES). */
  async appendJobLogs(lease: LeaseRef, lines: readonly JobLogLine[]): Promise<boolean> {
    return appendJobLogs(this.#engine ?? (await this.#open()), lease, lines);
  }

  async jobLogs(id: string): Promise<JobLogLine[] | undefined> {
    return readJobLogs(this.#engine ?? (await this.#open()), id);
  }

  /** Replaces this instance's announcement in the prefix's worker directory. */
  async announceWorkers(instance: string, workers: readonly WorkerPresence[], ttlMs: number): Promise<void> {
    await announceWorkers(this.#engine ?? (await this.#open()), instance, workers, ttlMs);
  }

  /** The workers every process on the prefix announced and that have not expired. */
  async listWorkers(): Promise<WorkerPresence[]> {
    return listWorkers(this.#engine ?? (await this.#open()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #finish(outcome: Outcome): ReturnType<OutcomeBatcher['record']> {
    return this.#batcher!.record(outcome);
  }

  /**
   * A report this instance just recorded goes to its own watchers at once
   * (the channel's echo, which other processes get, is then skipped by its
   * number), so a producer and worker in one process wait for no echo.
   */
  #local(engine: RedisEngine, n: number, report: Report): void {
    const numbered = { n, report };
    engine.recent.caused(report.jobId, n);
    engine.recent.record(report.jobId, numbered);
    engine.watchers.publish(report.jobId, numbered);
  }

  #report(report: BrokerReport): void {
    if (this.#listeners.report.size > 0) this.#listeners.fireReport(report);
  }

  #open(): Promise<RedisEngine> {
    if (this.#closing) return Promise.reject(new ClosedError('redis broker'));
    this.#connecting ??= RedisEngine.open(this.#options, this.#listeners).then((engine) => {
      if (this.#closing) {
        void engine.close();
        throw new ClosedError('redis broker');
      }
      const { resultTtl, keepFinished } = engine.options;
      this.#batcher = new OutcomeBatcher((args, count) => this.#finishCarrying(engine, args, count));
      this.#stopSweeper = startSweeper(
        async () => {
          const args = [SWEEP_LIMIT, resultTtl, keepFinished, ...EXPIRED_MESSAGE];
          const result = parseSweep((await engine.run('sweep', args)) as unknown[]);
          for (const r of result.reports) {
            engine.recent.drop(r.id);
            const error = parseErrorJson(r.error)!;
            this.#report({
              jobId: r.id,
              status: r.status,
              attempt: r.attempt,
              at: result.now,
              error,
              task: r.task,
              queue: r.queue,
            });
          }
          if (result.promoted > 0 || result.reports.some((r) => r.status === 'retrying')) this.#listeners.fireReady();
          return result;
        },
        engine.options.sweepInterval,
        (error) => warnOnce(`sweeping failed (will retry): ${error instanceof Error ? error.message : String(error)}`),
      );
      this.#engine = engine;
      return engine;
    });
    return this.#connecting;
  }
}

/** The 10 values of one job in `enqueue.lua` (and `sfire.lua`); interns its options. */
function jobArgs(engine: RedisEngine, req: EnqueueRequest, watched: boolean): (string | number)[] {
  const { ref, json } = engine.optionsTable.intern(req.options);
  engine.optionsTable.remember(ref, json);
  const delay = req.delayMs > 0 ? Math.ceil(req.delayMs) : 0;
  const send = engine.optionsTable.needsStoring(ref) ? json : '';
  return [
    req.id,
    req.task,
    req.queue,
    encodeValue(engine.options.codec, req.args),
    req.priority,
    delay,
    req.key ?? '',
    ref,
    send,
    watched ? '1' : '',
  ];
}

/**
 * Creates the Redis broker. ioredis loads on `connect()`.
 * @example const broker = createRedisBroker({ url: 'redis://127.0.0.1:6379/0', prefix: 'app1' });
 */
export function createRedisBroker(options: RedisBrokerOptions = {}): RedisBroker {
  return new RedisBroker(options);
}

/** `finlease.lua`'s reply: `finish.lua`'s, then `lease.lua`'s. */
type FinleaseReply = [recorded: unknown[], leased: unknown[]];

/** `count` outcomes (`finish.lua`'s arguments) and a lease (`lease.lua`'s) in one call. */
async function finlease(
  engine: RedisEngine,
  count: number,
  outcomes: readonly (string | number)[],
  lease: readonly (string | number)[],
): Promise<FinleaseReply> {
  const { resultTtl, keepFinished } = engine.options;
  return (await engine.run('finlease', [resultTtl, keepFinished, count, ...outcomes, ...lease])) as FinleaseReply;
}
