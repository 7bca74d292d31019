import { createSessionKey } from '../../protocol/index.js';
import type { RecentIds } from './recent-ids.js';

/** What a session key stands for. */
export interface SessionRecord {
  workerId: string;
  name: string;
  expiresAt: number;
  /** Jobs the worker held lately, so a late outcome sent after a reconnect is answered `stale_lease`. */
  recent: RecentIds;
}

/**
 * Session keys handed out in `welcome`. A key lets a reconnecting worker
 * keep its worker id (listings, logs and events stay continuous) and its
 * recent jobs (late outcomes are answered `stale_lease`); it is not
 * a credential — every connection still proves the secret. Keys rotate on
 * every welcome (the old one stops working), expire after `ttlMs`, and at
 * most `max` are kept. Keys are never logged.
 */
export class SessionRegistry {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #sessions = new Map<string, SessionRecord>();

  constructor(ttlMs = 3_600_000, max = 10_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** The worker id a still-valid key stands for. */
  resume(key: string | undefined, now = Date.now()): SessionRecord | undefined {
    if (key === undefined) return undefined;
    const record = this.#sessions.get(key);
    if (!record) return undefined;
    if (record.expiresAt <= now) {
      this.#sessions.delete(key);
      return undefined;
    }
    return record;
  }

  /** Issues a new key for a worker, revoking `previous`. */
  issue(workerId: string, name: string, recent: RecentIds, previous: string | undefined, now = Date.now()): string {
    if (previous !== undefined) this.#sessions.delete(previous);
    const key = createSessionKey();
    this.#sessions.set(key, { workerId, name, expiresAt: now + this.#ttlMs, recent });
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    return key;
  }

  /** Forgets every key. */
  clear(): void {
    this.#sessions.clear();
  }
}
