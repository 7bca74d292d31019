import { BrokerFullError, LeaseExpiredError, StaleLeaseError, toErrorInfo } from '../../core/errors.js';
import { RECORDED } from '../../core/recorded.js';
import type { BrokerReport, JobStatus, Report } from '../../core/report.js';
import type { MemoryBrokerOptions } from './options.js';
import { resolveMemoryOptions } from './options.js';
import type {
  Broker,
  BrokerCapabilities,
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  LeasedJob,
  LeaseRef,
  LeaseRequest,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
  QueueLimits,
  QueueSettings,
  QueueSettingsPatch,
  JobLogLine,
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../core/contract/index.js';
import { MemorySchedules } from './memory-schedules.js';
import { WakeTimer } from '../../core/wake-timer.js';
import { FlowGate } from './flow-gate.js';
import { mergeQueueSettings, validateQueueSettings, withSettingsDefaults } from '../../core/options-table.js';
import { MAX_JOB_LOG_LINES } from '../../core/contract/index.js';
import { DelaySchedule } from './delay-schedule.js';
import { FinishedJobs } from './finished-jobs.js';
import { JobIndex } from './job-index.js';
import { ReportFanout } from './report-fanout.js';
import type { MemoryJob } from './memory-job.js';
import {
  IndexState,
  activeReport,
  copyJob,
  createJob,
  epochMs,
  indexStateOf,
  isLeased,
  jobHistory,
  jobMore,
  jobOutcome,
  jobSnapshot,
  recordReport,
  setJobError,
  setLeased,
  settleWaiters,
  sinceEpoch,
  terminalReport,
} from './memory-job.js';
import { MemoryLease } from './memory-lease.js';
import { MemoryReceipt } from './memory-receipt.js';
import type { JobKind } from './memory-job.js';
import { JobKinds } from './job-kinds.js';
import { ActiveJobs } from './active-jobs.js';
import { listMemoryJobs } from './memory-listing.js';
import { isTerminalStatus } from '../../core/report.js';
import { ListenerSet } from '../../core/listener-set.js';
import type { FlowStartRequest, FlowTx } from '../../core/contract/index.js';
import { cancelFlow, retryFlow, stepFailed, stepSucceeded } from '../../core/flow/flow-driver.js';
import { flowJobRequest } from '../../core/flow/flow-job.js';

/**
 * The in-process broker: nothing persisted, everything in plain data
 * structures — a FIFO per priority per queue, a heap of delayed jobs, a set
 * of active leases swept on a timer, and a bounded list of finished jobs.
 * Stores arguments and results by reference (no codec round trip).
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly capabilities: BrokerCapabilities = { durable: false, shared: false };
  readonly #jobs = new JobIndex();
  readonly #kinds = new JobKinds(this);
  readonly #delayed: DelaySchedule<MemoryJob>;
  readonly #active = new ActiveJobs();
  readonly #finished: FinishedJobs;
  readonly #liveKeys = new Map<string, MemoryJob>();
  readonly #readyListeners = new ListenerSet<[]>('drover memory broker');
  readonly #cancelListeners = new ListenerSet<[jobId: string]>('drover memory broker');
  readonly #reports = new ReportFanout();
  /** Settings of the queues that have any (set explicitly, so bounded by the caller). */
  readonly #settings = new Map<string, QueueSettings>();
  readonly #schedules = new MemorySchedules();
  readonly #gate = new FlowGate((queue) => this.#settings.get(queue));
  readonly #wake = new WakeTimer(() => this.#signalReady());
  readonly #maxQueued: number;
  readonly #resultTtl: number;
  readonly #sweepInterval: number;
  #queuedCount = 0;
  #seq = 0;
  #leaseSeq = 0;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    const o = resolveMemoryOptions(options);
    this.#maxQueued = o.maxQueued;
    this.#finished = new FinishedJobs(o.maxFinished, (id, kind, status) => this.#forget(id, kind, status));
    this.#delayed = new DelaySchedule(
      (job, at) => job.status === 'delayed' && epochMs(job.runMs) === at,
      (jobs) => this.#promote(jobs),
    );
    this.#resultTtl = o.resultTtl;
    this.#sweepInterval = o.sweepInterval;
  }

  async connect(): Promise<void> {
    if (this.#closed || this.#sweeper) return;
    this.#sweeper = setInterval(() => this.#sweep(), this.#sweepInterval).unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#wake.stop();
    this.#delayed.close();
    this.#readyListeners.clear();
    this.#cancelListeners.clear();
    this.#reports.clear();
  }

  async enqueue(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    return this.#enqueue(requests, true);
  }

  /** `enqueue` of one job, synchronous (see WorkerBroker.enqueueNow). */
  enqueueNow(request: EnqueueRequest): EnqueueResult {
    this.#checkRoom(1);
    const receipt = this.#enqueueOne(request, Date.now());
    if (isReady(receipt)) this.#signalReady();
    return receipt;
  }

  /** Starts a flow: the flow job (`active`, never leased) and its first steps, in one step. */
  async startFlow(request: FlowStartRequest): Promise<EnqueueResult> {
    const existing = this.#lookup(request.id);
    if (existing) return new MemoryReceipt(existing, true);
    this.#checkRoom(request.first.length);
    const now = Date.now();
    const flowRequest = flowJobRequest(request);
    const job = createJob(flowRequest, this.#kinds.of(flowRequest), this.#seq++, now);
    jobMore(job).graph = request.graph;
    job.status = 'active';
    job.attempt = 1;
    job.startedMs = sinceEpoch(now);
    setLeased(job, true);
    job.kind.stats.active++;
    this.#jobs.add(job);
    if (this.#reports.wants(job.id)) {
      this.#reports.send(job, { jobId: job.id, status: 'queued', attempt: 0, at: now });
      this.#reports.send(job, activeReport(job));
    }
    this.#enqueue(request.first, false);
    return new MemoryReceipt(job, false);
  }

  #checkRoom(count: number): void {
    if (this.#queuedCount + count > this.#maxQueued) {
      throw new BrokerFullError(
        `memory broker is full: ${this.#queuedCount} jobs queued, maxQueued is ${this.#maxQueued}`,
      );
    }
  }

  /** Enqueues at once; `limit` false for the steps of an accepted flow, which must not be refused. */
  #enqueue(requests: readonly EnqueueRequest[], limit: boolean): EnqueueResult[] {
    if (limit) this.#checkRoom(requests.length);
    const now = Date.now();
    const results = new Array<EnqueueResult>(requests.length);
    let ready = false;
    for (let i = 0; i < requests.length; i++) {
      const receipt = this.#enqueueOne(requests[i]!, now);
      ready ||= isReady(receipt);
      results[i] = receipt;
    }
    if (ready) this.#signalReady();
    return results;
  }

  /** Adds one job (or finds the live one of its key); the caller signals ready. */
  #enqueueOne(request: EnqueueRequest, now: number): MemoryReceipt {
    const existing = request.key === undefined ? undefined : this.#liveKeys.get(request.key);
    if (existing) return new MemoryReceipt(existing, true);
    const job = createJob(request, this.#kinds.of(request), this.#seq++, now);
    this.#jobs.add(job);
    if (request.key !== undefined) this.#liveKeys.set(request.key, job);
    this.#queuedCount++;
    if (job.status === 'delayed') {
      job.kind.stats.delayed++;
      this.#delayed.add(job, epochMs(job.runMs));
    } else {
      job.kind.stats.waiting++;
      job.kind.ready.push(job);
    }
    if (this.#reports.wants(job.id)) this.#reports.send(job, { jobId: job.id, status: 'queued', attempt: 0, at: now });
    return new MemoryReceipt(job, false);
  }

  async lease(request: LeaseRequest): Promise<LeasedJob[]> {
    return this.leaseNow(request);
  }

  /** `lease`, synchronous (see WorkerBroker.leaseNow). */
  leaseNow(request: LeaseRequest): LeasedJob[] {
    const now = Date.now();
    if (this.#delayed.size > 0) this.#delayed.promote(now);
    if (this.#settings.size > 0 || this.#gate.limiting) return this.#leaseGated(request, now);
    // Made on the first job, as `[lease]`: a one-job lease (the common case at low concurrency) sizes it exactly.
    let out: LeasedJob[] | undefined;
    const queues = request.queues;
    const single = queues.length === 1 ? this.#kinds.ready(queues[0]!) : undefined;
    for (let n = 0; n < request.max;) {
      const job = single ? single.shift() : this.#kinds.shiftBest(queues);
      if (!job) break;
      if (job.status !== 'queued') continue; // a cancelled or re-queued entry
      const lease = this.#activate(job, request, now);
      if (out === undefined) out = [lease];
      else out.push(lease);
      n++;
    }
    return out ?? [];
  }

  /** `lease()` when some queue has settings or a limit: each queue within its budget, full groups parked. */
  #leaseGated(request: LeaseRequest, now: number): LeasedJob[] {
    const budgets = new Map<string, number>();
    let wakeAt = Infinity;
    for (const queue of new Set(request.queues)) {
      const budget = this.#gate.budget(queue, now);
      if (budget.n > 0) budgets.set(queue, budget.n);
      else if (budget.wakeAt !== undefined) wakeAt = Math.min(wakeAt, budget.wakeAt);
    }
    const open = [...budgets.keys()];
    const out: LeasedJob[] = [];
    while (out.length < request.max && open.length > 0) {
      const job = this.#kinds.shiftBest(open);
      if (!job) break;
      if (job.status !== 'queued') continue;
      if (!this.#gate.admits(job)) {
        this.#gate.park(job);
        continue;
      }
      out.push(this.#activate(job, request, now));
      this.#gate.took(job.kind.queue, now);
      const left = budgets.get(job.kind.queue)! - 1;
      budgets.set(job.kind.queue, left);
      if (left > 0) continue;
      open.splice(open.indexOf(job.kind.queue), 1);
      wakeAt = Math.min(wakeAt, this.#gate.budget(job.kind.queue, now).wakeAt ?? Infinity);
    }
    if (wakeAt < Infinity) this.#wake.at(wakeAt);
    return out;
  }

  async extend(leases: readonly LeaseRef[], leaseMs: number): Promise<boolean[]> {
    const expiresAt = Date.now() + leaseMs;
    return leases.map((ref) => {
      const job = this.#held(ref);
      if (job) job.lease!.expiresMs = sinceEpoch(expiresAt);
      return job !== undefined;
    });
  }

  // Not `async`: the hot path returns the shared RECORDED promise, which the herd recognises.
  ack(lease: LeaseRef, result: unknown): Promise<void> {
    const job = this.#held(lease);
    if (!job) return Promise.reject(new StaleLeaseError(lease.id));
    job.result = result;
    this.#finish(job, 'succeeded');
    const flow = job.more?.flow;
    if (flow !== undefined) stepSucceeded(this.#flows, flow, result);
    return RECORDED;
  }

  async nack(lease: LeaseRef, outcome: NackOutcome): Promise<void> {
    const job = this.#holder(lease);
    setJobError(job, outcome.error);
    if (outcome.retryInMs === undefined) return this.#fail(job);
    this.#deactivate(job);
    this.#requeue(job, outcome.retryInMs);
    this.#log(job, { jobId: job.id, status: 'retrying', attempt: job.attempt, at: Date.now(), error: outcome.error });
  }

  async release(leases: readonly LeaseRef[]): Promise<void> {
    for (const ref of leases) {
      const job = this.#held(ref);
      if (!job) continue;
      this.#deactivate(job);
      this.#requeue(job, 0);
      this.#log(job, { jobId: job.id, status: 'queued', attempt: job.attempt - 1, at: Date.now() });
      job.attempt--; // handed back unfinished: the attempt does not count
    }
  }

  async progress(lease: LeaseRef, value: unknown): Promise<void> {
    const job = this.#holder(lease);
    jobMore(job).progress = value;
    this.#log(job, { jobId: job.id, status: 'progress', attempt: job.attempt, at: Date.now(), progress: value });
  }

  /** Keeps a handler's log lines with its job (the last MAX_JOB_LOG_LINES). */
  async appendJobLogs(lease: LeaseRef, lines: readonly JobLogLine[]): Promise<boolean> {
    const job = this.#held(lease);
    if (!job) return false;
    const more = jobMore(job);
    more.handlerLogs = [...(more.handlerLogs ?? []), ...lines].slice(-MAX_JOB_LOG_LINES);
    return true;
  }

  async jobLogs(id: string): Promise<JobLogLine[] | undefined> {
    const job = this.#lookup(id);
    return job ? [...(job.more?.handlerLogs ?? [])] : undefined;
  }

  onReady(listener: () => void): () => void {
    return this.#readyListeners.add(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#cancelListeners.add(listener);
  }

  onReport(listener: (report: BrokerReport) => void): () => void {
    return this.#reports.listen(listener);
  }

  async getJob(id: string): Promise<JobSnapshot | undefined> {
    const job = this.#lookup(id);
    return job && jobSnapshot(job);
  }

  async watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    const job = this.#lookup(id);
    if (!job) return undefined;
    return { history: jobHistory(job), stop: this.#reports.watch(id, listener) };
  }

  outcome(id: string, hint?: unknown): Promise<unknown> | undefined {
    const job = this.#hinted(id, hint) ?? this.#lookup(id);
    return job === undefined ? undefined : jobOutcome(job);
  }

  /**
   * The job a hint from this broker's enqueue names (its kind's stats are
   * this broker's), while that record is still the job's (live, or kept
   * finished): else undefined, and the caller looks the id up.
   */
  #hinted(id: string, hint: unknown): MemoryJob | undefined {
    if (typeof hint !== 'object' || hint === null) return undefined;
    const job = hint as Partial<MemoryJob>;
    const kind = job.id === id ? job.kind : undefined;
    if (kind?.broker !== this) return undefined;
    const state = indexStateOf(job as MemoryJob);
    if (state === IndexState.PENDING || state === IndexState.INDEXED) return job as MemoryJob;
    return state === IndexState.FINISHED && this.#finished.holds(job as MemoryJob) ? (job as MemoryJob) : undefined;
  }

  /** The job of this id: live, or finished and still kept. */
  #lookup(id: string): MemoryJob | undefined {
    return this.#jobs.get(id) ?? this.#finished.get(id);
  }

  /** A finished job runs again: a live copy of it, taken out of the finished ones. */
  #reopen(finished: MemoryJob): MemoryJob {
    if (!this.#finished.holds(finished)) return finished; // live already
    this.#finished.take(finished);
    const job = copyJob(finished);
    this.#jobs.add(job);
    return job;
  }

  async cancel(id: string): Promise<CancelResult> {
    return this.#cancel(id);
  }

  #cancel(id: string): CancelResult {
    const job = this.#lookup(id);
    if (!job) return 'not_found';
    if (isTerminalStatus(job.status)) return 'finished';
    if (job.more?.graph !== undefined) return cancelFlow(this.#flows, id) ? 'aborted' : 'finished';
    const wasActive = job.status === 'active';
    this.#finish(job, 'cancelled');
    if (wasActive) this.#cancelListeners.emit(id);
    const flow = job.more?.flow;
    if (flow !== undefined) stepFailed(this.#flows, flow, job.kind.task, undefined);
    return wasActive ? 'aborted' : 'cancelled';
  }

  async retry(id: string): Promise<JobSnapshot | undefined> {
    const job = this.#lookup(id);
    if (job?.more?.graph !== undefined) return retryFlow(this.#flows, id) ? jobSnapshot(this.#lookup(id)!) : undefined;
    return this.#retry(id);
  }

  #retry(id: string): JobSnapshot | undefined {
    const finished = this.#lookup(id);
    if (!finished || (finished.status !== 'failed' && finished.status !== 'cancelled')) return undefined;
    const key = finished.more?.key;
    if (key !== undefined && this.#liveKeys.has(key)) return undefined;
    const job = this.#reopen(finished);
    if (job.status === 'failed') job.kind.stats.failed--;
    // The finished attempt's reports stop being derivable: log them.
    if (isLeased(job)) recordReport(job, activeReport(job));
    setLeased(job, false);
    recordReport(job, terminalReport(job)!);
    job.attempt = 0;
    setJobError(job, undefined);
    job.result = undefined;
    job.finishedMs = undefined;
    if (key !== undefined) this.#liveKeys.set(key, job);
    this.#requeue(job, 0);
    this.#log(job, { jobId: job.id, status: 'queued', attempt: 0, at: Date.now() });
    return jobSnapshot(job);
  }

  /** The queue's settings over the defaults. */
  async getQueueSettings(queue: string): Promise<QueueSettings> {
    return withSettingsDefaults(this.#settings.get(queue) ?? {});
  }

  /** Merges a patch into the queue's settings (`undefined` puts a key back to its default). */
  async setQueueSettings(queue: string, patch: QueueSettingsPatch): Promise<QueueSettings> {
    validateQueueSettings(patch, 'settings');
    const merged = mergeQueueSettings(this.#settings.get(queue) ?? {}, patch);
    if (Object.keys(merged).length === 0) this.#settings.delete(queue);
    else this.#settings.set(queue, merged);
    this.#unparked(this.#gate.settingsChanged(queue));
    this.#signalReady();
    return withSettingsDefaults(merged);
  }

  /** Stores a schedule (see ScheduleStore). */
  async putSchedule(definition: ScheduleDefinition): Promise<SchedulePut> {
    return this.#schedules.put(definition);
  }

  /** Removes a schedule; false if unknown. */
  async removeSchedule(name: string): Promise<boolean> {
    return this.#schedules.remove(name);
  }

  /** Every schedule, by name. */
  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.#schedules.list();
  }

  /** Pauses or resumes a schedule; false if unknown. */
  async pauseSchedule(name: string, paused: boolean): Promise<boolean> {
    return this.#schedules.pause(name, paused);
  }

  /** Fires one tick of a schedule (compare-and-set on its `lastAt`, then enqueue). */
  fireSchedule(request: FireRequest): Promise<FireOutcome> {
    return this.#schedules.fire(
      request,
      (id) => {
        const status = this.#lookup(id)?.status;
        return status !== undefined && !isTerminalStatus(status);
      },
      (jobs) => this.enqueue(jobs),
    );
  }

  /** Leases nothing from `queue` for `ms`. */
  async limitQueue(queue: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    this.#gate.limit(queue, until);
    this.#wake.at(until);
  }

  /** The queue's flow state. */
  async queueLimits(queue: string): Promise<QueueLimits> {
    return this.#gate.limits(queue, this.#kinds.waiting(queue), Date.now());
  }

  /** Forgets the queue's jobs that finished at least `olderThanMs` ago. */
  async purgeQueue(queue: string, olderThanMs: number): Promise<number> {
    const before = Date.now() - olderThanMs;
    return this.#finished.purge((_status, kind, _seq, finishedAt) => kind.queue === queue && finishedAt <= before);
  }

  async counts(): Promise<QueueCounts[]> {
    return this.#kinds.counts();
  }

  async listJobs(query: ListJobsQuery): Promise<JobPage> {
    return listMemoryJobs(this.#jobs, this.#finished, query);
  }

  #activate(job: MemoryJob, request: LeaseRequest, now: number): LeasedJob {
    const stats = job.kind.stats;
    stats.waiting--;
    stats.active++;
    this.#queuedCount--;
    job.status = 'active';
    job.attempt++;
    job.startedMs = sinceEpoch(now);
    job.workerId = request.workerId;
    setLeased(job, true);
    const lease = new MemoryLease(job, ++this.#leaseSeq, sinceEpoch(now + request.leaseMs));
    job.lease = lease;
    this.#active.add(job);
    if (job.kind.options.group !== undefined) this.#gate.activated(job);
    if (this.#reports.wants(job.id)) this.#reports.send(job, activeReport(job));
    return lease;
  }

  #deactivate(job: MemoryJob): void {
    job.kind.stats.active--;
    const lease = job.lease;
    if (lease === undefined) return; // a flow job: active, never leased
    this.#active.remove(job);
    job.lease = undefined;
    if (job.kind.options.group !== undefined) this.#unparked(this.#gate.deactivated(job));
  }

  /** Parked jobs that may run again: back to their ready queues. */
  #unparked(jobs: readonly MemoryJob[]): void {
    if (jobs.length === 0) return;
    for (const job of jobs) job.kind.ready.push(job);
    this.#signalReady();
  }

  /** Back to waiting (now) or delayed (later). */
  #requeue(job: MemoryJob, inMs: number): void {
    this.#queuedCount++;
    job.runMs = sinceEpoch(Date.now() + inMs);
    if (inMs > 0) {
      job.status = 'delayed';
      job.kind.stats.delayed++;
      this.#delayed.add(job, epochMs(job.runMs));
    } else {
      job.status = 'queued';
      job.kind.stats.waiting++;
      job.kind.ready.push(job);
      this.#signalReady();
    }
  }

  #finish(job: MemoryJob, status: 'succeeded' | 'failed' | 'cancelled'): void {
    const stats = job.kind.stats;
    if (job.status === 'active') this.#deactivate(job);
    else {
      if (job.status === 'queued') stats.waiting--;
      else if (job.status === 'delayed') stats.delayed--;
      this.#queuedCount--;
    }
    if (status === 'succeeded') stats.succeeded++;
    else if (status === 'failed') stats.failed++;
    job.status = status;
    job.finishedMs = sinceEpoch(Date.now());
    const key = job.more?.key;
    if (key !== undefined && this.#liveKeys.get(key) === job) this.#liveKeys.delete(key);
    if (this.#reports.wants(job.id)) this.#reports.send(job, terminalReport(job)!);
    if (job.waiter !== undefined) settleWaiters(job);
    // From here the finished jobs' rows hold what is kept; the record itself is not needed again.
    this.#jobs.leave(job);
    this.#finished.add(job);
  }

  /** Forgets a finished job past its retention (or purged). */
  #forget(id: string, kind: JobKind, status: JobStatus): void {
    if (status === 'succeeded') kind.stats.succeeded--;
    else if (status === 'failed') kind.stats.failed--;
    this.#reports.forget(id);
  }

  /** Logs a report that cannot be derived later, and tells listeners. */
  #log(job: MemoryJob, report: Report): void {
    // Anything logged after the derived `active` report must follow it: log that first.
    if (isLeased(job)) {
      setLeased(job, false);
      recordReport(job, activeReport(job));
    }
    recordReport(job, report);
    if (this.#reports.wants(job.id)) this.#reports.send(job, report);
  }

  #holder(ref: LeaseRef): MemoryJob {
    const job = this.#held(ref);
    if (!job) throw new StaleLeaseError(ref.id);
    return job;
  }

  #held(ref: LeaseRef): MemoryJob | undefined {
    const job = MemoryLease.jobOf(ref) ?? this.#jobs.get(ref.id);
    if (job === undefined || job.status !== 'active') return undefined;
    // The lease object itself (what the herd hands back) is its own proof; any other ref shows its token.
    const lease = job.lease;
    return lease !== undefined && (lease === ref || lease.token === ref.token) ? job : undefined;
  }

  /** Delayed jobs whose time has come: ready now. */
  #promote(jobs: MemoryJob[]): void {
    for (const job of jobs) {
      job.kind.stats.delayed--;
      job.kind.stats.waiting++;
      job.status = 'queued';
      job.kind.ready.push(job);
    }
    this.#signalReady();
  }

  #sweep(): void {
    const now = Date.now();
    this.#delayed.promote(now);
    for (const job of this.#active.snapshot()) {
      if (epochMs(job.lease!.expiresMs) > now) continue;
      const error = toErrorInfo(new LeaseExpiredError(job.id));
      setJobError(job, error);
      if (job.attempt > job.kind.options.retries) {
        this.#fail(job);
      } else {
        this.#deactivate(job);
        this.#requeue(job, 0);
        this.#log(job, { jobId: job.id, status: 'retrying', attempt: job.attempt, at: now, error });
      }
    }
    this.#finished.evict(now - this.#resultTtl);
  }

  /** Fails a job for good, and its flow with it. */
  #fail(job: MemoryJob): void {
    this.#finish(job, 'failed');
    const flow = job.more?.flow;
    if (flow !== undefined) stepFailed(this.#flows, flow, job.kind.task, job.more?.error);
  }

  /** The storage the shared flow logic runs on: every call synchronous, so each flow operation is atomic. */
  readonly #flows: FlowTx = {
    readFlow: (id) => {
      const job = this.#lookup(id);
      const graph = job?.more?.graph;
      return graph === undefined ? undefined : { status: job!.status, graph };
    },
    writeGraph: (id, graph) => {
      const job = this.#lookup(id);
      if (job) jobMore(job).graph = graph;
    },
    finishFlow: (id, outcome) => {
      const job = this.#lookup(id);
      if (!job || isTerminalStatus(job.status)) return;
      if (outcome.status === 'succeeded') job.result = outcome.result;
      if (outcome.status === 'failed') setJobError(job, outcome.error);
      this.#finish(job, outcome.status);
    },
    reopenFlow: (id) => this.#reopenFlow(this.#reopen(this.#lookup(id)!)),
    enqueue: (requests) => void this.#enqueue(requests, false),
    jobStatus: (id) => this.#lookup(id)?.status,
    rerun: (id) => void this.#retry(id),
    cancel: (id) => void this.#cancel(id),
  };

  /** A failed or cancelled flow job runs again: `queued` and `active` reports, no lease. */
  #reopenFlow(job: MemoryJob): void {
    if (job.status === 'failed') job.kind.stats.failed--;
    if (isLeased(job)) recordReport(job, activeReport(job));
    setLeased(job, false);
    recordReport(job, terminalReport(job)!);
    setJobError(job, undefined);
    job.finishedMs = undefined;
    job.status = 'active';
    job.kind.stats.active++;
    const now = Date.now();
    this.#log(job, { jobId: job.id, status: 'queued', attempt: 0, at: now });
    job.startedMs = sinceEpoch(now);
    setLeased(job, true);
    if (this.#reports.wants(job.id)) this.#reports.send(job, activeReport(job));
  }

  #signalReady(): void {
    this.#readyListeners.emit();
  }
}

/** A job that was just added and can run now. */
function isReady(receipt: MemoryReceipt): boolean {
  return !receipt.duplicate && receipt.status === 'queued';
}
