/**
 * One authenticated worker on the gateway: the jobs it holds, its credit,
 * and what its frames do to the broker.
 *
 * States of a held job (one per id, keyed by its lease token):
 *
 *   leased by the dispatcher ──job frame──▶ held
 *     held ──done──▶ ack        held ──fail──▶ nack (retry or failed)
 *     held ──release──▶ release (attempt not counted)
 *     held ──cancel / lease lost──▶ dropped, `cancel {id}` sent
 *     held ──connection ends──▶ release (clean close) or nack as LeaseExpired (crash)
 *     held ──its timeout (+100 ms) passes──▶ nack as JobTimeout, `cancel {id}` sent
 *
 * A job leaves `held` before its broker call starts, so a second outcome
 * for it is refused (`stale_lease`): one recorded outcome per job (G2).
 * Credit: the dispatcher never leases more than `concurrency − held`.
 */
import type { Logger } from 'pino';
import type { Broker, LeasedJob, LeaseRef, StoredJobOptions } from '../../brokers/contract.js';
import { backoffDelay } from '../../core/backoff.js';
import { ErrorCodes, JobTimeoutError, LeaseExpiredError, isDroverError, toErrorInfo } from '../../core/errors.js';
import type { DroverMetrics } from '../../metrics/metrics.js';
import type { ClientMessage, FailMessage, ServerMessage, WireErrorCode } from '../../protocol/index.js';
import { Limits, WireErrorCodes, boundErrorInfo, serialize } from '../../protocol/index.js';
import { toJobMessage } from './job-message.js';
import { RecentIds } from './recent-ids.js';
import { settle } from './settle.js';

/** What a session needs from its gateway. */
export interface SessionHost {
  readonly broker: Broker;
  readonly metrics: DroverMetrics;
  readonly logger: Logger;
  /** The session no longer holds `id`: forget who holds it, and look for more work. */
  released(session: WorkerSession, id: string): void;
  /** The session's credit grew: look for more work. */
  wantsWork(session: WorkerSession): void;
  /** Keeps a broker call in view so `close()` can wait for it. */
  track(work: Promise<unknown>): void;
  /** Reports a failure that is nobody's answer (a broker error). */
  reportError(error: unknown, context: string, jobId?: string): void;
}

/** Where a session's frames go: `send` one (coalesced within a tick), `flush` what this tick sent. */
export interface FrameOut {
  send: (frame: string) => void;
  flush: () => void;
}

/** Identity and settings of an authenticated worker. */
export interface SessionInit {
  workerId: string;
  name: string;
  queues: readonly string[];
  concurrency: number;
  address: string;
  /** Recent jobs of a resumed session. */
  recent?: RecentIds | undefined;
}

interface HeldJob {
  ref: LeaseRef;
  task: string;
  attempt: number;
  options: StoredJobOptions;
  /** performance.now() when the job frame went out. */
  sentAt: number;
  progressBusy: boolean;
  progressNext: { value: unknown } | undefined;
  /** Fails the attempt at its deadline when the worker has not (docs/reliability.md S29). */
  deadline: NodeJS.Timeout | undefined;
}

/** The server fails a remote attempt this long after its timeout, so a worker's own timeout failure usually arrives first (ms). */
export const TIMEOUT_MARGIN_MS = 100;

/** What to do with the jobs a worker still holds when its connection ends. */
export type EndMode = 'release' | 'requeue';

/** An authenticated worker (see the file's header for its job states). */
export class WorkerSession {
  readonly workerId: string;
  readonly name: string;
  /** The queues it takes jobs from: from `hello`, replaced by a `tasks` frame. */
  queues: readonly string[];
  readonly address: string;
  readonly connectedAt = Date.now();
  concurrency: number;
  lastSeen = Date.now();
  /** A lease call for this session is under way. */
  leasing = false;
  /** Another lease call was asked for while one was under way. */
  pumpWanted = false;
  readonly #host: SessionHost;
  readonly #send: (message: ServerMessage) => void;
  readonly #sendRaw: (frame: string) => void;
  readonly #flush: () => void;
  readonly #held = new Map<string, HeldJob>();
  readonly #recent: RecentIds;
  #ended = false;

  constructor(init: SessionInit, host: SessionHost, out: FrameOut) {
    this.workerId = init.workerId;
    this.name = init.name;
    this.queues = init.queues;
    this.concurrency = init.concurrency;
    this.address = init.address;
    this.#recent = init.recent ?? new RecentIds(Math.min(10_000, Math.max(256, 2 * init.concurrency)));
    this.#host = host;
    this.#sendRaw = out.send;
    this.#flush = out.flush;
    this.#send = (message) => out.send(serialize(message));
  }

  /** Jobs this worker held lately (kept with its session key). */
  get recent(): RecentIds {
    return this.#recent;
  }

  /** Jobs held now. */
  get active(): number {
    return this.#held.size;
  }

  /** Jobs the worker can still take. */
  get free(): number {
    return this.#ended ? 0 : this.concurrency - this.#held.size;
  }

