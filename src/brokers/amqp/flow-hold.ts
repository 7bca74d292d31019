/**
 * Tickets a flow limit held back (docs/flow-control.md, "RabbitMQ"). The
 * backend's claim answers `held` when the job's queue is paused or limited,
 * its rate window is full or its group is at its `groupConcurrency`; the job
 * stays queued and its ticket must neither start it, nor be lost, nor spin.
 *
 * A held ticket first waits here, unacked, in the inbox: until the time the
 * gate gave (a rate window or a `RateLimited` that ends), or, with no time
 * known (paused, a full group), for a recheck that doubles from
 * {@link HOLD_FIRST_MS} to {@link HOLD_CAP_MS}. A change made in this
 * process (settings set, a lease of the queue ended) rechecks at once.
 * The prefetch leaves room for held tickets, so they never stop other
 * tickets from arriving.
 *
 * A ticket is held here at most {@link LOCAL_HOLD_MS} in a row, and at most
 * {@link MAX_HELD} at once: past either it goes back to RabbitMQ through the
 * delay queues (`topology.ts`) for its wait, and is acked, so an idle
 * worker elsewhere may take it, RabbitMQ's `consumer_timeout` never sees it
 * and this process does not hoard a backlog. Nothing is dropped: a ticket
 * whose re-publish fails stays unacked and is tried again.
 */
import { doublingDelay } from '../../core/backoff.js';
import { WakeTimer } from '../../core/wake-timer.js';
import type { Delivery, Inbox } from './inbox.js';
import type { WorkQueues } from './work-queues.js';

/** First recheck of a ticket held with no time known (ms). */
export const HOLD_FIRST_MS = 25;
/** Longest recheck interval of a ticket held with no time known (ms): how soon a resume elsewhere is seen. */
export const HOLD_CAP_MS = 1000;
/** Longest a ticket is held in this process in a row before it goes back to RabbitMQ (ms). */
export const LOCAL_HOLD_MS = 2000;
/** Most tickets held in one process; more go back to RabbitMQ at once. */
export const MAX_HELD = 500;
/** A ticket whose re-publish failed is tried again after this long (ms). */
const RETRY_PUBLISH_MS = 1000;

/** The hold state of one delivery. */
export interface FlowHold {
  /** When it was first held in this process (epoch ms). */
  since: number;
  /** Claims that found it held. */
  tries: number;
  /** The gate gave a time (a window, a limit): nothing earlier can change it. */
  timed: boolean;
}

/** What {@link FlowHolds} needs from its leaser. */
export interface FlowHoldsHost {
  inbox: Inbox;
  work: WorkQueues;
  /** Acks a delivery once. */
  ack: (d: Delivery) => void;
  /** Held tickets may be claimable: wake idle workers. */
  wake: () => void;
}

/** Holds back the tickets of held jobs (see the file comment). */
export class FlowHolds {
  readonly #h: FlowHoldsHost;
  readonly #timer: WakeTimer;

  constructor(host: FlowHoldsHost) {
    this.#h = host;
    this.#timer = new WakeTimer(() => this.#tick());
  }

  /** Tickets held here now (the prefetch leaves room for them). */
  get count(): number {
    return this.#h.inbox.heldCount;
  }

  /** The claim found the ticket's job held: wait here, or go back to RabbitMQ for the wait. */
  hold(d: Delivery, retryInMs: number | undefined): void {
    const now = Date.now();
    const hold = (d.hold ??= { since: now, tries: 0, timed: false });
    hold.tries++;
    hold.timed = retryInMs !== undefined;
    const wait = retryInMs ?? doublingDelay(HOLD_FIRST_MS, HOLD_CAP_MS, hold.tries, 'none');
    if (now + wait <= hold.since + LOCAL_HOLD_MS && this.count < MAX_HELD) {
      d.notBefore = now + wait;
      this.#h.inbox.add(d);
      this.#timer.at(d.notBefore);
      return;
    }
    this.#handBack(d, wait);
  }

  /**
   * A lease of `queue` ended here, or its settings changed (`all`): held
   * tickets of the queue with no time known (all of them, with `all`) are
   * rechecked at once.
   */
  recheck(queue: string, all = false): void {
    if (this.count === 0) return;
    let any = false;
    for (const d of this.#h.inbox.held()) {
      if (d.queue !== queue || (d.hold!.timed && !all)) continue;
      d.notBefore = 0;
      any = true;
    }
    if (any) this.#h.wake();
  }

  /** Stops the timer (the broker closes; unacked tickets return to RabbitMQ with the channel). */
  stop(): void {
    this.#timer.stop();
  }

  /** Wakes workers for tickets due a recheck; tickets held too long here go back to RabbitMQ. */
  #tick(): void {
    const now = Date.now();
    const aged = this.#h.inbox.takeWhere((d) => d.hold !== undefined && now >= d.hold.since + LOCAL_HOLD_MS);
    for (const d of aged) this.#handBack(d, Math.max(0, d.notBefore - now));
    let next = Infinity;
    for (const d of this.#h.inbox.held()) {
      if (d.notBefore > now) next = Math.min(next, d.notBefore);
      else next = Math.min(next, d.hold!.since + LOCAL_HOLD_MS);
    }
    if (next < Infinity) this.#timer.at(next);
    this.#h.wake();
  }

  /** Publishes the ticket again due in `wait` ms (a delay queue, or its work queue when due), then acks it. */
  #handBack(d: Delivery, wait: number): void {
    const ticket = { ...d.ticket, dueAt: Date.now() + wait };
    this.#h.work.redelay(d.queue, ticket).then(
      () => this.#h.ack(d),
      () => {
        // Not re-published: it stays unacked here and is tried again (a reconnect redelivers it anyway).
        if (d.settled) return;
        d.hold = { since: Date.now(), tries: d.hold?.tries ?? 1, timed: true };
        d.notBefore = Date.now() + RETRY_PUBLISH_MS;
        this.#h.inbox.add(d);
        this.#timer.at(d.notBefore);
      },
    );
  }
}
