import { Deque } from './deque.js';

/** What the ready queue orders: priority, then arrival. */
export interface Queued {
  priority: number;
  seq: number;
}

/**
 * The jobs of one queue that can run now: a FIFO per priority, highest
 * priority first. Most queues use one priority, so this is one deque.
 * Entries may be stale (cancelled); the caller skips those.
 */
export class ReadyQueue<T extends Queued> {
  readonly #buckets = new Map<number, Deque<T>>();
  /** Priorities present, highest first. */
  #priorities: number[] = [];

  push(item: T): void {
    let bucket = this.#buckets.get(item.priority);
    if (!bucket) {
      bucket = new Deque<T>();
      this.#buckets.set(item.priority, bucket);
      this.#priorities.push(item.priority);
      this.#priorities.sort((a, b) => b - a);
    }
    bucket.push(item);
  }

  /** The next item without removing it. */
  peek(): T | undefined {
    for (const p of this.#priorities) {
      const item = this.#buckets.get(p)!.peek();
      if (item !== undefined) return item;
    }
    return undefined;
  }

  shift(): T | undefined {
    while (this.#priorities.length > 0) {
      const p = this.#priorities[0]!;
      const item = this.#buckets.get(p)!.shift();
      if (item !== undefined) return item;
      if (this.#priorities.length === 1) return undefined; // keep the last bucket for reuse
      this.#buckets.delete(p);
      this.#priorities.shift();
    }
    return undefined;
  }
}
