import type { Codec } from '../../core/codec.js';
import type { LeaseRef, LeaseRequest, LeasedJob, NackOutcome } from '../contract.js';
import type { LeaseBatch } from '../lease-ahead.js';
import type { NextTicket, ResultBackend } from './backend.js';
import { DELAY_SLACK_MS } from './backend-rules.js';
import { FlowHolds } from './flow-hold.js';
import type { HeldLeases } from './held-leases.js';
import type { Delivery, Inbox } from './inbox.js';
import type { LiveNote } from './report-hub.js';
import { decode } from './report-hub.js';
import type { Ticket } from './ticket.js';
import { freshToken } from './tokens.js';
import type { WorkQueues } from './work-queues.js';
import { doublingDelay } from '../../core/backoff.js';

/** How long a lease waits for tickets the backend says are queued but not yet delivered here (ms). */
const SETTLE_MS = 150;
/**
 * Once some tickets are here, stop waiting after this long without a new one
 * (ms): a burst arrives within a socket read or two, and a longer wait would
 * stall a busy herd on every lease.
 */
const QUIET_MS = 3;
/** A ticket whose state change never committed (its publisher died) is dropped after this long (ms). */
const PARK_LIMIT_MS = 30_000;
/**
 * The prefetch is this many times what the herd holds plus what it asks for
 * (its size): tickets are already here when slots free, instead of one
 * RabbitMQ round trip later. Measured with bench/amqp.ts (50 slots, one run
 * each): ×1 0.35, ×2 0.54, ×4 0.76 of raw amqplib's consume rate. The price:
 * up to 3× the herd size of tickets wait here instead of at another idle worker.
 */
const PREFETCH_FACTOR = 4;
/** Claim rounds per lease (stale tickets are dropped and the next ones tried). */
const ROUNDS = 4;

/** What the leaser needs from its broker. */
export interface LeaserHost {
  backend: ResultBackend;
  work: WorkQueues;
  inbox: Inbox;
  held: HeldLeases;
  codec: Codec;
  publish: (notes: readonly LiveNote[]) => void;
  /** Tickets may have become claimable. */
  wake: () => void;
}

/**
 * Turns delivered tickets into leases. `lease()` is pull-based: it raises
 * the prefetch to what this process holds plus `max` (the herd's free
 * slots), takes the best tickets from the inbox and claims them in the
 * backend in one write. A ticket the backend calls stale is acked (dropped);
 * one it calls future waits in the inbox with backoff. The delivery of a
 * claimed ticket stays unacked until the lease ends.
 */
export class Leaser {
  readonly #h: LeaserHost;
  readonly #holds: FlowHolds;
  #arrivals: (() => void)[] = [];
  #wakeTimer: NodeJS.Timeout | undefined;

