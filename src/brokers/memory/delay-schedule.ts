import { MinHeap } from './delay-heap.js';

interface Due<T> {
  item: T;
  at: number;
}

/**
 * Items that become due at a time: a heap plus one timer armed for the
 * earliest. An entry whose item has moved on (`isStillDue` false: cancelled,
 * re-scheduled) is skipped when it comes up, so nothing is removed eagerly.
 */
export class DelaySchedule<T> {
  readonly #heap = new MinHeap<Due<T>>((d) => d.at);
  readonly #isStillDue: (item: T, at: number) => boolean;
  readonly #onDue: (items: T[]) => void;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #closed = false;

  /** `onDue` gets every item whose time has come, in due order. */
  constructor(isStillDue: (item: T, at: number) => boolean, onDue: (items: T[]) => void) {
    this.#isStillDue = isStillDue;
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#heap.size;
  }

  /** Schedules `item` for `at` (epoch ms). */
  add(item: T, at: number): void {
    this.#heap.push({ item, at });
    this.#arm();
  }

  /** Hands every item due by `now` to `onDue` (also called by the timer). */
  promote(now: number): void {
    const due: T[] = [];
    for (let next = this.#heap.peek(); next && next.at <= now; next = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#isStillDue(next.item, next.at)) due.push(next.item);
    }
    if (due.length > 0) this.#onDue(due);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    const next = this.#heap.peek();
    if (!next || next.at >= this.#timerAt || this.#closed) return;
    clearTimeout(this.#timer);
    this.#timerAt = next.at;
    this.#timer = setTimeout(
      () => {
        this.#timerAt = Infinity;
        this.promote(Date.now());
        this.#arm();
      },
      Math.max(0, next.at - Date.now()),
    ).unref();
  }
}
