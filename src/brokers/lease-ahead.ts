import type { LeaseRef, LeaseRequest, LeasedJob } from './contract.js';

/** What one lease round trip gave. */
export interface LeaseBatch {
  jobs: LeasedJob[];
  /**
   * True when nothing but FIFO order decided which jobs were taken (no
   * priorities waiting, no queue settings or limits on the queues): jobs
   * leased ahead then cannot overtake anything nor bend a limit.
   */
  plain: boolean;
}

/** How the lease-ahead buffer reaches the broker. */
export interface LeaseAheadHost {
  /** One lease round trip for up to `max` jobs. */
  fetch(request: LeaseRequest, max: number): Promise<LeaseBatch>;
  /** Hands leases back unfinished (no attempt counted). */
  release(leases: readonly LeaseRef[]): Promise<void>;
}

/** How long a job leased ahead may wait for its herd before it goes back to its queue. */
export const HOLD_MS = 50;
/** After a hold ran out, this long without leasing ahead for that herd. */
const COOLDOWN_MS = 1000;
/**
 * Held at most: this many times the herd's `ahead` (its concurrency). A herd
 * of no-op jobs empties a small buffer long before the next round trip (or
 * SQLite's fsync'd commit) is back; at 4× one round trip carries 20–40 jobs
 * for a herd of 10 (docs/benchmarks.md: Redis c10 +30 %, SQLite c10 2×).
 */
const HOLD_FACTOR = 4;

/**
 * A refill that goes along with another round trip (a batch of outcomes):
 * lease up to `max` jobs for `request`, then say how it went.
 */
export interface CarriedRefill {
  request: LeaseRequest;
  max: number;
  /** The jobs it leased go to the herd's buffer. */
  landed(batch: LeaseBatch): void;
  /** Nothing was leased (the round trip failed). */
  failed(): void;
}