  constructor(host: LeaserHost) {
    this.#h = host;
    this.#holds = new FlowHolds({
      inbox: host.inbox,
      work: host.work,
      ack: (d) => this.ackDelivery(d),
      wake: () => host.wake(),
    });
  }

  /** A ticket arrived: wake a lease waiting for it. */
  arrived(): void {
    if (this.#arrivals.length === 0) return;
    for (const resolve of this.#arrivals.splice(0)) resolve();
  }

  /**
   * Leases up to `request.max` jobs. The batch is `plain` (fit to lease ahead,
   * lease-ahead.ts) when no job came through a flow gate (its queue has
   * settings or a limit) and none of the tickets taken had a priority above
   * 0: the inbox hands out the best first, so then nothing here outranks them.
   */
  async lease(request: LeaseRequest): Promise<LeaseBatch> {
    const { inbox, work, held, backend } = this.#h;
    if (request.max <= 0 || request.queues.length === 0) return { jobs: [], plain: false };
    await work.consume(request.queues);
    // Tickets a flow limit holds here do not take the room of new ones (flow-hold.ts).
    await work.setPrefetch(PREFETCH_FACTOR * (held.running() + request.max) + this.#holds.count);
    const queues = new Set(request.queues);
    await this.#settle(queues, request.max);
    const out: LeasedJob[] = [];
    let plain = true;
    for (let round = 0; round < ROUNDS && out.length < request.max; round++) {
      const now = Date.now();
      const taken = inbox.take(queues, request.max - out.length, now);
      if (taken.length === 0) break;
      if (taken[0]!.ticket.priority > 0) plain = false;
      const claimable: Delivery[] = [];
      for (const d of taken) {
        if (d.ticket.dueAt - now > DELAY_SLACK_MS) this.redelay(d);
        else claimable.push(d);
      }
      if (claimable.length === 0) continue;
      const refs = claimable.map((d) => ({
        id: d.ticket.id,
        gen: d.ticket.gen,
        nonce: d.ticket.nonce,
        redelivered: d.msg.fields.redelivered,
        queue: d.queue,
      }));
      const { value, notes } = await backend.claim(refs, request.leaseMs, request.workerId);
      this.#h.publish(notes);
      value.forEach((outcome, i) => {
        const d = claimable[i]!;
        if (outcome.kind === 'stale') return this.ackDelivery(d);
        if (outcome.kind === 'future') return this.#park(d);
        if (outcome.kind === 'held') {
          plain = false;
          return this.#holds.hold(d, outcome.retryInMs);
        }
        if (outcome.gated) plain = false;
        const job = outcome.job;
        const before = held.set(job.id, { token: job.token, delivery: d, settling: false });
        if (before && before.delivery !== d) this.ackDelivery(before.delivery);
        out.push({
          id: job.id,
          token: job.token,
          task: job.task,
          queue: job.queue,
          args: decode(this.#h.codec, job.args) as unknown[],
          attempt: job.attempt,
          options: job.options,
          expiresAt: job.expiresAt,
        });
      });
    }
    return { jobs: out, plain: plain && out.length > 0 };
  }

  /** Records a failed attempt: the next ticket is confirmed before the state moves. False when stale. */
  async nack(lease: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    const { backend, held, work } = this.#h;
    let next: NextTicket | undefined;
    if (outcome.retryInMs !== undefined) {
      const state = (await backend.leaseStates([lease.id])).get(lease.id);
      if (state?.status !== 'active' || state.token !== lease.token) {
        this.drop(lease);
        return false;
      }
      const mine = held.get(lease.id, lease.token);
      let ticket: Pick<Ticket, 'gen' | 'priority'> | undefined = mine?.delivery.ticket;
      let queue = mine?.delivery.queue;
      if (!ticket || queue === undefined) {
        const record = await backend.get(lease.id);
        if (!record) return false;
        ticket = record;
        queue = record.queue;
      }
      const retryIn = outcome.retryInMs;
      const delayMs = Number.isFinite(retryIn) && retryIn > 0 ? Math.ceil(retryIn) : 0;
      const now = Date.now();
      next = { gen: ticket.gen + 1, nonce: freshToken(), runAt: now + delayMs, delayed: delayMs > 0 };
      await work.publish([
        {
          queue,
          ticket: {
            id: lease.id,
            gen: next.gen,
            nonce: next.nonce,
            priority: ticket.priority,
            at: now,
            dueAt: now + delayMs,
          },
        },
      ]);
    }
    const { value, notes } = await backend.nack(lease, outcome.error, next);
    this.drop(lease);
    this.#h.publish(notes);
    return value;
  }

  /** The lease's outcome is on its way: its slot no longer counts against the prefetch. */
  settling(lease: LeaseRef): void {
    const held = this.#h.held.get(lease.id, lease.token);
    if (held) held.settling = true;
  }

  /** The lease ended (or went stale) here: ack its delivery. */
  drop(lease: LeaseRef): void {
    const held = this.#h.held.take(lease.id, lease.token);
    if (!held) return;
    this.ackDelivery(held.delivery);
    this.#holds.recheck(held.delivery.queue);
  }

  /** The queue's settings changed here: its held tickets are rechecked at once. */
  recheck(queue: string): void {
    this.#holds.recheck(queue, true);
  }

  /** Stops the timers (the broker closes). */
  stop(): void {
    this.#holds.stop();
  }

  /** Drops whatever lease of the job this process holds (it was cancelled). */
  dropAny(id: string): void {
    for (const [heldId, held] of this.#h.held.entries()) {
      if (heldId === id) this.drop({ id, token: held.token });
    }
  }

  /** Hands a released lease's ticket back to RabbitMQ (same ticket; the backend says queued). */
  requeue(lease: LeaseRef): void {
    const held = this.#h.held.take(lease.id, lease.token);
    if (!held || held.delivery.settled) return;
    held.delivery.settled = true;
    this.#h.work.requeue(held.delivery.msg, held.delivery.epoch);
    this.#holds.recheck(held.delivery.queue);
  }

  /** Acks a delivery once. */
  ackDelivery(d: Delivery): void {
    if (d.settled) return;
    d.settled = true;
    this.#h.work.ack(d.msg, d.epoch);
  }

  /** Waits (bounded) for tickets of jobs the backend says are queued but that have not arrived yet. */
  async #settle(queues: ReadonlySet<string>, max: number): Promise<void> {
    const { inbox, backend } = this.#h;
    // Parked tickets count as here: they are known, just not claimable yet (the wake timer brings them).
    let have = inbox.count(queues);
    if (have >= max) return;
    const want = Math.min(max, await backend.readyCount([...queues]));
    const deadline = Date.now() + SETTLE_MS;
    while (have < want) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      const arrived = await this.#nextArrival(have > 0 ? Math.min(remaining, QUIET_MS) : remaining);
      if (!arrived) return;
      have = inbox.count(queues);
    }
  }

  #nextArrival(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#arrivals = this.#arrivals.filter((r) => r !== done);
        resolve(false);
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#arrivals.push(done);
    });
  }

  /** A ticket announcing a change not yet committed: try again soon; drop it once it is too old. */
  #park(d: Delivery): void {
    const now = Date.now();
    if (now - d.ticket.at > PARK_LIMIT_MS) return this.ackDelivery(d);
    d.tries++;
    d.notBefore = now + doublingDelay(10, 1000, d.tries, 'none');
    this.#h.inbox.add(d);
    this.#scheduleWake(d.notBefore - now);
  }

  /** A ticket early for its delay: publish it again for the rest, then ack it. */
  redelay(d: Delivery): void {
    this.#h.work.redelay(d.queue, d.ticket).then(
      () => this.ackDelivery(d),
      () => {
        // Not re-published: leave it unacked; it comes back after a reconnect, or is retried here.
        if (d.settled) return;
        d.notBefore = Date.now() + 1000;
        this.#h.inbox.add(d);
        this.#scheduleWake(1000);
      },
    );
  }

  #scheduleWake(ms: number): void {
    if (this.#wakeTimer) return;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeTimer = undefined;
        this.#h.wake();
        const next = this.#h.inbox.nextDue(Date.now());
        if (next !== undefined) this.#scheduleWake(next - Date.now());
      },
      Math.max(1, ms),
    );
    this.#wakeTimer.unref();
  }
}
