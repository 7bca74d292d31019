import type { Delivery } from './inbox.js';

/** A lease this process holds, with the delivery of the ticket that claimed it. */
export interface HeldLease {
  token: string;
  delivery: Delivery;
  /** ack / nack / release has started: no longer counted against the prefetch. */
  settling: boolean;
}

/**
 * Leases held by this process (job id → lease), bounded by the herd size.
 * The delivery stays unacked while the job runs, so a dead process's jobs
 * are redelivered by RabbitMQ at once; it is acked (or requeued) exactly
 * once, when the lease ends here or is found stale.
 */
export class HeldLeases {
  readonly #byId = new Map<string, HeldLease>();

  get size(): number {
    return this.#byId.size;
  }

  /** Leases whose job is still running here (what the prefetch must leave room for). */
  running(): number {
    let n = 0;
    for (const held of this.#byId.values()) if (!held.settling) n++;
    return n;
  }

  get(id: string, token: string): HeldLease | undefined {
    const held = this.#byId.get(id);
    return held?.token === token ? held : undefined;
  }

  set(id: string, held: HeldLease): HeldLease | undefined {
    const before = this.#byId.get(id);
    this.#byId.set(id, held);
    return before;
  }

  /** Removes the lease if it is still this token's. */
  take(id: string, token: string): HeldLease | undefined {
    const held = this.#byId.get(id);
    if (held?.token !== token) return undefined;
    this.#byId.delete(id);
    return held;
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  entries(): IterableIterator<[string, HeldLease]> {
    return this.#byId.entries();
  }
}
