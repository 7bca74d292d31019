import type { ConsumeMessage } from 'amqplib';
import { ClosedError, ConfigError, StaleLeaseError } from '../../core/errors.js';
import type { BrokerReport, Report } from '../../core/report.js';
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
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  ReportWatch,
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../contract.js';
import type { Changed, InsertResult, NewJob, ResultBackend, Stored } from './backend.js';
import { createBackend } from './backend-factory.js';
import { DELAY_SLACK_MS } from './backend-rules.js';
import { HeldLeases } from './held-leases.js';
import { Inbox } from './inbox.js';
import { Leaser } from './leaser.js';
import { AmqpLink } from './link.js';
import type { AmqpBrokerOptions, ResolvedAmqpOptions } from './options.js';
import { redact, resolveAmqpOptions } from './options.js';
import { ReportHub, encode } from './report-hub.js';
import { toSnapshot } from './snapshot.js';
import { startSweeper } from './sweeper.js';
import { decodeTicket, ticketOf } from './ticket.js';
import { freshToken } from './tokens.js';
import { WorkQueues } from './work-queues.js';
import { fireThroughBackend, newJob } from './schedule-fire.js';
import { CoalescedSignal, ListenerSet } from '../../core/listener-set.js';
import { AmqpFlows } from './flows.js';
import { LeaseAhead } from '../lease-ahead.js';

const OWNER = 'drover amqp broker';

/** Progress reports kept per job. */
const KEEP_PROGRESS = 100;

/** The id of a step of a flow ends in `.<step index>`. */
const STEP_ID = /\.\d+$/;

/**
 * RabbitMQ carries the work, a result backend keeps the state
 * (`amqp://…?prefix=app1&backend=sqlite:./drover.db`), Celery-style.
 *
 * Each job has one live ticket in RabbitMQ; a lease is a delivered ticket
 * plus a token recorded in the backend, and the delivery stays unacked while
 * the job runs, so a dead worker's jobs come back at once. See
 * docs/brokers.md for the whole design.
 *
 * States: created ──connect()──▶ open (reconnecting on loss) ──close()──▶ closed.
 */
