import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Broker, LeasedJob } from '../core/contract/index.js';
import type { Codec } from '../core/codec.js';
import { assertEncodable } from '../core/codec.js';
import { jobStorage } from '../core/current-job.js';
import { JobPace } from './job-pace.js';
import { RECORDED } from '../core/recorded.js';
import type { DroverEventName, DroverEvents } from '../core/events.js';
import {
  ClosedError,
  JobCancelledError,
  JobTimeoutError,
  ErrorCodes,
  UnknownTaskError,
  isDroverError,
  toErrorInfo,
} from '../core/errors.js';
import type { TaskDefinition } from '../core/task.js';
import { Fail, RateLimited, Retry } from '../core/signals.js';
import type { DroverMetrics } from '../metrics/metrics.js';
import type { ResolvedWorkerOptions, WorkerOptions } from './options.js';
import { checkConcurrency, resolveWorkerOptions } from './options.js';
import { failureOutcome } from './outcome.js';
import { RunningJob } from './running-job.js';
import type { RunningJobHost } from './running-job.js';
import { LogShipper } from './log-shipper.js';
import { LeaseKeeper } from './lease-keeper.js';
import { resolveGrace } from '../core/grace.js';
import type { Worker } from '../core/worker.js';
import { doublingDelay } from '../core/backoff.js';

/** What the herd needs from its app. */
export interface HerdHost {
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: DroverMetrics;
  broker(): Promise<Broker>;
  getTask(name: string): TaskDefinition | undefined;
  taskNames(): string[];
  /** Changes whenever a task is registered. */
  readonly taskCount: number;
  emit<K extends DroverEventName>(name: K, event: DroverEvents[K]): void;
  listens(name: DroverEventName): boolean;
}

/** Leases in a row on a broker's synchronous lane before the herd yields a microtask. */
const SYNC_ROUNDS = 64;

/**
 * Where a herd is in its life:
 * starting ──broker connected──▶ running ──close()──▶ draining (no leasing;
 * in-flight jobs may finish) ──drained or grace over──▶ aborting (the rest
 * aborted, their leases handed back) ──▶ closed. A close() while starting
 * goes straight to draining: the herd never leases.
 */
type HerdState = 'starting' | 'running' | 'draining' | 'aborting' | 'closed';

/**
 * The herd (gofherd): leases jobs and runs them with bounded concurrency
 * that can change while it runs; its {@link LeaseKeeper} keeps their leases.
 */
