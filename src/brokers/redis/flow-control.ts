/**
 * Flow control on Redis (docs/flow-control.md). Enforcement is in
 * `lua/lease.lua`, atomic with the lease; here are the other operations of
 * the contract's `QueueControl` part, each one script.
 */
import type { QueueLimits } from '../../core/contract/index.js';
import type { RedisEngine } from './redis-engine.js';

/** Finished jobs deleted per purge script call. */
const PURGE_BATCH = 1000;

/** Leases nothing from `queue` for `ms` on every process; returns the limited-until as local epoch ms. */
export async function limitQueue(engine: RedisEngine, queue: string, ms: number): Promise<number> {
  const [now, until] = (await engine.run('limit', [queue, Math.ceil(ms)])) as [number, number];
  return Date.now() + (Number(until) - Number(now));
}

/** The queue's flow state. */
export async function queueLimits(engine: RedisEngine, queue: string): Promise<QueueLimits> {
  const [paused, until, limited] = (await engine.run('limits', [queue])) as number[];
  return {
    paused: paused === 1,
    limitedUntil: Number(until) < 0 ? undefined : Number(until),
    limited: Number(limited),
  };
}

/** Deletes the queue's jobs that finished at least `olderThanMs` ago, batch by batch; returns how many. */
export async function purgeQueue(engine: RedisEngine, queue: string, olderThanMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number(await engine.run('purge', [queue, Math.ceil(olderThanMs), PURGE_BATCH]));
    total += n;
    if (n < PURGE_BATCH) return total;
  }
}