  /** True once the connection ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Leases of every held job (for renewal). */
  leases(): LeaseRef[] {
    return [...this.#held.values()].map((h) => h.ref);
  }

  /** Whether this session holds this lease now. */
  holds(ref: LeaseRef): boolean {
    return this.#held.get(ref.id)?.ref.token === ref.token;
  }

  /** Pushes leased jobs to the worker (a job too large for one frame fails at once: no worker could ever take it). */
  accept(jobs: readonly LeasedJob[]): void {
    const now = performance.now();
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (this.#ended) {
        // Sending an earlier frame ended the connection (a worker that does not read): the rest never left.
        this.#handBack(jobs.slice(i));
        return;
      }
      const held: HeldJob = {
        ref: { id: job.id, token: job.token },
        task: job.task,
        attempt: job.attempt,
        options: job.options,
        sentAt: now,
        progressBusy: false,
        progressNext: undefined,
        deadline: undefined,
      };
      const frame = serialize(toJobMessage(job));
      if (frame.length * 3 > Limits.FRAME && Buffer.byteLength(frame) > Limits.FRAME) {
        const error = {
          name: 'ProtocolError',
          message: `job ${job.id} is larger than the ${Limits.FRAME}-byte frame limit of remote workers`,
          code: 'ERR_DROVER_PROTOCOL',
        };
        this.#record(
          held,
          settle(() => this.#host.broker.nack(held.ref, { error })),
          () => this.#host.metrics.failed(held.task, 0),
        );
        this.#host.released(this, job.id);
        continue;
      }
      this.#held.set(job.id, held);
      const timeout = job.options.timeout;
      if (timeout !== undefined)
        held.deadline = setTimeout(() => this.#timedOut(held, timeout), timeout + TIMEOUT_MARGIN_MS).unref();
      this.#sendRaw(frame);
    }
    // The batch is complete: out now, not after the rest of this tick (enqueue → start).
    this.#flush();
  }

  #handBack(jobs: readonly LeasedJob[]): void {
    for (const job of jobs) this.#host.released(this, job.id);
    this.#host.track(
      settle(() => this.#host.broker.release(jobs.map((j) => ({ id: j.id, token: j.token })))).catch((error: unknown) =>
        this.#host.reportError(error, `handing back the undelivered jobs of worker ${this.workerId} failed`),
      ),
    );
  }

  /** The job was cancelled or its lease lost: forget it and tell the worker to stop. */
  drop(id: string): void {
    if (!this.#held.delete(id)) return;
    this.#recent.add(id);
    this.#send({ type: 'cancel', id });
    this.#host.released(this, id);
  }

  /** Handles one frame of an authenticated worker. `hello`/`auth` are the connection's business. */
  handle(message: ClientMessage): void {
    this.lastSeen = Date.now();
    switch (message.type) {
      case 'ping':
        this.#send(message.t === undefined ? { type: 'pong' } : { type: 'pong', t: message.t });
        return;
      case 'done':
        return this.#done(message.id, message.lease, message.result);
      case 'fail':
        return this.#fail(message);
      case 'progress':
        return this.#progress(message.id, message.lease, message.value);
      case 'release':
        return this.#release(message.id, message.lease);
      case 'tasks':
        this.queues = [...new Set(message.tasks)];
        this.#host.wantsWork(this);
        return;
      case 'credit': {
        const grew = message.concurrency > this.concurrency;
        this.concurrency = message.concurrency;
        if (grew) this.#host.wantsWork(this);
        return;
      }
      default:
        return;
    }
  }

  /** A done/fail frame for a held job was malformed: the attempt fails (counted) so the job cannot hang. */
  abandon(id: string, lease: string, reason: string): void {
    const held = this.#held.get(id);
    if (!held || held.ref.token !== lease) return;
    this.#requeue(this.#take(held), {
      name: 'ProtocolError',
      message: `the worker sent a malformed outcome: ${reason}`,
      code: ErrorCodes.PROTOCOL,
    });
  }

  /** The connection ended: hand back (clean close) or requeue as crashed (abrupt) every held job. Idempotent. */
  end(mode: EndMode): void {
    if (this.#ended) return;
    this.#ended = true;
    const held = [...this.#held.values()];
    for (const h of held) this.#take(h);
    if (held.length === 0) return;
    if (mode === 'release') {
      this.#host.track(
        settle(() => this.#host.broker.release(held.map((h) => h.ref))).catch((error: unknown) =>
          this.#host.reportError(error, `handing back the jobs of worker ${this.workerId} failed`),
        ),
      );
    } else {
      for (const h of held) this.#requeue(h, toErrorInfo(new LeaseExpiredError(h.ref.id)));
    }
  }

  #take(held: HeldJob): HeldJob {
    clearTimeout(held.deadline);
    this.#held.delete(held.ref.id);
    this.#recent.add(held.ref.id);
    this.#host.released(this, held.ref.id);
    return held;
  }

  /** The held job this frame may settle, or an error frame back. */
  #claim(id: string, lease: string): HeldJob | undefined {
    const held = this.#held.get(id);
    if (held && held.ref.token === lease) return held;
    const stale = held !== undefined || this.#recent.has(id);
    this.#refuse(stale ? WireErrorCodes.STALE_LEASE : WireErrorCodes.UNKNOWN_JOB, id);
    return undefined;
  }

  #refuse(code: WireErrorCode, id: string): void {
    const message =
      code === WireErrorCodes.STALE_LEASE
        ? 'the lease moved on: the job was re-leased, cancelled or already settled'
        : 'this worker holds no such job';
    this.#send({ type: 'error', code, message, id });
  }

  #done(id: string, lease: string, result: unknown): void {
    const held = this.#claim(id, lease);
    if (!held) return;
    this.#take(held);
    const seconds = (performance.now() - held.sentAt) / 1000;
    this.#record(
      held,
      settle(() => this.#host.broker.ack(held.ref, result)),
      () => this.#host.metrics.succeeded(held.task, seconds),
    );
  }

  #fail(message: FailMessage): void {
    const held = this.#claim(message.id, message.lease);
    if (!held) return;
    this.#take(held);
    const seconds = (performance.now() - held.sentAt) / 1000;
    // The worker asks; the server decides, so a worker cannot retry a job forever.
    const retry = message.retry && held.attempt <= held.options.retries;
    const retryInMs = retry ? (message.delayMs ?? backoffDelay(held.options.backoff, held.attempt)) : undefined;
    const error = boundErrorInfo(message.error);
    this.#record(
      held,
      settle(() => this.#host.broker.nack(held.ref, { error, retryInMs })),
      () => (retry ? this.#host.metrics.retried(held.task, seconds) : this.#host.metrics.failed(held.task, seconds)),
    );
  }

  #requeue(held: HeldJob, error: { name: string; message: string; code?: string }): void {
    const seconds = (performance.now() - held.sentAt) / 1000;
    const retry = held.attempt <= held.options.retries;
    this.#record(
      held,
      settle(() => this.#host.broker.nack(held.ref, { error, retryInMs: retry ? 0 : undefined })),
      () => (retry ? this.#host.metrics.retried(held.task, seconds) : this.#host.metrics.failed(held.task, seconds)),
    );
  }

  /** The attempt outlived its timeout: it fails now (retried per its backoff); the worker is told to stop; a late outcome is stale. */
  #timedOut(held: HeldJob, timeout: number): void {
    if (this.#ended || this.#held.get(held.ref.id) !== held) return;
    this.#take(held);
    this.#send({ type: 'cancel', id: held.ref.id });
    const seconds = (performance.now() - held.sentAt) / 1000;
    const retry = held.attempt <= held.options.retries;
    const retryInMs = retry ? backoffDelay(held.options.backoff, held.attempt) : undefined;
    const error = toErrorInfo(new JobTimeoutError(held.ref.id, timeout));
    delete error.stack;
    this.#host.logger.warn(
      { jobId: held.ref.id, task: held.task, workerId: this.workerId, timeout },
      'a remote worker did not settle a job by its timeout; the attempt failed',
    );
    this.#record(
      held,
      settle(() => this.#host.broker.nack(held.ref, { error, retryInMs })),
      () => (retry ? this.#host.metrics.retried(held.task, seconds) : this.#host.metrics.failed(held.task, seconds)),
    );
  }

  #release(id: string, lease: string): void {
    const held = this.#claim(id, lease);
    if (!held) return;
    this.#take(held);
    this.#host.track(
      settle(() => this.#host.broker.release([held.ref])).catch((error: unknown) =>
        this.#host.reportError(error, `handing back job ${id} failed`, id),
      ),
    );
  }

  #record(held: HeldJob, work: Promise<void>, onRecorded: () => void): void {
    const id = held.ref.id;
    this.#host.track(
      work.then(onRecorded, (error: unknown) => {
        if (isDroverError(error) && error.code === ErrorCodes.STALE_LEASE) {
          if (!this.#ended) this.#refuse(WireErrorCodes.STALE_LEASE, id);
          return;
        }
        this.#host.reportError(error, `recording the outcome of job ${id} from worker ${this.workerId} failed`, id);
      }),
    );
  }

  #progress(id: string, lease: string, value: unknown): void {
    const held = this.#claim(id, lease);
    if (!held) return;
    // One write per job at a time; a flood of progress keeps only the latest value (S08: memory bounded).
    if (held.progressBusy) {
      held.progressNext = { value };
      return;
    }
    this.#writeProgress(held, value);
  }

  #writeProgress(held: HeldJob, value: unknown): void {
    held.progressBusy = true;
    const work = settle(() => this.#host.broker.progress(held.ref, value)).then(
      () => undefined,
      (error: unknown) => {
        if (!(isDroverError(error) && error.code === ErrorCodes.STALE_LEASE)) {
          this.#host.reportError(error, `recording progress of job ${held.ref.id} failed`, held.ref.id);
        }
      },
    );
    this.#host.track(
      work.then(() => {
        held.progressBusy = false;
        const next = held.progressNext;
        held.progressNext = undefined;
        if (next && this.#held.get(held.ref.id) === held) this.#writeProgress(held, next.value);
      }),
    );
  }
}