export class AmqpBroker implements Broker {
  readonly name = 'amqp';
  readonly capabilities: BrokerCapabilities = Object.freeze({ durable: true, shared: true });
  readonly #o: ResolvedAmqpOptions;
  readonly #inbox = new Inbox();
  readonly #held = new HeldLeases();
  readonly #ready = new CoalescedSignal(OWNER);
  readonly #cancel = new ListenerSet<[jobId: string]>(OWNER);
  readonly #work: WorkQueues;
  readonly #link: AmqpLink;
  #backend: ResultBackend | undefined;
  #hub: ReportHub | undefined;
  #leaser: Leaser | undefined;
  #flows: AmqpFlows | undefined;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stopTimers: (() => void) | undefined;
  /** Herds of short jobs lease their next batch while they run this one (lease-ahead.ts). */
  readonly #ahead = new LeaseAhead({
    fetch: (request, max) => this.#leaser!.lease(max === request.max ? request : { ...request, max }),
    release: (leases) => this.#handBack(leases),
  });

  constructor(options: AmqpBrokerOptions) {
    this.#o = resolveAmqpOptions(options);
    this.#work = new WorkQueues({
      prefix: this.#o.prefix,
      maxPriority: this.#o.maxPriority,
      publishTimeout: this.#o.publishTimeout,
      onDelivery: (msg, queue, epoch) => this.#delivered(msg, queue, epoch),
    });
    this.#link = new AmqpLink({
      url: this.#o.url,
      reconnectMinMs: this.#o.reconnectMinMs,
      reconnectMaxMs: this.#o.reconnectMaxMs,
      onUp: async (channels) => {
        await this.#work.up(channels);
        this.#signalReady();
      },
      onDown: (epoch) => this.#inbox.dropEpoch(epoch),
      warn: (message) => process.emitWarning(`drover amqp broker (${redact(this.#o.url)}): ${message}`),
    });
    this.#work.attach(this.#link);
  }

  /** Queues and exchanges this instance declared (all under its prefix). */
  get declared(): { queues: ReadonlySet<string>; exchanges: ReadonlySet<string> } {
    return this.#work.declared;
  }

  /** The prefix everything is declared under. */
  get prefix(): string {
    return this.#o.prefix;
  }

  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('amqp broker'));
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<void> {
    const backend = await createBackend(this.#o.backend, this.#o.prefix, this.#o.resultTtl);
    await backend.open();
    try {
      await this.#link.connect();
    } catch (error) {
      await backend.close();
      throw error;
    }
    if (this.#closing) {
      await backend.close();
      throw new ClosedError('amqp broker');
    }
    this.#backend = backend;
    this.#hub = new ReportHub(backend, this.#o.codec);
    this.#leaser = new Leaser({
      backend,
      work: this.#work,
      inbox: this.#inbox,
      held: this.#held,
      publish: (notes) => this.#hub!.publish(notes),
      codec: this.#o.codec,
      wake: () => this.#signalReady(),
    });
    this.#flows = new AmqpFlows({
      backend,
      work: this.#work,
      codec: this.#o.codec,
      check: (req) => this.#checkTimeout(req),
      publish: (notes) => this.#hub!.publish(notes),
      wake: () => this.#signalReady(),
    });
    this.#stopTimers = startSweeper({
      backend,
      work: this.#work,
      held: this.#held,
      hub: this.#hub,
      inbox: this.#inbox,
      sweepInterval: this.#o.sweepInterval,
      pollInterval: this.#o.pollInterval,
      publish: (notes) => this.#hub!.publish(notes),
      cancelled: (id) => this.#signalCancel(id),
      wake: () => this.#signalReady(),
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => undefined);
      // Jobs leased ahead go back to their queues while the backend and RabbitMQ are still here.
      await this.#ahead.close().catch(() => undefined);
      this.#stopTimers?.();
      this.#leaser?.stop();
      this.#work.flushAcks();
      await this.#link.close();
      await this.#backend?.close();
    })();
    return this.#closing;
  }

  /** Stores a schedule in the result backend (see ScheduleStore). */
  async putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return (await this.#use()).putSchedule(definition);
  }

  /** Removes a schedule; false if unknown. */
  async removeSchedule(name: string): Promise<boolean> {
    return (await this.#use()).removeSchedule(name);
  }

  /** Every schedule, by name. */
  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.#use()).listSchedules();
  }

  /** Pauses or resumes a schedule; false if unknown. */
  async pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return (await this.#use()).pauseSchedule(name, paused);
  }

  /** Fires one tick (see `schedule-fire.ts`). */
  async fireSchedule(request: FireRequest): Promise<FireOutcome> {
    const backend = await this.#use();
    this.#checkTimeout(request.job);
    const fired = await fireThroughBackend(
      backend,
      this.#work,
      request,
      newJob(request.job, this.#o.codec, Date.now()),
    );
    this.#hub!.publish(fired.notes);
    if (fired.value === 'fired' && request.job.delayMs <= 0) this.#signalReady();
    return fired.value;
  }

  /** Starts a flow: its job and first steps in one backend write (see `flows.ts`). */
  async startFlow(request: FlowStartRequest): Promise<EnqueueResult> {
    await this.#use();
    return this.#flows!.start(request);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    const backend = await this.#use();
    if (jobs.length === 0) return [];
    const results = new Array<EnqueueResult | undefined>(jobs.length);
    const firstOfKey = new Map<string, number>();
    const fresh: { index: number; job: NewJob }[] = [];
    const now = Date.now();
    for (let i = 0; i < jobs.length; i++) {
      const req = jobs[i]!;
      this.#checkTimeout(req);
      if (req.key !== undefined) {
        if (firstOfKey.has(req.key)) continue;
        firstOfKey.set(req.key, i);
      }
      fresh.push({ index: i, job: newJob(req, this.#o.codec, now) });
    }
    const live =
      firstOfKey.size === 0 ? new Map<string, InsertResult>() : await backend.liveKeys([...firstOfKey.keys()]);
    const toInsert = fresh.filter((f) => f.job.key === undefined || !live.has(f.job.key));
    // The tickets first: once the state commits, a ticket exists (see backend.ts).
    await this.#work.publish(
      toInsert.map(({ job }) => ({
        queue: job.queue,
        ticket: ticketOf(job.id, 1, job.nonce, job.priority, now, job.runAt - now),
      })),
    );
    const inserted = await backend.insert(toInsert.map((f) => f.job));
    toInsert.forEach((f, k) => (results[f.index] = inserted.value[k]));
    this.#hub!.publish(inserted.notes);
    // Our own consumers (if any) will see the tickets; a herd in this process may not consume these queues yet.
    if (inserted.value.some((r) => r.status === 'queued' && !r.duplicate)) {
      // A ticket that beat its commit here was parked: it need not wait for its retry.
      if (this.#inbox.size > 0) this.#inbox.makeDue(new Set(toInsert.map((f) => f.job.id)));
      this.#signalReady();
    }
    for (let i = 0; i < jobs.length; i++) {
      if (results[i]) continue;
      const key = jobs[i]!.key!;
      const holder = live.get(key) ?? results[firstOfKey.get(key)!]!;
      results[i] = { id: holder.id, status: holder.status, duplicate: true };
    }
    return results as EnqueueResult[];
  }

  async lease(request: LeaseRequest): Promise<LeasedJob[]> {
    await this.#use();
    if (request.leaseMs >= this.#o.consumerTimeout) {
      throw new ConfigError(
        `A lease of ${request.leaseMs} ms is not shorter than RabbitMQ's consumer_timeout (${this.#o.consumerTimeout} ms): RabbitMQ would close the channel first. Shorten the lease or raise consumerTimeout (and the server's consumer_timeout)`,
      );
    }
    return this.#ahead.lease(request);
  }

  async extend(leases: readonly LeaseRef[], leaseMs: number): Promise<boolean[]> {
    const backend = await this.#use();
    const held = await backend.extend(leases, leaseMs);
    held.forEach((ok, i) => {
      if (!ok) this.#leaser!.drop(leases[i]!);
    });
    return held;
  }

  /**
   * Records a success. Not `async`: the usual case (the backend open, not a
   * flow's step) makes two promises per job instead of four, and each
   * promise costs this process's async hooks a call.
   */
  ack(lease: LeaseRef, result: unknown): Promise<void> {
    const backend = this.#backend;
    if (backend === undefined || this.#closing) return this.#use().then(() => this.ack(lease, result));
    let stored: Stored;
    try {
      stored = encode(this.#o.codec, result);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // The delivery is acked at once, so RabbitMQ sends the next ticket while the result commits.
    // Safe: should the process die before the commit, the backend lease expires and the sweeper
    // publishes a new ticket (at-least-once); a stale lease's delivery is dropped either way.
    this.#leaser!.drop(lease);
    // Only a step's id has the form `<flowId>.<n>` (flow-graph.ts): other jobs skip the lookup.
    if (STEP_ID.test(lease.id)) return this.#ackMaybeStep(backend, lease, stored, result);
    return backend.ack(lease, stored).then((changed) => this.#acked(lease, result, changed));
  }

  /** The ack of a job whose id has a step's form: a flow's step moves its flow on. */
  async #ackMaybeStep(backend: ResultBackend, lease: LeaseRef, stored: Stored, result: unknown): Promise<void> {
    const link = await backend.flowLink(lease.id);
    if (link) {
      if (!(await this.#flows!.ackStep(lease, link, stored, result))) throw new StaleLeaseError(lease.id);
      return;
    }
    this.#acked(lease, result, await backend.ack(lease, stored));
  }

  /** Publishes an ack's reports; a stale lease's ack rejects. */
  #acked(lease: LeaseRef, result: unknown, { value, notes }: Changed<boolean>): void {
    this.#hub!.publish(notes, result);
    if (!value) throw new StaleLeaseError(lease.id);
  }

  async nack(lease: LeaseRef, outcome: NackOutcome): Promise<void> {
    await this.#use();
    this.#leaser!.settling(lease);
    const ok = await this.#leaser!.nack(lease, outcome);
    if (!ok) throw new StaleLeaseError(lease.id);
  }

  async release(leases: readonly LeaseRef[]): Promise<void> {
    await this.#use();
    return this.#handBack(leases);
  }

  /** Hands leases back unfinished; also while closing (jobs leased ahead go back then). */
  async #handBack(leases: readonly LeaseRef[]): Promise<void> {
    const backend = this.#backend;
    if (backend === undefined || leases.length === 0) return;
    const released = await backend.release(leases);
    released.forEach((ok, i) => {
      if (ok) this.#leaser!.requeue(leases[i]!);
    });
    if (released.some(Boolean)) this.#signalReady();
  }

  async progress(lease: LeaseRef, value: unknown): Promise<void> {
    const backend = await this.#use();
    const stored = encode(this.#o.codec, value);
    const { value: ok, notes } = await backend.progress(lease, stored, KEEP_PROGRESS);
    this.#hub!.publish(notes, value);
    if (!ok) throw new StaleLeaseError(lease.id);
  }

  onReady(listener: () => void): () => void {
    return this.#ready.add(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#cancel.add(listener);
  }

  onReport(listener: (report: BrokerReport) => void): () => void {
    let stop: (() => void) | undefined;
    let stopped = false;
    const attach = (): void => {
      if (!stopped && this.#hub) stop = this.#hub.onReport(listener);
    };
    if (this.#hub) attach();
    else this.connect().then(attach, () => {});
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async getJob(id: string): Promise<JobSnapshot | undefined> {
    const record = await (await this.#use()).get(id);
    return record && toSnapshot(record, this.#o.codec);
  }

  async watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    await this.#use();
    return this.#hub!.watch(id, listener);
  }

  async cancel(id: string): Promise<CancelResult> {
    const backend = await this.#use();
    const flow = await this.#flows!.cancel(id, (step) => this.cancel(step));
    if (flow !== undefined) return flow;
    const { value, notes } = await backend.cancel(id);
    this.#hub!.publish(notes);
    if (value === 'aborted') {
      this.#leaser!.dropAny(id);
      this.#signalCancel(id);
    }
    return value;
  }

  async retry(id: string): Promise<JobSnapshot | undefined> {
    const backend = await this.#use();
    const flow = await this.#flows!.retry(id);
    if (flow !== undefined) return flow === null ? undefined : toSnapshot(flow, this.#o.codec);
    const before = await backend.get(id);
    if (!before || (before.status !== 'failed' && before.status !== 'cancelled')) return undefined;
    const now = Date.now();
    const next = { gen: before.gen + 1, nonce: freshToken(), runAt: now, delayed: false };
    await this.#work.publish([
      { queue: before.queue, ticket: ticketOf(id, next.gen, next.nonce, before.priority, now, 0) },
    ]);
    const { value, notes } = await backend.rerun(id, before.gen, next);
    this.#hub!.publish(notes);
    return value && toSnapshot(value, this.#o.codec);
  }

  /** The queue's settings, kept in the result backend (see QueueSettingsStore). */
  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return (await this.#use()).getQueueSettings(queue);
  }

  /** Merges a patch into the queue's settings; this process's held tickets of the queue are rechecked at once. */
  async setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    const settings = await (await this.#use()).setQueueSettings(queue, patch);
    this.#leaser!.recheck(queue);
    this.#signalReady();
    return settings;
  }

  /** Claims nothing of `queue` for `ms`, in every process on the backend (see QueueControl). */
  async limitQueue(queue: string, ms: number): Promise<void> {
    await (await this.#use()).limitQueue(queue, ms);
  }

  /** The queue's flow state. */
  async queueLimits(queue: string): Promise<QueueLimits> {
    return (await this.#use()).queueLimits(queue);
  }

  /** Deletes the queue's jobs that finished at least `olderThanMs` ago, with their reports. */
  async purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    return (await this.#use()).purgeQueue(queue, olderThanMs);
  }

  async counts(): Promise<QueueCounts[]> {
    return (await this.#use()).counts();
  }

  async listJobs(query: ListJobsQuery): Promise<JobPage> {
    const page = await (await this.#use()).list(query);
    const jobs = page.jobs.map((r) => toSnapshot(r, this.#o.codec));
    return page.next === undefined ? { jobs } : { jobs, next: page.next };
  }

  #use(): Promise<ResultBackend> {
    if (this.#closing) return Promise.reject(new ClosedError('amqp broker'));
    if (this.#backend) return Promise.resolve(this.#backend);
    return this.connect().then(() => this.#backend!);
  }

  #checkTimeout(req: EnqueueRequest): void {
    const timeout = req.options.timeout;
    if (timeout !== undefined && timeout >= this.#o.consumerTimeout) {
      throw new ConfigError(
        `Job ${req.id} (${req.task}) has a timeout of ${timeout} ms, not shorter than RabbitMQ's consumer_timeout (${this.#o.consumerTimeout} ms); shorten it or raise consumerTimeout`,
      );
    }
  }

  #delivered(msg: ConsumeMessage, queue: string, epoch: number): void {
    const ticket = decodeTicket(msg.content);
    if (!ticket) {
      // Not a ticket (someone else published into our queue): drop it, loudly, never crash.
      process.emitWarning(`drover amqp broker: dropped a message that is not a drover ticket from ${queue}`);
      this.#work.ack(msg, epoch);
      return;
    }
    const delivery = { queue, ticket, msg, epoch, seq: this.#inbox.nextSeq(), notBefore: 0, tries: 0, settled: false };
    if (this.#leaser && ticket.dueAt - Date.now() > DELAY_SLACK_MS) {
      // Back from a delay bucket but not due yet: on to the next bucket at once (it never waits here).
      this.#leaser.redelay(delivery);
      return;
    }
    this.#inbox.add(delivery);
    this.#leaser?.arrived();
    this.#signalReady();
  }

  #signalReady(): void {
    this.#ready.fire();
  }

  #signalCancel(id: string): void {
    this.#ahead.drop(id);
    this.#cancel.emit(id);
  }
}

/**
 * Creates the RabbitMQ broker. amqplib and the backend's driver load on `connect()`.
 * @example const broker = createAmqpBroker({ url: 'amqp://guest:guest@127.0.0.1:5672', backend: 'sqlite:./drover.db', prefix: 'app1' });
 */
export function createAmqpBroker(options: AmqpBrokerOptions): AmqpBroker {
  return new AmqpBroker(options);
}