interface Slot {
  jobs: LeasedJob[];
  /** The herd's last request and how many jobs may be held for it. */
  request: LeaseRequest | undefined;
  ahead: number;
  refill: Promise<void> | undefined;
  /** The last round trip was {@link LeaseBatch.plain} and filled its request. */
  flowing: boolean;
  cooldownUntil: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Lease-ahead for herds that run short jobs back to back (the herd says so
 * with `LeaseRequest.ahead`): while the herd runs one batch, the next is
 * already leased, so the round trip to Redis (or the commit of SQLite, or of
 * the AMQP broker's result backend) overlaps the work instead of sitting
 * between batches. Guarantees stay: jobs are leased ahead only from
 * plain FIFO queues (no priorities waiting, no settings or limits), a job
 * held here longer than {@link HOLD_MS} goes back to the front of its queue
 * with its attempt uncounted (and leasing ahead pauses for that herd), a
 * cancelled job is dropped, and `close()` hands everything back.
 */
export class LeaseAhead {
  readonly #host: LeaseAheadHost;
  readonly #slots = new Map<string, Slot>();
  #closed = false;

  constructor(host: LeaseAheadHost) {
    this.#host = host;
  }

  /**
   * Every lease of the broker: one plain round trip unless the herd asks to
   * lease ahead or jobs are held here (what is held for a herd goes first).
   */
  async lease(request: LeaseRequest): Promise<LeasedJob[]> {
    if (request.max <= 0 || request.queues.length === 0) return [];
    if (!request.ahead && this.#slots.size === 0) return (await this.#host.fetch(request, request.max)).jobs;
    const ahead = Math.min((request.ahead ?? 0) * HOLD_FACTOR, 1000);
    const key = `${request.queues.join('\n')}\n${request.leaseMs}\n${request.workerId ?? ''}`;
    const slot = this.#slot(key);
    slot.request = request;
    slot.ahead = ahead;
    if (slot.refill && slot.jobs.length < request.max) await slot.refill;
    const out = slot.jobs.length > 0 ? this.#take(slot, request.max) : [];
    if (out.length < request.max) {
      const batch = await this.#host.fetch(request, request.max - out.length);
      for (const job of batch.jobs) out.push(job);
      slot.flowing = batch.plain && out.length === request.max;
    }
    // Refill once half is used: fewer, larger round trips.
    if (
      slot.flowing &&
      !slot.refill &&
      !this.#closed &&
      slot.jobs.length * 2 <= ahead &&
      Date.now() >= slot.cooldownUntil
    ) {
      this.#refill(slot, request, ahead - slot.jobs.length);
    }
    if (slot.jobs.length === 0 && !slot.refill && !slot.flowing && Date.now() >= slot.cooldownUntil) {
      this.#slots.delete(key);
    }
    return out;
  }

  /**
   * A refill for a herd whose buffer has room, for a round trip that goes
   * out anyway (its outcomes): the next jobs ride along with it instead of
   * taking a round trip of their own. Undefined when no herd wants one.
   */
  carryRefill(): CarriedRefill | undefined {
    if (this.#closed) return undefined;
    for (const slot of this.#slots.values()) {
      const { request } = slot;
      const room = slot.ahead - slot.jobs.length;
      if (!request || !slot.flowing || slot.refill || room <= 0 || Date.now() < slot.cooldownUntil) continue;
      let settle!: () => void;
      slot.refill = new Promise<void>((resolve) => (settle = resolve));
      return {
        request,
        max: room,
        landed: (batch) => {
          this.#landed(slot, batch, room);
          settle();
        },
        failed: () => {
          this.#refillFailed(slot);
          settle();
        },
      };
    }
    return undefined;
  }

  /** A job cancelled while held here is dropped (its lease is void). */
  drop(jobId: string): void {
    for (const slot of this.#slots.values()) {
      const i = slot.jobs.findIndex((job) => job.id === jobId);
      if (i >= 0) slot.jobs.splice(i, 1);
    }
  }

  /** Hands every held job back; later refills are handed back as they land. */
  async close(): Promise<void> {
    this.#closed = true;
    const refills = [...this.#slots.values()].flatMap((slot) => (slot.refill ? [slot.refill] : []));
    await Promise.all(refills);
    const held: LeasedJob[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      held.push(...slot.jobs.splice(0));
    }
    this.#slots.clear();
    if (held.length > 0) await this.#host.release(held);
  }

  #slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = {
        jobs: [],
        request: undefined,
        ahead: 0,
        refill: undefined,
        flowing: false,
        cooldownUntil: 0,
        timer: undefined,
      };
      this.#slots.set(key, slot);
    }
    return slot;
  }

  #take(slot: Slot, max: number): LeasedJob[] {
    const out = slot.jobs.splice(0, max);
    // The herd came back: what is left may wait another HOLD_MS for it.
    if (slot.timer) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    if (slot.jobs.length > 0) slot.timer = setTimeout(() => this.#expire(slot), HOLD_MS).unref();
    return out;
  }

  #refill(slot: Slot, request: LeaseRequest, max: number): void {
    slot.refill = this.#host.fetch(request, max).then(
      (batch) => this.#landed(slot, batch, max),
      () => this.#refillFailed(slot),
    );
  }

  #landed(slot: Slot, batch: LeaseBatch, max: number): void {
    slot.refill = undefined;
    if (batch.jobs.length === 0) {
      slot.flowing = false;
      return;
    }
    slot.flowing = batch.plain && batch.jobs.length === max;
    if (this.#closed) {
      void this.#host.release(batch.jobs).catch(() => undefined);
      return;
    }
    for (const job of batch.jobs) slot.jobs.push(job);
    slot.timer ??= setTimeout(() => this.#expire(slot), HOLD_MS).unref();
  }

  /** The herd's own next lease meets the error (and backs off); nothing was leased here. */
  #refillFailed(slot: Slot): void {
    slot.refill = undefined;
    slot.flowing = false;
  }

  /** The herd did not come back in time: what it left goes back to the queue. */
  #expire(slot: Slot): void {
    slot.timer = undefined;
    if (slot.jobs.length === 0) return;
    const held = slot.jobs.splice(0);
    slot.flowing = false;
    slot.cooldownUntil = Date.now() + COOLDOWN_MS;
    // A failed release is harmless: the leases expire and the sweep hands the jobs back.
    void this.#host.release(held).catch(() => undefined);
  }
}
