import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Stalls shorter than this are noise, not a freeze (ms). */
const NOISE_MS = 50;
/** Most stalls remembered. */
const MAX_STALLS = 64;

/**
 * The server's own event-loop stalls, so heartbeats are judged fairly
 * (docs/reliability.md S27): while the loop is blocked, a worker's pings sit
 * unread in the socket, and the first timer after the freeze would call a
 * healthy worker silent. {@link credit} is how much of a recent window the
 * loop spent frozen; silence is measured net of it.
 *
 * Stalls are measured twice: by the drift of the caller's own periodic
 * {@link tick} (seen at once, even before the I/O backlog is read) and by
 * `perf_hooks.monitorEventLoopDelay` (stalls between ticks); the larger wins.
 */
export class LoopStalls {
  readonly #histogram: IntervalHistogram;
  readonly #stalls: { at: number; ms: number }[] = [];
  #lastTick = performance.now();

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: 20 });
    this.#histogram.enable();
  }

  /** Call every `intervalMs`: records the stall since the last call, if any. */
  tick(intervalMs: number): void {
    const now = performance.now();
    const drift = now - this.#lastTick - intervalMs;
    const histogramMs = this.#histogram.max / 1e6 - 20;
    this.#histogram.reset();
    this.#lastTick = now;
    const stall = Math.max(drift, histogramMs);
    if (stall < NOISE_MS) return;
    this.#stalls.push({ at: Date.now(), ms: stall });
    if (this.#stalls.length > MAX_STALLS) this.#stalls.shift();
  }

  /** Milliseconds the loop was frozen within the last `windowMs`. */
  credit(windowMs: number, now = Date.now()): number {
    let sum = 0;
    for (const s of this.#stalls) if (s.at > now - windowMs - s.ms) sum += s.ms;
    return sum;
  }

  /** Stops measuring. */
  close(): void {
    this.#histogram.disable();
  }
}
