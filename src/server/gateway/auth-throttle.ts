/**
 * Slows brute force on the handshake (docs/reliability.md S16): failed handshakes
 * are counted per remote address; past `threshold` failures the address is
 * blocked for `baseMs · 2^(failures − threshold)`, capped at `maxMs`. A
 * success clears the address. Memory is bounded: at most `maxAddresses`
 * entries, the oldest evicted first (a Map iterates in insertion order).
 */
export class AuthThrottle {
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { failures: number; blockedUntil: number }>();

  constructor(options: {
    threshold: number;
    baseMs?: number;
    maxMs?: number;
    maxAddresses?: number;
    now?: () => number;
  }) {
    this.#threshold = options.threshold;
    this.#baseMs = options.baseMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds this address must still wait, or 0 when it may try. */
  blockedFor(address: string): number {
    const entry = this.#entries.get(address);
    if (!entry) return 0;
    return Math.max(0, entry.blockedUntil - this.#now());
  }

  /** Counts a failed handshake. */
  failure(address: string): void {
    const entry = this.#entries.get(address) ?? { failures: 0, blockedUntil: 0 };
    this.#entries.delete(address);
    entry.failures++;
    if (entry.failures >= this.#threshold) {
      const wait = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(20, entry.failures - this.#threshold));
      entry.blockedUntil = this.#now() + wait;
    }
    this.#entries.set(address, entry);
    if (this.#entries.size > this.#maxAddresses) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Clears an address after a successful handshake. */
  success(address: string): void {
    this.#entries.delete(address);
  }
}
