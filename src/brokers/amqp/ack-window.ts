import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * The acks of one consuming channel, sent once per turn of the event loop
 * instead of one frame per delivery. RabbitMQ numbers a channel's deliveries
 * 1, 2, 3…; once every delivery up to some tag is settled (acked or
 * requeued), one `basic.ack` with `multiple` acks all of them that are still
 * outstanding. Acks above the first unsettled tag (a job still running
 * there) go one by one, as before. Never settles a tag twice: an unknown
 * tag closes the channel.
 *
 * States: open ──close()──▶ closed (what is pending is sent first, if the
 * channel still takes it; an ack lost with its channel only means a
 * redelivery, which the backend refuses as stale).
 */
export class AckWindow {
  readonly #channel: Channel;
  /** Every tag below this is settled (acked, about to be, or requeued). */
  #base = 1;
  /** Settled tags at or above the base. */
  readonly #settled = new Set<number>();
  /** Acks not sent yet. */
  #pending: ConsumeMessage[] = [];
  #scheduled = false;
  #closed = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  /** Acks a delivery of this channel (sent by the end of this turn). */
  ack(msg: ConsumeMessage): void {
    if (!this.#settle(msg.fields.deliveryTag)) return;
    this.#pending.push(msg);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Puts a delivery back at the head of its queue (at once: acks pending are sent first). */
  requeue(msg: ConsumeMessage): void {
    if (!this.#settle(msg.fields.deliveryTag)) return;
    this.flush();
    this.#channel.nack(msg, false, true);
  }

  /** Sends the pending acks: the settled run from the base as one multiple ack, the others one by one. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0 || this.#closed) return;
    const pending = this.#pending;
    this.#pending = [];
    try {
      this.#send(pending);
    } catch {
      // the channel is closing: RabbitMQ redelivers, and the backend refuses the stale tickets
    }
  }

  #send(pending: readonly ConsumeMessage[]): void {
    while (this.#settled.delete(this.#base)) this.#base++;
    let top: ConsumeMessage | undefined;
    for (const msg of pending) {
      const tag = msg.fields.deliveryTag;
      if (tag >= this.#base) this.#channel.ack(msg);
      else if (!top || tag > top.fields.deliveryTag) top = msg;
    }
    // Every outstanding tag up to `top` is one of these acks: those above the base were not.
    if (top) this.#channel.ack(top, true);
  }

  /** Sends what is pending, then nothing more (the channel is going). */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Marks a tag settled; false if it was already. */
  #settle(tag: number): boolean {
    if (tag < this.#base || this.#settled.has(tag)) return false;
    this.#settled.add(tag);
    return true;
  }
}
