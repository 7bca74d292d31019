import { doublingDelay } from '../../core/backoff.js';

/**
 * Slows brute force on credentials (docs/reliability.md S16): failures are
 * counted per client address; past `threshold` failures the address is
 * blocked for `baseMs · 2^(failures − threshold)`, capped at `maxMs`. An
 * address that stays quiet for `forgetAfterMs` starts afresh; a worker
 * handshake that succeeds clears it. Memory is bounded: at most `maxAddresses` entries, the oldest
 * evicted first (a Map iterates in insertion order).
 */
export class AuthThrottle {
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #forgetAfterMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { failures: number; blockedUntil: number; last: number }>();

  constructor(options: {
    threshold: number;
    baseMs?: number;
    maxMs?: number;
    forgetAfterMs?: number;
    maxAddresses?: number;
    now?: () => number;
  }) {
    this.#threshold = options.threshold;
    this.#baseMs = options.baseMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#forgetAfterMs = options.forgetAfterMs ?? 2 * this.#maxMs;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds this address must still wait, or 0 when it may try. */
  blockedFor(address: string): number {
    const entry = this.#entries.get(address);
    if (!entry) return 0;
    return Math.max(0, entry.blockedUntil - this.#now());
  }

  /** Counts a failure; returns how long the address is now blocked (ms, 0 when not). */
  failure(address: string): number {
    const now = this.#now();
    let entry = this.#entries.get(address);
    this.#entries.delete(address);
    if (!entry || now - entry.last > this.#forgetAfterMs) entry = { failures: 0, blockedUntil: 0, last: now };
    entry.failures++;
    entry.last = now;
    if (entry.failures >= this.#threshold) {
      const wait = doublingDelay(this.#baseMs, this.#maxMs, entry.failures - this.#threshold + 1, 'none');
      entry.blockedUntil = now + wait;
    }
    this.#entries.set(address, entry);
    if (this.#entries.size > this.#maxAddresses) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return Math.max(0, entry.blockedUntil - now);
  }

  /** Clears an address after a successful worker handshake. */
  success(address: string): void {
    this.#entries.delete(address);
  }
}