export class Herd implements Worker {
  readonly #host: HerdHost;
  readonly #options: ResolvedWorkerOptions;
  /** Running jobs; each knows its index, so removal is a swap, not a hash. */
  readonly #running: RunningJob[] = [];
  #queues: { count: number; names: readonly string[] } | undefined;
  readonly #releasers: (() => void)[] = [];
  readonly #closedListeners: (() => void)[] = [];
  #broker: Broker | undefined;
  #concurrency: number;
  #active = 0;
  #leasing = false;
  #pumpWanted = false;
  #pumpScheduled = false;
  #idle = false;
  #state: HerdState = 'starting';
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #leaseKeeper: LeaseKeeper | undefined;
  #leaseErrors = 0;
  readonly #pace = new JobPace();
  /** Outcomes sent to the broker and not yet confirmed. */
  #recording = 0;
  #recordsIdle: (() => void) | undefined;
  /** Shared by every RunningJob (no closure per job). */
  readonly #jobHost: RunningJobHost;
  readonly #logs = new LogShipper(
    () => this.#broker,
    (error) => this.#reportError(error, 'keeping job log lines failed'),
  );
  readonly #pumpTask = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  /** @internal made by `app.worker()` */
  constructor(host: HerdHost, options: WorkerOptions = {}) {
    this.#host = host;
    this.#jobHost = {
      logger: host.logger,
      progress: (job, value) => this.#progress(job, value),
      logsPending: (job) => this.#logs.pending(job),
    };
    this.#options = resolveWorkerOptions(options, `${hostname()}:${process.pid}`);
    this.#concurrency = this.#options.concurrency;
    host.metrics.herdSize(this.#concurrency);
    host.broker().then(
      (broker) => this.#start(broker),
      (error: unknown) => this.#reportError(error, 'the worker could not connect to the broker'),
    );
  }

  /** How many jobs may run at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** Live resize: growing starts more at once; shrinking lets running jobs finish. */
  set concurrency(value: number) {
    this.#concurrency = checkConcurrency(value);
    this.#host.metrics.herdSize(value);
    this.#schedulePump();
  }

  /** Jobs whose handler is running now (including timed-out ones that have not returned). */
  get active(): number {
    return this.#active;
  }

  /** The queues this herd consumes. */
  get queues(): readonly string[] {
    if (this.#options.queues) return this.#options.queues;
    const count = this.#host.taskCount;
    if (this.#queues?.count !== count) {
      const names = [...new Set(this.#host.taskNames().map((n) => this.#host.getTask(n)?.options.queue ?? n))];
      this.#queues = { count, names };
    }
    return this.#queues.names;
  }

  /** The name this herd leases under. */
  get name(): string {
    return this.#options.name;
  }

  /** @internal called once the herd has closed. */
  onClosed(listener: () => void): void {
    this.#closedListeners.push(listener);
  }

  /**
   * Stops leasing, lets in-flight jobs finish for `grace` ms, then aborts the
   * rest and hands them back to the queue. Idempotent.
   */
  close(options: { grace?: number } = {}): Promise<void> {
    const grace = resolveGrace(options.grace);
    this.#closing ??= this.#close(grace);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #start(broker: Broker): void {
    if (this.#state !== 'starting') return;
    this.#state = 'running';
    this.#broker = broker;
    this.#releasers.push(broker.onReady(() => this.#schedulePump()));
    this.#releasers.push(
      broker.onCancel((id) => {
        for (const job of this.#running) if (job.lease.id === id) job.abort(new JobCancelledError(id));
      }),
    );
    // Not unref(): a running worker keeps its process alive until it is closed.
    this.#pollTimer = setInterval(() => this.#schedulePump(), this.#options.pollInterval);
    const { leaseMs, renewMs } = this.#options;
    this.#leaseKeeper = new LeaseKeeper({
      broker,
      running: () => this.#running,
      leaseMs,
      renewMs,
      onError: (error) => this.#reportError(error, 'renewing leases failed'),
    });
    this.#leaseKeeper.start();
    this.#pump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A reaction on a settled promise: a microtask without queueMicrotask's AsyncResource per call.
    void RECORDED.then(this.#pumpTask);
  }

  #pump(): void {
    const broker = this.#broker;
    if (!broker) return;
    // A broker with a synchronous lane leases in this loop, not by recursion; after
    // SYNC_ROUNDS rounds the rest waits for a microtask, so other work gets a turn.
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      if (this.#state !== 'running') return;
      if (this.#leasing) {
        this.#pumpWanted = true;
        return;
      }
      const free = this.#concurrency - this.#active;
      if (free <= 0) return;
      const queues = this.queues;
      if (queues.length === 0) return;
      this.#leasing = true;
      this.#pumpWanted = false;
      // Never at concurrency 1: a job that kills or hangs its process must not take a held sibling's attempt with it.
      const ahead = this.#concurrency > 1 && this.#pace.short ? this.#concurrency : 0;
      const request = { queues, max: free, leaseMs: this.#options.leaseMs, workerId: this.#options.name, ahead };
      if (broker.leaseNow === undefined) {
        broker.lease(request).then(
          (jobs) => {
            if (this.#leased(jobs, free, queues)) this.#pump();
          },
          (error: unknown) => this.#leaseFailed(error),
        );
        return;
      }
      let jobs: LeasedJob[];
      try {
        jobs = broker.leaseNow(request);
      } catch (error) {
        return this.#leaseFailed(error);
      }
      if (!this.#leased(jobs, free, queues)) return;
    }
    this.#schedulePump();
  }

  /** Runs what was leased; true if the herd should lease again at once. */
  #leased(jobs: LeasedJob[], free: number, queues: readonly string[]): boolean {
    this.#leaseErrors = 0;
    // Still `leasing` while they start: a slot freed meanwhile asks for the next lease (`pumpWanted`).
    try {
      for (const job of jobs) this.#run(job);
    } finally {
      this.#leasing = false;
    }
    if (jobs.length === free || this.#pumpWanted) return true;
    if (jobs.length === 0 && this.#active === 0 && !this.#idle) {
      this.#idle = true;
      if (this.#host.listens('queue:empty')) this.#host.emit('queue:empty', { queues });
    }
    return false;
  }

  #leaseFailed(error: unknown): void {
    this.#leasing = false;
    this.#leaseErrors++;
    this.#reportError(error, 'leasing failed');
    // Back off (capped) before the next try; the poll timer also retries.
    setTimeout(() => this.#schedulePump(), doublingDelay(100, 5000, this.#leaseErrors + 1, 'none')).unref();
  }

  #run(lease: LeasedJob): void {
    if (this.#state !== 'running') {
      void this.#broker?.release([lease]);
      return;
    }
    this.#idle = false;
    const job = new RunningJob(lease, this.#jobHost);
    job.index = this.#running.push(job) - 1;
    this.#active++;
    this.#host.metrics.active(1);
    const def = this.#host.getTask(lease.task);
    if (!def) {
      job.returned = true;
      this.#settle(job, new Fail(new UnknownTaskError(lease.task).message), false);
      return;
    }
    const timeout = lease.options.timeout;
    if (timeout !== undefined) {
      job.timer = setTimeout(() => {
        const error = new JobTimeoutError(lease.id, timeout);
        job.abort(error);
        if (this.#host.listens('job:timeout'))
          this.#host.emit('job:timeout', {
            jobId: lease.id,
            task: lease.task,
            attempt: lease.attempt,
            timeoutMs: timeout,
          });
        this.#settle(job, error, false);
      }, timeout);
    }
    let out: unknown;
    try {
      out = jobStorage.run(job, def.fn, ...lease.args);
    } catch (error) {
      this.#returned(job, error, false);
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      (out as PromiseLike<unknown>).then(
        (value) => this.#returned(job, value, true),
        (error: unknown) => this.#returned(job, error, false),
      );
    } else {
      this.#returned(job, out, true);
    }
  }

  #returned(job: RunningJob, value: unknown, ok: boolean): void {
    job.returned = true;
    if (job.timer) clearTimeout(job.timer);
    if (job.settled) return this.#free(job);
    // An abort for cancel, lost lease or shutdown means someone else owns the outcome.
    if (job.aborted) {
      job.settled = true;
      return this.#free(job);
    }
    this.#settle(job, value, ok);
  }

  #settle(job: RunningJob, value: unknown, ok: boolean): void {
    job.settled = true;
    this.#logs.ship(job);
    const broker = this.#broker!;
    const lease = job.lease;
    const seconds = job.elapsedSeconds();
    this.#pace.observe(seconds);
    let recorded: Promise<void>;
    if (ok) {
      try {
        if (value !== undefined) assertEncodable(this.#host.codec, value, `The result of ${lease.task}`);
        recorded = broker.ack(lease, value);
        this.#host.metrics.succeeded(lease.task, seconds);
      } catch (error) {
        return this.#settle(job, new Fail(error instanceof Error ? error.message : String(error)), false);
      }
    } else if (value instanceof RateLimited) {
      if (broker.limitQueue) {
        recorded = this.#rateLimited(broker.limitQueue.bind(broker), lease, value);
      } else {
        // No flow control on this broker: the nearest it can do is a retry after `ms` (counting an attempt).
        return this.#settle(job, new Retry(value.message, { delay: value.ms }), false);
      }
    } else {
      const outcome = failureOutcome(lease, value);
      recorded = broker.nack(lease, outcome);
      if (outcome.retryInMs === undefined) this.#host.metrics.failed(lease.task, seconds);
      else this.#host.metrics.retried(lease.task, seconds);
    }
    if (recorded === RECORDED) return this.#free(job); // recorded already (in-process broker): no round trip
    this.#recording++;
    recorded.then(
      () => this.#recorded(job),
      (error: unknown) => {
        if (!isDroverError(error) || error.code !== ErrorCodes.STALE_LEASE) {
          this.#reportError(error, `recording the outcome of job ${lease.id} failed`, lease.id);
        } else if (!job.aborted) {
          // Not cancelled and not aborted by us: the attempt outlived its lease (S09), e.g. a handler that blocked the loop.
          this.#host.logger.warn(
            { jobId: lease.id, task: lease.task, attempt: lease.attempt },
            `outcome of job ${lease.id} refused: its lease expired while it ran (did the handler block the event loop?); another attempt owns it`,
          );
        }
        this.#recorded(job);
      },
    );
    // Pipelining: the slot is free once the handler returned and its outcome is on its way,
    // so the next lease overlaps this round trip. Outcomes in flight stay bounded by the herd size.
    if (this.#recording <= Math.max(1, this.#concurrency)) this.#free(job);
  }

  /** `RateLimited`: the queue stops leasing for `ms` everywhere, and the job goes back unfinished (no attempt counted). */
  async #rateLimited(
    limitQueue: (queue: string, ms: number) => Promise<void>,
    lease: LeasedJob,
    signal: RateLimited,
  ): Promise<void> {
    this.#host.logger.info(
      { jobId: lease.id, queue: lease.queue, ms: signal.ms },
      `queue ${lease.queue} rate limited by its handler for ${signal.ms} ms`,
    );
    await limitQueue(lease.queue, signal.ms);
    await this.#broker!.release([lease]);
  }

  #recorded(job: RunningJob): void {
    this.#recording--;
    this.#free(job);
    if (this.#recording === 0 && this.#recordsIdle) this.#recordsIdle();
  }

  #free(job: RunningJob): void {
    if (!job.returned || !job.settled) return;
    if (job.index < 0) return;
    const last = this.#running.pop()!;
    if (last !== job) {
      this.#running[job.index] = last;
      last.index = job.index;
    }
    job.index = -1;
    this.#active--;
    this.#host.metrics.active(-1);
    if (this.#state !== 'running') {
      if (this.#running.length === 0) this.#drained?.();
      return;
    }
    this.#pump();
  }

  async #progress(job: RunningJob, value: unknown): Promise<void> {
    if (job.settled || !this.#broker) return;
    try {
      assertEncodable(this.#host.codec, value, 'progress');
      await this.#broker.progress(job.lease, value);
    } catch (error) {
      if (isDroverError(error) && error.code === ErrorCodes.STALE_LEASE) return;
      if (error instanceof TypeError) throw error;
      this.#reportError(error, `recording progress of job ${job.lease.id} failed`, job.lease.id);
    }
  }

  async #close(grace: number): Promise<void> {
    this.#state = 'draining';
    clearInterval(this.#pollTimer);
    for (const release of this.#releasers.splice(0)) release();
    if (this.#running.length > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)))]);
      clearTimeout(timer);
    }
    this.#state = 'aborting';
    this.#leaseKeeper?.stop();
    this.#logs.stop();
    const rest = [...this.#running].filter((j) => !j.settled);
    for (const job of rest) {
      job.settled = true;
      job.abort(new ClosedError('worker'));
    }
    if (rest.length > 0 && this.#broker) {
      await this.#broker
        .release(rest.map((j) => j.lease))
        .catch((error: unknown) => this.#reportError(error, 'handing jobs back failed'));
    }
    if (this.#recording > 0) await new Promise<void>((resolve) => (this.#recordsIdle = resolve));
    this.#host.metrics.herdSize(0);
    this.#state = 'closed';
    for (const listener of this.#closedListeners) listener();
  }

  #reportError(error: unknown, context: string, jobId?: string): void {
    this.#host.logger.error({ err: error, jobId }, context);
    this.#host.emit('error', { error, context, jobId, info: toErrorInfo(error) });
  }
}
