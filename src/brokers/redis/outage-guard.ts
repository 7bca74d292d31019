import { BrokerError } from '../../core/errors.js';

interface Pending {
  reject: (error: Error) => void;
  /** When this call started waiting on an outage (ms), or 0 while the connection is up. */
  since: number;
}

/**
 * Bounds how long a command waits for Redis. While the connection is up a
 * call costs a Set entry and nothing else; while it is down, calls wait
 * (ioredis queues and resends them) and every 250 ms those waiting longer
 * than `timeout` are failed with a BrokerError naming the server. A command
 * failed this way may still run once Redis returns (it was queued): an
 * enqueue that failed so may exist — `key` makes a retry safe.
 *
 * States: up ──close──▶ down ──ready──▶ up.
 */
export class OutageGuard {
  readonly #timeout: number;
  readonly #where: string;
  readonly #pending = new Set<Pending>();
  #downSince = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeout: number, where: string) {
    this.#timeout = timeout;
    this.#where = where;
  }

  /** True while the connection is down. */
  get down(): boolean {
    return this.#downSince !== 0;
  }

  /** Runs a command under the bound. */
  run<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { reject, since: this.#downSince };
      this.#pending.add(entry);
      promise.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** The connection closed. */
  lost(): void {
    if (this.#downSince !== 0) return;
    this.#downSince = Date.now();
    for (const entry of this.#pending) entry.since = this.#downSince;
    this.#timer ??= setInterval(() => this.#expire(), 250).unref();
  }

  /** The connection is back. */
  restored(): void {
    this.#downSince = 0;
    for (const entry of this.#pending) entry.since = 0;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Fails everything still waiting (close). */
  abort(error: Error): void {
    for (const entry of this.#pending) entry.reject(error);
    this.#pending.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      const since = entry.since === 0 ? this.#downSince : entry.since;
      if (since !== 0 && now - since >= this.#timeout) {
        this.#pending.delete(entry);
        entry.reject(
          new BrokerError(`Redis at ${this.#where} unreachable for ${this.#timeout} ms: the command was not confirmed`),
        );
      }
    }
  }
}
