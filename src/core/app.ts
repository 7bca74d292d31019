import type { Logger } from 'pino';
import { destination, pino } from 'pino';
import type { Broker, EnqueueRequest } from './contract/index.js';
import { DroverMetrics, MAX_LABEL_VALUES } from '../metrics/metrics.js';
import type { MetricsOptions } from '../metrics/metrics.js';
import { createBrokerFromUrl } from './broker-registry.js';
import type { Codec, CodecName } from './codec.js';
import { assertEncodable, describe, resolveCodec } from './codec.js';
import { assertPayloadArgs } from './payload-rules.js';
import { ClosedError, ConfigError, ErrorCodes, UnknownTaskError } from './errors.js';
import type { DroverEventName, DroverEvents } from './events.js';
import { DroverEmitter } from './events.js';
import type { IdMaker } from './id.js';
import { createIdMaker } from './id.js';
import { Job } from './job.js';
import type { JobSource } from './job.js';
import type { JobOptions, ResolvedJobOptions } from './options.js';
import { EMPTY, resolveJobOptions, toEnqueueRequest, validateJobOptions } from './options.js';
import type { BrokerReport } from './report.js';
import type { TaskArgs, TaskDefinition, TaskFn, TaskResult } from './task.js';
import { isTaskDefinition, task as defineTask } from './task.js';
import { TaskHandle } from './task-handle.js';
import type { TaskCaller } from './task-handle.js';
import { checkObject, fail } from './validate.js';
import type { Worker, WorkerOptions } from './worker.js';
import { createWorker } from './worker.js';
import { resolveGrace } from './grace.js';
import type { Flow } from './flow/flow.js';
import { isFlow } from './flow/flow.js';
import { startFlow } from './flow/start-flow.js';
import { AppSchedules } from './app-schedules.js';
import type { ScheduleInfo, SchedulerOptions } from './app-schedules.js';
import type { ScheduleSpec } from './schedule-definition.js';
import type { SchedulePut } from './contract/index.js';
import { QueueHandle } from './queue-handle.js';
import { withFlowState } from './queue-flow-counts.js';
import type { TaskOptions } from './task-settings.js';
import { writeTaskSettings } from './task-settings.js';

/** Options of {@link Drover}. */
export interface DroverOptions {
  /**
   * Broker URL (`memory:`, `sqlite:./drover.db`, `ws://host:7400`…) or a broker object.
   * The app closes a broker it made from a URL; one passed in stays the caller's to close.
   * @default 'memory:'
   */
  broker?: string | Broker;
  /** `json`, `msgpack` or a codec object. @default 'json' */
  codec?: CodecName | Codec;
  /** Shared secret for `ws://` brokers. */
  secret?: string;
  /** pino logger. @default warnings and errors to stderr */
  logger?: Logger;
  /** Makes job ids. @default a random prefix plus a counter */
  idMaker?: IdMaker;
  /** Metrics: an existing DroverMetrics, or options for a new one. */
  metrics?: DroverMetrics | MetricsOptions;
  /**
   * The schedule ticker (docs/scheduling.md): on a broker that keeps
   * schedules, every app fires the stored schedules' due ticks (each tick
   * once across all processes). `false` runs none in this app.
   * @default {}
   */
  scheduler?: SchedulerOptions | false;
}

/** Options of {@link Drover.close}. */
export interface CloseOptions {
  /** How long in-flight jobs may finish before they are aborted and handed back (ms). @default 30000 */
  grace?: number;
}

const JOB_EVENT_BY_STATUS: Record<BrokerReport['status'], DroverEventName> = {
  queued: 'job:queued',
  active: 'job:active',
  progress: 'job:progress',
  retrying: 'job:retrying',
  succeeded: 'job:succeeded',
  failed: 'job:failed',
  cancelled: 'job:cancelled',
};

/**
 * The app: registers tasks, calls them, runs workers, and emits events.
 * @example const app = new Drover({ broker: 'memory:' });
 */
export class Drover implements TaskCaller, JobSource {
  /** The codec arguments and results travel in. */
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: DroverMetrics;
  readonly #brokerOption: string | Broker;
  readonly #secret: string | undefined;
  readonly #ids: IdMaker;
  readonly #tasks = new Map<string, TaskDefinition>();
  readonly #workers = new Set<Worker>();
  readonly #events: DroverEmitter;
  #broker: Promise<Broker> | undefined;
  /** The broker once connected: the call path's fast lane. */
  #connected: Broker | undefined;
  /** Resolved options per task for calls without options of their own. */
  readonly #resolvedByTask = new WeakMap<TaskDefinition, ResolvedJobOptions>();
  #reportsBridged = false;
  readonly #schedules: AppSchedules;
  readonly #scheduler: SchedulerOptions | false;
  #closing: Promise<void> | undefined;

