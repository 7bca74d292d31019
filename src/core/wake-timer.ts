/**
 * One timer that calls `wake` at the earliest time it was asked for. A
 * broker uses it to tell its workers when a limit opens (a rate window
 * slides, a `RateLimited` pause ends), so they lease again then rather than
 * at their next poll. Unref'd: it never keeps a process alive.
 */
export class WakeTimer {
  readonly #wake: () => void;
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** Calls `wake` at `at` (epoch ms on the local clock), unless an earlier call is already set. */
  at(at: number): void {
    if (at >= this.#at) return;
    clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(
      () => {
        this.#at = Infinity;
        this.#timer = undefined;
        this.#wake();
      },
      Math.max(0, at - Date.now()),
    ).unref();
  }

  /** Cancels the pending call. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
