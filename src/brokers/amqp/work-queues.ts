import type { ConsumeMessage, Options } from 'amqplib';
import { BrokerError } from '../../core/errors.js';
import { AckWindow } from './ack-window.js';
import type { AmqpLink, Channels } from './link.js';
import type { Ticket } from './ticket.js';
import { encodeTicket } from './ticket.js';
import { DELAY_HEADER, Topology, amqpPriority, delayBucket } from './topology.js';

/** A ticket to publish, for a drover queue. */
export interface Outgoing {
  queue: string;
  ticket: Ticket;
}

/** Options of {@link WorkQueues}. */
export interface WorkQueuesOptions {
  prefix: string;
  maxPriority: number;
  publishTimeout: number;
  /** A ticket arrived on a consumed queue (the message, its drover queue, its epoch). */
  onDelivery: (msg: ConsumeMessage, queue: string, epoch: number) => void;
}

/**
 * The RabbitMQ side of the broker: declares work and delay queues (only
 * under the prefix), publishes tickets on the confirm channel (resolving
 * once RabbitMQ confirmed them), consumes the queues leased from, and keeps
 * the channel-wide prefetch equal to what the herd can take.
 */
export class WorkQueues {
  readonly topology: Topology;
  readonly #o: WorkQueuesOptions;
  #link!: AmqpLink;
  /** Work queues declared (per epoch, since a restarted node may have lost a non-durable state). */
  readonly #declared = new Map<string, Promise<void>>();
  readonly #delayDeclared = new Map<number, Promise<void>>();
  /** Drover queues consumed, and the epoch each consumer belongs to. */
  readonly #consumed = new Map<string, { epoch: number; ready: Promise<void> }>();
  #prefetch = 1;
  #prefetchEpoch = -1;
  /** The acks of the current connection's consuming channel. */
  #acks: { epoch: number; window: AckWindow } | undefined;
  /** Every queue and exchange this instance declared: what a test may delete afterwards. */
  readonly declared = { queues: new Set<string>(), exchanges: new Set<string>() };

  constructor(options: WorkQueuesOptions) {
    this.#o = options;
    this.topology = new Topology(options.prefix);
  }

  /** @internal set once by the broker. */
  attach(link: AmqpLink): void {
    this.#link = link;
  }