  constructor(options: DroverOptions = {}) {
    checkObject('options', options);
    this.codec = resolveCodec(options.codec);
    const broker = options.broker ?? 'memory:';
    if (
      typeof broker !== 'string' &&
      (typeof broker !== 'object' || broker === null || typeof broker.lease !== 'function')
    ) {
      fail('broker', 'a broker URL string or a Broker object', broker);
    }
    this.#brokerOption = broker;
    if (options.secret !== undefined && typeof options.secret !== 'string') fail('secret', 'a string', options.secret);
    this.#secret = options.secret;
    this.logger = options.logger ?? pino({ level: 'warn' }, destination(2));
    this.#ids = options.idMaker ?? createIdMaker();
    this.metrics = options.metrics instanceof DroverMetrics ? options.metrics : new DroverMetrics(options.metrics);
    if (options.scheduler !== undefined && options.scheduler !== false) checkObject('scheduler', options.scheduler);
    this.#scheduler = options.scheduler ?? {};
    this.#schedules = new AppSchedules(this);
    this.#events = new DroverEmitter((name) => {
      if (name.startsWith('job:') && name !== 'job:timeout') this.#bridgeReports();
    });
  }

  /** The broker, connected on first use. */
  broker(): Promise<Broker> {
    if (this.#closing) return Promise.reject(new ClosedError('drover app'));
    this.#broker ??= this.#connect();
    return this.#broker;
  }

  /** @internal the broker once connected; undefined before, and once closing. */
  get connectedBroker(): Broker | undefined {
    return this.#closing ? undefined : this.#connected;
  }

  /** Listens to an event of §7; returns a function that removes the listener. */
  on<K extends DroverEventName>(name: K, listener: (event: DroverEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Removes a listener. */
  off<K extends DroverEventName>(name: K, listener: (event: DroverEvents[K]) => void): void {
    this.#events.off(name, listener);
  }

  /** @internal emits on the app (used by the herd and the server). */
  emit<K extends DroverEventName>(name: K, event: DroverEvents[K]): void {
    this.#events.emit(name, event);
  }

  /** @internal whether anyone listens (hot-path guard). */
  listens(name: DroverEventName): boolean {
    return this.#events.has(name);
  }

  /**
   * Registers a function as a task and returns a handle typed from it.
   * @example const add = app.task('add', (a: number, b: number) => a + b, { retries: 3 });
   */
  task<F extends TaskFn>(name: string, fn: F, options: TaskOptions = {}): TaskHandle<F> {
    const def = defineTask(name, fn, options);
    this.register(def);
    return new TaskHandle(this, def);
  }

  /** Registers task definitions made with `task()`. Returns a handle for the first one. */
  register<F extends TaskFn>(def: TaskDefinition<F>, ...more: TaskDefinition[]): TaskHandle<F> {
    for (const d of [def, ...more]) {
      if (!isTaskDefinition(d)) fail('task', "a task definition made with task('name', fn)", d);
      validateJobOptions(d.options, `options of task ${d.name}`);
      const existing = this.#tasks.get(d.name);
      if (existing && existing.fn !== d.fn)
        throw new ConfigError(`Task ${JSON.stringify(d.name)} is already registered with another function`);
      this.#tasks.set(d.name, d);
      // Before connecting, #connect writes them; after, now.
      const broker = this.#connected;
      if (d.settings && broker) void this.#writeSettings(broker, d);
    }
    return new TaskHandle(this, def);
  }

  /**
   * One queue's controls: pause, resume, drain, retryFailed, purge, its settings and limits.
   * @example await app.queue('send').pause();
   */
  queue(name: string): QueueHandle {
    return new QueueHandle(this, name);
  }

  /** The registered task of that name, if any. */
  getTask(name: string): TaskDefinition | undefined {
    return this.#tasks.get(name);
  }

  /** How many tasks are registered. */
  get taskCount(): number {
    return this.#tasks.size;
  }

  /** Names of every registered task. */
  taskNames(): string[] {
    return [...this.#tasks.keys()];
  }

  /**
   * Calls a task by name (no function needed here) or by definition (typed).
   * Resolves once the broker accepted the job.
   */
  call<F extends TaskFn>(
    taskOrName: TaskDefinition<F>,
    args: TaskArgs<F>,
    options?: JobOptions,
  ): Promise<Job<TaskResult<F>>>;
  call(taskOrName: string, args: unknown[], options?: JobOptions): Promise<Job>;
  /**
   * Starts a flow (`chain`, `group`, `chord`, or one signature): one job
   * whose result is its last step's (docs/flows.md).
   * @example await app.call(chain(add.sig(2, 2), mul.sig(10)))
   */
  call<R>(flow: Flow<[], R>): Promise<Job<R>>;
  call(taskOrName: string | TaskDefinition | Flow, args?: unknown[], options: JobOptions = EMPTY): Promise<Job> {
    if (isFlow(taskOrName)) return startFlow(this, this.#ids, this.#tasks, taskOrName);
    return this.callTask(
      this.#definitionOf(taskOrName),
      args as unknown[],
      options === EMPTY ? EMPTY : validateJobOptions(options),
    );
  }

  /** Calls a task once per argument list, in one broker round trip. */
  callMany(
    taskOrName: string | TaskDefinition,
    argsList: readonly unknown[][],
    options: JobOptions = EMPTY,
  ): Promise<Job[]> {
    return this.callTaskMany(
      this.#definitionOf(taskOrName),
      argsList,
      options === EMPTY ? EMPTY : validateJobOptions(options),
    );
  }

  /** A handle on an existing job by id. */
  job<R = unknown>(id: string): Job<R> {
    if (typeof id !== 'string' || id.length === 0) fail('id', 'a non-empty string', id);
    return new Job<R>(id, '', this);
  }

  /** @internal */
  callTask(def: TaskDefinition, args: unknown[], options: JobOptions): Promise<Job> {
    const broker = this.#connected;
    // Before the broker is connected (or once closing), the general path waits for it or refuses.
    if (broker === undefined || this.#closing) return this.callTaskMany(def, [args], options).then(first);
    try {
      const request = this.#request(broker, def, args, options, 'args');
      if (broker.enqueueNow !== undefined) {
        const r = broker.enqueueNow(request);
        return Promise.resolve(new Job(r.id, def.name, this, r.hint));
      }
      return broker.enqueue([request]).then((results) => {
        const r = results[0]!;
        return new Job(r.id, def.name, this, r.hint);
      });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** @internal */
  async callTaskMany(def: TaskDefinition, argsList: readonly unknown[][], options: JobOptions): Promise<Job[]> {
    if (!Array.isArray(argsList)) fail('argsList', 'an array of argument arrays', argsList);
    const broker = this.#broker ? await this.#broker : await this.broker();
    const requests = new Array<EnqueueRequest>(argsList.length);
    if (argsList.length > 0) {
      const resolved = this.#resolved(broker, def, options);
      for (let i = 0; i < argsList.length; i++) {
        const args: unknown = argsList[i];
        if (!Array.isArray(args))
          fail(argsList.length === 1 ? 'args' : `argsList[${i}]`, 'an array of arguments', args);
        assertPayloadArgs(args as unknown[], `Arguments of ${def.name}`);
        assertEncodable(this.codec, args, `Arguments of ${def.name}`);
        requests[i] = toEnqueueRequest(this.#ids(), def.name, args as unknown[], resolved);
      }
    } else if (!broker.capabilities.shared && !this.#tasks.has(def.name)) throw new UnknownTaskError(def.name);
    const results = await broker.enqueue(requests);
    return results.map((r) => new Job(r.id, def.name, this, r.hint));
  }

  /** One job's request, checked (the argument array, its encodability, the task's presence). */
  #request(broker: Broker, def: TaskDefinition, args: unknown, options: JobOptions, name: string): EnqueueRequest {
    const resolved = this.#resolved(broker, def, options);
    if (!Array.isArray(args)) fail(name, 'an array of arguments', args);
    assertPayloadArgs(args as unknown[], `Arguments of ${def.name}`);
    assertEncodable(this.codec, args, `Arguments of ${def.name}`);
    return toEnqueueRequest(this.#ids(), def.name, args as unknown[], resolved);
  }

  /** The task's options resolved for one call; cached per task when the call adds none and nothing is time-dependent. */
  #resolved(broker: Broker, def: TaskDefinition, options: JobOptions): ResolvedJobOptions {
    if (!broker.capabilities.shared && !this.#tasks.has(def.name)) throw new UnknownTaskError(def.name);
    if (options !== EMPTY || def.options.runAt !== undefined) return resolveJobOptions(def.name, def.options, options);
    let resolved = this.#resolvedByTask.get(def);
    if (resolved === undefined)
      this.#resolvedByTask.set(def, (resolved = resolveJobOptions(def.name, def.options, EMPTY)));
    return resolved;
  }

  /**
   * Stores a schedule in the broker (an upsert by name: the same definition
   * again changes nothing, a new one replaces it). Every app on the broker
   * fires its ticks, each tick once. Refuses a bad cron, time zone or period
   * with InvalidScheduleError naming it.
   * @example await app.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, report, ['daily']);
   */
  schedule(
    name: string,
    spec: ScheduleSpec,
    task: string | TaskDefinition | TaskHandle<TaskFn>,
    args: unknown[],
    jobOptions?: JobOptions,
  ): Promise<SchedulePut> {
    const taskName = task instanceof TaskHandle ? task.name : this.#definitionOf(task).name;
    return this.#schedules.schedule(name, spec, taskName, args, jobOptions);
  }

  /** Removes a schedule; resolves false if there is none of that name. */
  unschedule(name: string): Promise<boolean> {
    return this.#schedules.unschedule(name);
  }

  /** Every stored schedule, by name, with `nextAt` and `lastAt`. */
  schedules(): Promise<ScheduleInfo[]> {
    return this.#schedules.list();
  }

  /** Pauses a schedule (its ticks are skipped until resumed); false if unknown. */
  pauseSchedule(name: string): Promise<boolean> {
    return this.#schedules.pause(name, true);
  }

  /** Resumes a paused schedule from its next tick (ticks missed while paused do not fire); false if unknown. */
  resumeSchedule(name: string): Promise<boolean> {
    return this.#schedules.pause(name, false);
  }

  /** Starts a herd consuming every registered task (or `options.queues`). */
  worker(options: WorkerOptions = {}): Worker {
    if (this.#closing) throw new ClosedError('drover app');
    const herd = createWorker(this, options);
    this.#workers.add(herd);
    herd.onClosed(() => this.#workers.delete(herd));
    return herd;
  }

  /**
   * Graceful close: workers stop leasing, in-flight jobs get `grace` ms to
   * finish, the rest are aborted and handed back; then the broker closes.
   * Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const grace = resolveGrace(options.grace);
    this.#closing ??= (async () => {
      await this.#schedules.stop();
      await Promise.all([...this.#workers].map((w) => w.close({ grace })));
      // A broker built from a URL belongs to the app; one passed in belongs to the caller.
      if (this.#broker && typeof this.#brokerOption === 'string')
        await (await this.#broker.catch(() => undefined))?.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #definitionOf(taskOrName: string | TaskDefinition): TaskDefinition {
    if (typeof taskOrName === 'string') {
      if (taskOrName.length === 0) fail('task', 'a task name or definition', taskOrName);
      return this.#tasks.get(taskOrName) ?? defineTask(taskOrName, unregistered);
    }
    if (isTaskDefinition(taskOrName)) return taskOrName;
    return fail('task', 'a task name or a task definition', taskOrName);
  }

  async #connect(): Promise<Broker> {
    const option = this.#brokerOption;
    const broker =
      typeof option === 'string'
        ? await createBrokerFromUrl(option, { codec: this.codec, secret: this.#secret })
        : option;
    await broker.connect();
    // Queue settings given on tasks hold before any worker of this app leases.
    const withSettings = [...this.#tasks.values()].filter((d) => d.settings !== undefined);
    await Promise.all(withSettings.map((d) => this.#writeSettings(broker, d)));
    this.metrics.setQueueCounts(async () => withFlowState(broker, (await broker.counts()).slice(0, MAX_LABEL_VALUES)));
    this.#connected = broker;
    if (this.#scheduler !== false && !this.#closing) this.#schedules.start(broker, this.#scheduler);
    return broker;
  }

  async #writeSettings(broker: Broker, def: TaskDefinition): Promise<void> {
    const queue = def.options.queue ?? def.name;
    try {
      await writeTaskSettings(broker, queue, def.settings!, this.logger);
    } catch (error) {
      this.#events.emit('error', { error, context: `could not write the settings of queue ${queue}` });
    }
  }

  #bridgeReports(): void {
    if (this.#reportsBridged) return;
    this.#reportsBridged = true;
    this.broker().then(
      (broker) => {
        if (!broker.onReport) {
          // Declared, not hidden: this broker cannot see every job's reports (docs/brokers.md).
          this.logger.warn(
            { broker: broker.name },
            'job:* events need a broker with a report feed; this one has none, so they will not fire',
          );
          return;
        }
        broker.onReport((report) => {
          const name = JOB_EVENT_BY_STATUS[report.status];
          if (this.#events.has(name)) this.#events.emit(name, report);
          if (report.error?.code === ErrorCodes.LEASE_EXPIRED && this.#events.has('job:stalled'))
            this.#events.emit('job:stalled', report);
        });
      },
      (error: unknown) =>
        this.#events.emit('error', {
          error,
          context: `could not connect to the broker (${describe(this.#brokerOption)})`,
        }),
    );
  }
}

function first(jobs: Job[]): Job {
  return jobs[0]!;
}

function unregistered(): never {
  throw new Error('this task has no function in this process');
}
