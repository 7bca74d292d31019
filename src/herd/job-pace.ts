/** Handlers faster than this (seconds, on average) count as short. */
const SHORT_S = 0.005;
/** Weight of the newest run in the moving average. */
const ALPHA = 0.1;

/**
 * The recent pace of a herd's handlers: an exponential moving average of
 * their run times. A herd whose jobs are short asks its broker to lease
 * ahead (`LeaseRequest.ahead`), so the next batch is on its way while this
 * one runs; a herd of slow jobs never holds jobs it cannot start soon.
 */
export class JobPace {
  #average = Number.POSITIVE_INFINITY;

  /** Counts one finished run. */
  observe(seconds: number): void {
    this.#average =
      this.#average === Number.POSITIVE_INFINITY ? seconds : this.#average + ALPHA * (seconds - this.#average);
  }

  /** True while recent handlers have been short on average. */
  get short(): boolean {
    return this.#average < SHORT_S;
  }
}
