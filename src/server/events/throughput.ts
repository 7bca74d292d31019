/** How many seconds of throughput the server remembers for the dashboard's chart. */
export const THROUGHPUT_WINDOW_S = 300;

/** Jobs finished per second over the last {@link THROUGHPUT_WINDOW_S} seconds, oldest first. */
export interface ThroughputHistory {
  /** Epoch ms of the first second in the arrays. */
  start: number;
  /** Width of one point (ms). */
  interval: number;
  succeeded: number[];
  failed: number[];
}

/** One finished second. */
export interface ThroughputPoint {
  /** Epoch ms of the second's start. */
  at: number;
  succeeded: number;
  failed: number;
}

/**
 * Counts jobs that succeeded and failed (for good) per second of the
 * server's clock, in two fixed rings of {@link THROUGHPUT_WINDOW_S} buckets:
 * memory never grows, and counting is two integer operations per report.
 */
export class Throughput {
  readonly #succeeded = new Array<number>(THROUGHPUT_WINDOW_S).fill(0);
  readonly #failed = new Array<number>(THROUGHPUT_WINDOW_S).fill(0);
  /** The second (epoch s) the newest bucket belongs to. */
  #second: number;

  constructor(now = Date.now()) {
    this.#second = Math.floor(now / 1000);
  }

  /** Counts one finished job. */
  add(outcome: 'succeeded' | 'failed', now = Date.now()): void {
    this.#advance(now);
    const slot = this.#second % THROUGHPUT_WINDOW_S;
    if (outcome === 'succeeded') this.#succeeded[slot]!++;
    else this.#failed[slot]!++;
  }

  /** The finished seconds of the window (the current second is still counting), oldest first. */
  history(now = Date.now()): ThroughputHistory {
    this.#advance(now);
    const last = this.#second - 1;
    const first = last - THROUGHPUT_WINDOW_S + 2;
    const succeeded: number[] = [];
    const failed: number[] = [];
    for (let s = first; s <= last; s++) {
      succeeded.push(this.#succeeded[s % THROUGHPUT_WINDOW_S]!);
      failed.push(this.#failed[s % THROUGHPUT_WINDOW_S]!);
    }
    return { start: first * 1000, interval: 1000, succeeded, failed };
  }

  /** The finished seconds after `afterSecond` (epoch s), at most the window; for the live feed. */
  since(afterSecond: number, now = Date.now()): ThroughputPoint[] {
    this.#advance(now);
    const last = this.#second - 1;
    const first = Math.max(afterSecond + 1, last - THROUGHPUT_WINDOW_S + 2);
    const out: ThroughputPoint[] = [];
    for (let s = first; s <= last; s++) {
      const slot = s % THROUGHPUT_WINDOW_S;
      out.push({ at: s * 1000, succeeded: this.#succeeded[slot]!, failed: this.#failed[slot]! });
    }
    return out;
  }

  /** Moves the newest bucket to `now`, zeroing the buckets of the seconds skipped (all of them after a long pause). */
  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (second <= this.#second) return;
    const steps = Math.min(second - this.#second, THROUGHPUT_WINDOW_S);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.#second + i) % THROUGHPUT_WINDOW_S;
      this.#succeeded[slot] = 0;
      this.#failed[slot] = 0;
    }
    this.#second = second;
  }
}