  /** After a (re)connection: prefetch, then the consumers of before. */
  async up(channels: Channels): Promise<void> {
    this.#declared.clear();
    this.#delayDeclared.clear();
    this.#acks?.window.close();
    this.#acks = { epoch: channels.epoch, window: new AckWindow(channels.sub) };
    await channels.sub.prefetch(this.#prefetch, true);
    this.#prefetchEpoch = channels.epoch;
    const queues = [...this.#consumed.keys()];
    this.#consumed.clear();
    for (const queue of queues) await this.#consume(channels, queue);
  }

  /** Publishes tickets and waits for RabbitMQ's confirms. */
  async publish(tickets: readonly Outgoing[]): Promise<void> {
    if (tickets.length === 0) return;
    const channels = await this.#link.ready(this.#o.publishTimeout);
    const now = Date.now();
    const work = new Set<string>();
    const buckets = new Set<number>();
    const plans = tickets.map((t) => {
      const bucket = delayBucket(t.ticket.dueAt - now);
      if (bucket === undefined) work.add(t.queue);
      else buckets.add(bucket);
      work.add(t.queue);
      return { t, bucket };
    });
    await Promise.all([
      ...[...work].map((q) => this.declareQueue(channels, q)),
      ...[...buckets].map((b) => this.#declareDelay(channels, b)),
    ]);
    const confirms = plans.map(({ t, bucket }) => this.#publishOne(channels, t, bucket));
    await Promise.all(confirms);
  }

  /** Publishes one ticket again into the delay bucket its remaining delay needs (or its work queue). */
  async redelay(queue: string, ticket: Ticket): Promise<void> {
    await this.publish([{ queue, ticket }]);
  }

  #publishOne(channels: Channels, t: Outgoing, bucket: number | undefined): Promise<void> {
    const options: Options.Publish = {
      persistent: true,
      priority: amqpPriority(t.ticket.priority, this.#o.maxPriority),
      contentType: 'application/json',
    };
    const routingKey = this.topology.workQueue(t.queue);
    let exchange = '';
    if (bucket !== undefined) {
      exchange = this.topology.delayExchange;
      options.headers = { [DELAY_HEADER]: String(bucket) };
    }
    return new Promise<void>((resolve, reject) => {
      try {
        channels.pub.publish(exchange, routingKey, encodeTicket(t.ticket), options, (error: unknown) => {
          if (error)
            reject(new BrokerError(`RabbitMQ did not confirm a ticket of job ${t.ticket.id}`, { cause: error }));
          else resolve();
        });
      } catch (error) {
        reject(new BrokerError(`Publishing a ticket of job ${t.ticket.id} failed: ${String(error)}`, { cause: error }));
      }
    });
  }

  /** Declares the work queue of a drover queue (durable, classic, with priorities). */
  declareQueue(channels: Channels, queue: string): Promise<void> {
    const name = this.topology.workQueue(queue);
    let declared = this.#declared.get(name);
    if (!declared) {
      declared = channels.ctl
        .assertQueue(name, { durable: true, arguments: { 'x-max-priority': this.#o.maxPriority } })
        .then(() => {
          this.declared.queues.add(name);
        });
      declared.catch(() => this.#declared.delete(name));
      this.#declared.set(name, declared);
    }
    return declared;
  }

  #declareDelay(channels: Channels, bucket: number): Promise<void> {
    let declared = this.#delayDeclared.get(bucket);
    if (!declared) {
      const { delayExchange } = this.topology;
      const queue = this.topology.delayQueue(bucket);
      declared = (async () => {
        await channels.ctl.assertExchange(delayExchange, 'headers', { durable: true });
        this.declared.exchanges.add(delayExchange);
        await channels.ctl.assertQueue(queue, {
          durable: true,
          arguments: { 'x-message-ttl': bucket, 'x-dead-letter-exchange': '' },
        });
        this.declared.queues.add(queue);
        await channels.ctl.bindQueue(queue, delayExchange, '', { 'x-match': 'all', [DELAY_HEADER]: String(bucket) });
      })();
      declared.catch(() => this.#delayDeclared.delete(bucket));
      this.#delayDeclared.set(bucket, declared);
    }
    return declared;
  }

  /** Makes sure `queues` are consumed on the current connection. */
  async consume(queues: readonly string[]): Promise<void> {
    const channels = await this.#link.ready(this.#o.publishTimeout);
    const pending: Promise<void>[] = [];
    for (const queue of queues) {
      const current = this.#consumed.get(queue);
      if (current && current.epoch === channels.epoch) pending.push(current.ready);
      else pending.push(this.#consume(channels, queue));
    }
    await Promise.all(pending);
  }

  #consume(channels: Channels, queue: string): Promise<void> {
    const ready = (async () => {
      await this.declareQueue(channels, queue);
      await channels.sub.consume(
        this.topology.workQueue(queue),
        (msg) => {
          // null: RabbitMQ cancelled the consumer (queue deleted): consume again after a reconnect.
          if (msg) this.#o.onDelivery(msg, queue, channels.epoch);
          else this.#consumed.delete(queue);
        },
        { noAck: false },
      );
    })();
    ready.catch(() => this.#consumed.delete(queue));
    this.#consumed.set(queue, { epoch: channels.epoch, ready });
    return ready;
  }

  /**
   * Sets the channel-wide prefetch (what this process may hold unacked). It
   * grows at once; it shrinks only below half of what it is, so a herd whose
   * running count moves by a few jobs does not pay a `basic.qos` round trip
   * on every lease.
   */
  async setPrefetch(count: number): Promise<void> {
    let target = Math.max(1, Math.min(65_535, count));
    const channels = this.#link.channels;
    const sameLink = channels?.epoch === this.#prefetchEpoch;
    if (sameLink && target < this.#prefetch && target * 2 > this.#prefetch) target = this.#prefetch;
    if (target === this.#prefetch && sameLink) return;
    this.#prefetch = target;
    if (!channels) return;
    this.#prefetchEpoch = channels.epoch;
    await channels.sub.prefetch(target, true);
  }

  /**
   * Acks a delivery if its connection still lives (an ack on another channel
   * would be an unknown tag); sent with the others of this turn (ack-window.ts).
   */
  ack(msg: ConsumeMessage, epoch: number): void {
    this.#window(epoch)?.ack(msg);
  }

  /** Puts a delivery back at the head of its queue (same ticket), if its connection lives. */
  requeue(msg: ConsumeMessage, epoch: number): void {
    try {
      this.#window(epoch)?.requeue(msg);
    } catch {
      // the channel is closing: RabbitMQ redelivers, and the backend refuses the stale ticket
    }
  }

  /** Sends the acks still pending (before the connection closes). */
  flushAcks(): void {
    this.#acks?.window.flush();
  }

  #window(epoch: number): AckWindow | undefined {
    const channels = this.#link.channels;
    if (!channels || channels.epoch !== epoch || this.#acks?.epoch !== epoch) return undefined;
    return this.#acks.window;
  }
}
