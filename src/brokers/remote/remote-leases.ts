/**
 * The worker side of the `ws://` broker: the herd's `lease` / `ack` / `nack`
 * / `release` / `progress` / `extend` served over one {@link RemoteConnection}.
 *
 * The server pushes jobs up to the credit this side announces; they wait in
 * an inbox until the herd leases them. Credit is inferred from the herd:
 * it asks for `max = concurrency − running`, so `inHerd + max` is its
 * concurrency, announced in `hello` and in `credit` frames when it changes.
 *
 * Job states here: inbox ──lease()──▶ in herd ──ack/nack/release──▶ gone
 *   inbox | in herd ──cancel frame──▶ gone (the herd's signal aborts)
 *   any ──socket lost──▶ gone (the server requeued it; `extend` now says false,
 *        so the herd aborts the attempt, and a late outcome is refused as stale)
 * Outcomes are frames without replies: the server answers only refusals.
 */
import type { Logger } from 'pino';
import { AuthError, ClosedError, StaleLeaseError } from '../../core/errors.js';
import type { ClientMessage, JobMessage } from '../../protocol/index.js';
import { Limits, WORKER_PATH, boundErrorInfo, serialize, toWireError } from '../../protocol/index.js';
import type { ReconnectBackoffOptions } from '../../remote/index.js';
import { RemoteConnection } from '../../remote/index.js';
import type { LeasedJob, LeaseRef, LeaseRequest, NackOutcome } from '../../core/contract/index.js';
import { CoalescedSignal, ListenerSet } from '../../core/listener-set.js';

/** Options of {@link RemoteLeases}. */
export interface RemoteLeasesOptions {
  /** `ws://host:port` (the endpoint path is added). */
  origin: string;
  secret: string;
  name: string;
  logger: Logger;
  backoff?: ReconnectBackoffOptions | undefined;
}

interface InHerd {
  token: string;
  epoch: number;
}

/** See the file's header. */
export class RemoteLeases {
  readonly #options: RemoteLeasesOptions;
  readonly #inbox: JobMessage[] = [];
  readonly #inHerd = new Map<string, InHerd>();
  readonly #ready = new CoalescedSignal('drover remote broker');
  readonly #cancelListeners = new ListenerSet<[jobId: string]>('drover remote broker');
  #connection: RemoteConnection | undefined;
  #credit = 0;
  #fatal: AuthError | undefined;
  #closed = false;

  constructor(options: RemoteLeasesOptions) {
    this.#options = options;
  }

  /** Why the connection gave up for good (wrong secret), if it did. */
  get fatal(): AuthError | undefined {
    return this.#fatal;
  }

