import { doublingDelay } from '../core/backoff.js';

/** Options of {@link ReconnectBackoff}. */
export interface ReconnectBackoffOptions {
  /** The first cap (ms). @default 250 */
  minMs?: number;
  /** The largest cap (ms). @default 30000 */
  maxMs?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter for reconnects: the n-th wait is
 * uniform in [0, min(maxMs, minMs · 2^n)), so hundreds of workers that lost
 * the same server come back spread out, not in one stampede (S13).
 */
export class ReconnectBackoff {
  readonly minMs: number;
  readonly maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: ReconnectBackoffOptions = {}) {
    this.minMs = options.minMs ?? 250;
    this.maxMs = Math.max(this.minMs, options.maxMs ?? 30_000);
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The wait before the next attempt (ms); counts an attempt. */
  next(): number {
    return doublingDelay(this.minMs, this.maxMs, ++this.#attempt, 'full', this.#random);
  }

  /** After a success: start again from `minMs`. */
  reset(): void {
    this.#attempt = 0;
  }
}
