import { createHash } from 'node:crypto';

/** Shortest delay bucket (ms); anything due sooner is treated as due. */
export const MIN_DELAY_BUCKET = 16;
/** Longest delay bucket (ms), about 12 days; longer delays hop through it again. */
export const MAX_DELAY_BUCKET = 2 ** 30;
/** The header that routes a delayed ticket to its bucket. */
export const DELAY_HEADER = 'x-drover-delay';

/**
 * Names of everything drover declares in RabbitMQ, all under `prefix`:
 *
 * - `<prefix>.q.<queue>` — one durable classic queue per drover queue, with
 *   `x-max-priority`; tickets are published to it through the default exchange.
 * - `<prefix>.delay` — a headers exchange; a delayed ticket is published to it
 *   with routing key = its work queue and header `x-drover-delay: <ms>`.
 * - `<prefix>.delay.<ms>` — one queue per power-of-two bucket (16 ms … 2^30 ms),
 *   `x-message-ttl: <ms>`, dead-lettering to the default exchange, which routes
 *   the expired ticket by its original routing key back to its work queue. A
 *   ticket not yet due hops through the next smaller bucket, so at most ~27
 *   delay queues exist however many distinct delays are used.
 */
export class Topology {
  readonly prefix: string;
  readonly delayExchange: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.delayExchange = `${prefix}.delay`;
  }

  /** The work queue of a drover queue (hashed when the name would pass AMQP's 255 bytes). */
  workQueue(queue: string): string {
    const name = `${this.prefix}.q.${queue}`;
    if (Buffer.byteLength(name) <= 255) return name;
    return `${this.prefix}.q.~${createHash('sha256').update(queue).digest('hex')}`;
  }

  /** The delay queue of a bucket. */
  delayQueue(bucket: number): string {
    return `${this.prefix}.delay.${bucket}`;
  }
}

/** The bucket a remaining delay goes to, or undefined when it is due. */
export function delayBucket(remainingMs: number): number | undefined {
  if (remainingMs < MIN_DELAY_BUCKET) return undefined;
  return Math.min(MAX_DELAY_BUCKET, 2 ** Math.floor(Math.log2(remainingMs)));
}

/**
 * drover's integer priority as an AMQP priority in 0…max: priority 0 sits in
 * the middle (`floor(max / 2)`), each step up or down is one level, and
 * priorities beyond the ends share the end levels. Among the messages a
 * consumer has prefetched, drover still orders by the exact priority.
 */
export function amqpPriority(priority: number, max: number): number {
  const middle = Math.floor(max / 2);
  return Math.max(0, Math.min(max, middle + priority));
}