  /** Serves pushed jobs, up to `max`; opens the connection on the first call. Never waits. */
  lease(request: LeaseRequest): LeasedJob[] {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new ClosedError('remote broker');
    const connection = this.#connect(request.queues);
    const credit = this.#inHerd.size + request.max;
    if (credit !== this.#credit) {
      this.#credit = credit;
      connection.send({ type: 'credit', concurrency: credit });
    }
    if (connection.state !== 'ready' || this.#inbox.length === 0) return [];
    const jobs = this.#inbox.splice(0, request.max);
    const epoch = connection.epoch;
    const expiresAt = Date.now() + connection.leaseMs;
    const leased = jobs.map((m) => {
      this.#inHerd.set(m.id, { token: m.lease, epoch });
      return toLeasedJob(m, expiresAt);
    });
    // Credit shrank while jobs were on their way: hand back what the herd will not take soon.
    const surplus = this.#inHerd.size + this.#inbox.length - this.#credit;
    if (surplus > 0)
      for (const m of this.#inbox.splice(this.#inbox.length - surplus))
        connection.send({ type: 'release', id: m.id, lease: m.lease });
    return leased;
  }

  /** Sends `done`; a result too large for one frame fails the job instead (it could never be delivered). Throws StaleLeaseError. */
  ack(lease: LeaseRef, result: unknown): void {
    const frame = serialize({ type: 'done', id: lease.id, lease: lease.token, result });
    if (Buffer.byteLength(frame) <= Limits.FRAME) return this.#settle(lease, frame);
    const error = new TypeError(
      `The result of job ${lease.id} is larger than the ${Limits.FRAME}-byte frame limit of remote workers`,
    );
    this.#settle(
      lease,
      serialize({ type: 'fail', id: lease.id, lease: lease.token, error: toWireError(error), retry: false }),
    );
  }

  /** Sends `fail` (with `retry` and `delayMs` when the herd wants another attempt). */
  nack(lease: LeaseRef, outcome: NackOutcome): void {
    const retry = outcome.retryInMs !== undefined;
    const message: ClientMessage = {
      type: 'fail',
      id: lease.id,
      lease: lease.token,
      error: boundErrorInfo(outcome.error),
      retry,
    };
    if (retry) message.delayMs = Math.max(0, Math.min(2 ** 31 - 1, Math.round(outcome.retryInMs ?? 0)));
    this.#settle(lease, serialize(message));
  }

  /** Sends `release` for leases still valid; stale ones are ignored. */
  release(leases: readonly LeaseRef[]): void {
    for (const lease of leases) {
      if (this.#current(lease)) this.#settle(lease, serialize({ type: 'release', id: lease.id, lease: lease.token }));
      else this.#inHerd.delete(lease.id);
    }
  }

  /** Sends `progress`. Throws StaleLeaseError, or a TypeError for a value too large for one frame. */
  progress(lease: LeaseRef, value: unknown): void {
    if (!this.#current(lease)) throw new StaleLeaseError(lease.id);
    const frame = serialize({ type: 'progress', id: lease.id, lease: lease.token, value });
    if (Buffer.byteLength(frame) > Limits.FRAME)
      throw new TypeError(
        `Progress of job ${lease.id} is larger than the ${Limits.FRAME}-byte frame limit of remote workers`,
      );
    this.#connection?.sendRaw(frame);
  }

  /** The server renews leases of live workers itself; a lease holds while its socket does. */
  extend(leases: readonly LeaseRef[]): boolean[] {
    return leases.map((lease) => this.#current(lease));
  }

  onReady(listener: () => void): () => void {
    return this.#ready.add(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#cancelListeners.add(listener);
  }

  /** Hands back unleased jobs and says goodbye (close 1000). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.#connection;
    if (!connection) return;
    for (const m of this.#inbox.splice(0)) connection.send({ type: 'release', id: m.id, lease: m.lease });
    for (const [id, held] of this.#inHerd) connection.send({ type: 'release', id, lease: held.token });
    this.#inHerd.clear();
    await connection.close();
  }

  #connect(queues: readonly string[]): RemoteConnection {
    if (this.#connection) return this.#connection;
    const o = this.#options;
    const connection = new RemoteConnection(
      {
        endpoint: `${o.origin}${WORKER_PATH}`,
        secret: o.secret,
        name: o.name,
        queues,
        concurrency: () => this.#credit,
        logger: o.logger,
        ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
      },
      {
        job: (m) => this.#received(m),
        cancel: (id) => this.#cancelled(id),
        refused: (code, message, id) => o.logger.debug({ code, message, jobId: id }, 'the server refused a frame'),
        lost: () => {
          // The server requeued (or handed back) everything this socket carried.
          this.#inbox.length = 0;
          this.#inHerd.clear();
        },
        ready: () => undefined,
        failed: (error) => {
          this.#fatal = error;
          o.logger.error({ endpoint: `${o.origin}${WORKER_PATH}` }, error.message);
          this.#fireReady();
        },
      },
    );
    this.#connection = connection;
    connection.start();
    return connection;
  }

  #current(lease: LeaseRef): boolean {
    const held = this.#inHerd.get(lease.id);
    const connection = this.#connection;
    return (
      held !== undefined &&
      held.token === lease.token &&
      connection !== undefined &&
      connection.state === 'ready' &&
      held.epoch === connection.epoch
    );
  }

  #settle(lease: LeaseRef, frame: string): void {
    const current = this.#current(lease);
    if (this.#inHerd.get(lease.id)?.token === lease.token) this.#inHerd.delete(lease.id);
    // Its socket is gone: the server already requeued the job, so this outcome would be refused anyway.
    if (!current || !this.#connection?.sendRaw(frame)) throw new StaleLeaseError(lease.id);
    // The herd's last running job: nothing else will join this write, so it leaves now (enqueue → result
    // on an idle worker); while others run, outcomes of one tick still share one write.
    if (this.#inHerd.size === 0) this.#connection.flush();
  }

  #received(message: JobMessage): void {
    if (this.#closed) {
      this.#connection?.send({ type: 'release', id: message.id, lease: message.lease });
      return;
    }
    this.#inbox.push(message);
    this.#fireReady();
  }

  #cancelled(id: string): void {
    const index = this.#inbox.findIndex((m) => m.id === id);
    if (index >= 0) {
      this.#inbox.splice(index, 1);
      return;
    }
    if (!this.#inHerd.delete(id)) return;
    this.#cancelListeners.emit(id);
  }

  #fireReady(): void {
    this.#ready.fire();
  }
}

function toLeasedJob(m: JobMessage, expiresAt: number): LeasedJob {
  return {
    id: m.id,
    token: m.lease,
    task: m.task,
    queue: m.queue,
    args: m.args,
    attempt: m.attempt,
    options: m.options,
    expiresAt,
  };
}
