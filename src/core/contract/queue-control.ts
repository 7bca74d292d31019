/**
 * Flow control, the optional part of a broker that enforces the queue
 * settings at lease time (docs/flow-control.md): `paused`, `rateLimit` (a
 * sliding window over lease times) and `groupConcurrency` (active jobs per
 * `group` job option), plus a "limited until" that a handler sets by
 * throwing `RateLimited`. A broker that has this part has every method of
 * it and of {@link QueueSettingsStore}; its `lease()` then leases nothing
 * from a paused or limited queue, at most `max` per `per` ms of a
 * rate-limited one, and skips (without holding back others) the jobs of a
 * group that is at its limit. Held-back jobs stay `queued`.
 */
import type { QueueSettingsStore } from './queue-settings.js';

/** The flow state of one queue, as {@link QueueControl.queueLimits} reads it. */
export interface QueueLimits {
  /** The queue's `paused` setting. */
  paused: boolean;
  /** Set by `RateLimited`: nothing is leased from the queue before this (epoch ms, broker clock). */
  limitedUntil?: number | undefined;
  /**
   * Jobs waiting that a limit holds back now: every waiting job while the
   * queue is paused, limited or its rate window is full, else those of
   * groups at their `groupConcurrency`.
   */
  limited: number;
}

/** The flow-control part of a broker (see the file comment). */
export interface QueueControl extends QueueSettingsStore {
  /** Leases nothing from `queue` for `ms` from now, on every worker (a later, longer limit wins). */
  limitQueue(queue: string, ms: number): Promise<void>;
  /** The queue's flow state. */
  queueLimits(queue: string): Promise<QueueLimits>;
  /**
   * Deletes the queue's finished jobs (succeeded, failed, cancelled) that
   * finished at least `olderThanMs` ago, with their reports; returns how many.
   */
  purgeQueue(queue: string, olderThanMs: number): Promise<number>;
}
