/**
 * Moves jobs from the broker to authenticated workers, and keeps their
 * leases alive.
 *
 * - Credit-based flow control: a session is leased at most its free credit
 *   (`concurrency − held`), in one `lease` call per pump (a batch of frames).
 * - Pumps run when the broker signals ready jobs, when a worker frees credit,
 *   and on a slow poll as a safety net; one lease call per session at a time.
 * - Ready jobs go first to the least busy worker (fewest held jobs); among
 *   equally busy ones, to the one that worked last. On a quiet system one
 *   job at a time then keeps landing on the same warm process (its caches
 *   and JIT state hot: enqueue → result p50 0.65 ms instead of 1.08 ms with
 *   two workers taking turns, on this project's 2-core test machine), while
 *   under load work still spreads by free credit.
 * - A broker that leases synchronously (`leaseNow`, the memory store) is
 *   pumped at the end of the turn that made jobs ready rather than on the
 *   next loop turn: the job frame then leaves before the enqueue's HTTP
 *   answer, so the worker starts while the caller reads that answer.
 * - Renewal: every `leaseMs / 3` the leases of every live worker (one that
 *   pinged within two heartbeats) are extended in one `extend` call; a lease
 *   the broker says is lost is dropped and the worker told `cancel`.
 * - `onCancel` from the broker reaches the session holding the job.
 */
import type { LeasedJob, LeaseRef } from '../../brokers/contract.js';
import type { ResolvedGatewayOptions } from './gateway-options.js';
import type { WorkerSession } from './worker-session.js';
import { settle } from './settle.js';

/** Largest batch leased for one worker in one call. */
const MAX_LEASE_BATCH = 1_000;

/** See the file's header. */
export class JobDispatcher {
  readonly #options: ResolvedGatewayOptions;
  readonly #report: (error: unknown, context: string) => void;
  readonly #sessions = new Set<WorkerSession>();
  readonly #holders = new Map<string, WorkerSession>();
  readonly #releasers: (() => void)[] = [];
  readonly #pending = new Set<WorkerSession>();
  /** When each session last got jobs or finished one (a counter, larger = later). */
  readonly #lastWorked = new Map<WorkerSession, number>();
  #clock = 0;
  #allScheduled = false;
  #flushScheduled = false;
  #renewing = false;
  #paused = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;

  readonly #silentBefore: () => number;

  /** `silentBefore()`: a session whose last frame is older is not renewed (the gateway's heartbeat rule). */
  constructor(
    options: ResolvedGatewayOptions,
    report: (error: unknown, context: string) => void,
    silentBefore: () => number = () => Date.now() - 2 * options.heartbeatMs,
  ) {
    this.#options = options;
    this.#report = report;
    this.#silentBefore = silentBefore;
    const broker = options.broker;
    this.#releasers.push(broker.onReady(() => this.scheduleAll(broker.leaseNow !== undefined)));
    this.#releasers.push(broker.onCancel((id) => this.#holders.get(id)?.drop(id)));
    this.#pollTimer = setInterval(() => this.scheduleAll(), options.pollInterval).unref();
    this.#renewTimer = setInterval(() => this.#renew(), options.renewMs).unref();
  }

  /** Starts feeding a session. */
  add(session: WorkerSession): void {
    this.#sessions.add(session);
    this.schedule(session);
  }

  /** Stops feeding a session (its jobs are handled by `session.end`). */
  remove(session: WorkerSession): void {
    this.#sessions.delete(session);
    this.#lastWorked.delete(session);
  }

