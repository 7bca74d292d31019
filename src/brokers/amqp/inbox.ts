import type { ConsumeMessage } from 'amqplib';
import type { FlowHold } from './flow-hold.js';
import type { Ticket } from './ticket.js';

/** One ticket delivered to this process and not yet settled with RabbitMQ. */
export interface Delivery {
  readonly queue: string;
  readonly ticket: Ticket;
  readonly msg: ConsumeMessage;
  /** The connection it came on; acked only while that connection lives. */
  readonly epoch: number;
  /** Arrival order. */
  readonly seq: number;
  /** Not to be claimed before this time (a ticket whose state change has not committed yet). */
  notBefore: number;
  /** Claims tried and found `future`. */
  tries: number;
  /** Acked or requeued: never settle twice (RabbitMQ closes the channel on an unknown tag). */
  settled: boolean;
  /** Set while a flow limit holds its job back (see `flow-hold.ts`). */
  hold?: FlowHold | undefined;
}

/**
 * Deliveries waiting to be leased, in claim order: higher drover priority
 * first, then arrival. Bounded by the channel's prefetch.
 */
export class Inbox {
  #items: Delivery[] = [];
  #seq = 0;
  /** How many of the items a flow limit holds back. */
  #held = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The next arrival number. */
  nextSeq(): number {
    return ++this.#seq;
  }

  add(delivery: Delivery): void {
    this.#items.push(delivery);
    if (delivery.hold) this.#held++;
  }

  /** How many deliveries here a flow limit holds back. */
  get heldCount(): number {
    return this.#held;
  }

  /** The deliveries a flow limit holds back. */
  held(): Delivery[] {
    return this.#held === 0 ? [] : this.#items.filter((d) => d.hold);
  }

  /** Takes out the deliveries `pick` chooses, in arrival order. */
  takeWhere(pick: (d: Delivery) => boolean): Delivery[] {
    const taken = this.#items.filter(pick);
    if (taken.length > 0) this.#remove(new Set(taken));
    return taken;
  }

  #remove(gone: ReadonlySet<Delivery>): void {
    this.#items = this.#items.filter((d) => !gone.has(d));
    for (const d of gone) if (d.hold) this.#held--;
  }

  /** How many deliveries of `queues` are here, claimable now or parked. */
  count(queues: ReadonlySet<string>): number {
    let n = 0;
    for (const d of this.#items) if (queues.has(d.queue)) n++;
    return n;
  }

  /** Takes up to `max` claimable deliveries of `queues`, best first. */
  take(queues: ReadonlySet<string>, max: number, now: number): Delivery[] {
    const picked = this.#items.filter((d) => queues.has(d.queue) && d.notBefore <= now);
    if (picked.length === 0) return [];
    picked.sort((a, b) => b.ticket.priority - a.ticket.priority || a.seq - b.seq);
    const taken = picked.slice(0, max);
    this.#remove(new Set(taken));
    return taken;
  }

  /** Parked deliveries of these jobs are claimable at once (their enqueue just committed here). */
  makeDue(ids: ReadonlySet<string>): void {
    for (const d of this.#items) if (d.notBefore > 0 && !d.hold && ids.has(d.ticket.id)) d.notBefore = 0;
  }

  /** The earliest `notBefore` in the future, if any. */
  nextDue(now: number): number | undefined {
    let next: number | undefined;
    for (const d of this.#items)
      if (d.notBefore > now && (next === undefined || d.notBefore < next)) next = d.notBefore;
    return next;
  }

  /** Drops everything of a connection that is gone (RabbitMQ redelivers it). */
  dropEpoch(epoch: number): void {
    this.takeWhere((d) => d.epoch === epoch);
  }

  /** Drops and returns everything. */
  clear(): Delivery[] {
    this.#held = 0;
    return this.#items.splice(0);
  }
}