  /** The session no longer holds `id`. */
  forget(session: WorkerSession, id: string): void {
    if (this.#holders.get(id) === session) this.#holders.delete(id);
    this.#worked(session);
  }

  /** Looks for work for one session soon (coalesced). */
  schedule(session: WorkerSession): void {
    this.#pending.add(session);
    this.#scheduleFlush();
  }

  /**
   * Looks for work for every session soon (coalesced), the least busy first
   * (see the file's header); `now`: at the end of this turn (a microtask)
   * instead of the next loop turn.
   */
  scheduleAll(now = false): void {
    this.#allScheduled = true;
    this.#scheduleFlush(now);
  }

  /** Stops leasing (shutdown); outcomes are still accepted. */
  pause(): void {
    this.#paused = true;
  }

  /** Total jobs held by every session. */
  held(): number {
    return this.#holders.size;
  }

  /** Unsubscribes from the broker and stops the timers. */
  close(): void {
    this.#paused = true;
    clearInterval(this.#pollTimer);
    clearInterval(this.#renewTimer);
    for (const release of this.#releasers.splice(0)) release();
  }

  #scheduleFlush(now = false): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // One turn of the event loop: every frame that freed credit in this turn, from every worker, shares one lease call per worker.
    (now ? queueMicrotask : setImmediate)(this.#flush);
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#allScheduled) {
      this.#allScheduled = false;
      this.#pending.clear();
      for (const session of this.#byBusyness()) this.#pump(session);
      return;
    }
    const list = [...this.#pending];
    this.#pending.clear();
    for (const session of list) this.#pump(session);
  };

  /** Sessions, the fewest held jobs first; ties: the one that worked last first. */
  #byBusyness(): WorkerSession[] {
    const list = [...this.#sessions];
    if (list.length > 1)
      list.sort((a, b) => a.active - b.active || (this.#lastWorked.get(b) ?? 0) - (this.#lastWorked.get(a) ?? 0));
    return list;
  }

  #worked(session: WorkerSession): void {
    if (this.#sessions.has(session)) this.#lastWorked.set(session, ++this.#clock);
  }

  #pump(session: WorkerSession): void {
    if (this.#paused || session.ended || !this.#sessions.has(session)) return;
    if (session.leasing) {
      session.pumpWanted = true;
      return;
    }
    const max = Math.min(session.free, MAX_LEASE_BATCH);
    if (max <= 0) return;
    session.leasing = true;
    session.pumpWanted = false;
    const request = { queues: session.queues, max, leaseMs: this.#options.leaseMs, workerId: session.workerId };
    const broker = this.#options.broker;
    if (!broker.leaseNow) {
      settle(() => broker.lease(request)).then(
        (jobs) => this.#leased(session, jobs, max),
        (error: unknown) => this.#leaseFailed(session, error),
      );
      return;
    }
    let jobs: LeasedJob[];
    try {
      jobs = broker.leaseNow(request);
    } catch (error) {
      return this.#leaseFailed(session, error);
    }
    this.#leased(session, jobs, max);
  }

  #leaseFailed(session: WorkerSession, error: unknown): void {
    session.leasing = false;
    // The poll timer tries again; no tight loop against a failing broker.
    this.#report(error, `leasing jobs for worker ${session.workerId} failed`);
  }

  #leased(session: WorkerSession, jobs: LeasedJob[], max: number): void {
    session.leasing = false;
    if (jobs.length === 0) return;
    if (this.#paused || session.ended || !this.#sessions.has(session)) {
      // Never reached the worker: back to the queue, attempt not counted.
      settle(() => this.#options.broker.release(jobs)).catch((error: unknown) =>
        this.#report(error, 'handing back undelivered jobs failed'),
      );
      return;
    }
    for (const job of jobs) this.#holders.set(job.id, session);
    this.#worked(session);
    session.accept(jobs);
    if (jobs.length === max || session.pumpWanted) this.#pump(session);
  }

  #renew(): void {
    if (this.#renewing) return;
    const liveAfter = this.#silentBefore();
    const refs: LeaseRef[] = [];
    const owners: WorkerSession[] = [];
    for (const session of this.#sessions) {
      if (session.ended || session.lastSeen < liveAfter) continue;
      for (const ref of session.leases()) {
        refs.push(ref);
        owners.push(session);
      }
    }
    if (refs.length === 0) return;
    this.#renewing = true;
    settle(() => this.#options.broker.extend(refs, this.#options.leaseMs)).then(
      (held) => {
        this.#renewing = false;
        held.forEach((ok, i) => {
          const ref = refs[i]!;
          const owner = owners[i]!;
          if (!ok && owner.holds(ref)) owner.drop(ref.id);
        });
      },
      (error: unknown) => {
        this.#renewing = false;
        this.#report(error, 'renewing the leases of remote workers failed');
      },
    );
  }
}
