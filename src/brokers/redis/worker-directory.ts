/**
 * The worker directory on Redis: one field per announcing process in the
 * `{prefix}:workers` hash, with its expiry (`lua/workers.lua`). Bounded by
 * the number of live processes: a listing removes what has expired.
 */
import type { WorkerPresence } from '../../core/contract/index.js';
import { parseWorkerList } from '../../core/worker-presence.js';
import type { RedisEngine } from './redis-engine.js';

/** Replaces `instance`'s announcement; `[]` withdraws it. */
export async function announceWorkers(
  engine: RedisEngine,
  instance: string,
  workers: readonly WorkerPresence[],
  ttlMs: number,
): Promise<void> {
  const json = workers.length === 0 ? '' : JSON.stringify(workers);
  await engine.run('workers', ['announce', instance, json, Math.max(1, Math.ceil(ttlMs))]);
}

/** Every live announcement's workers. */
export async function listWorkers(engine: RedisEngine): Promise<WorkerPresence[]> {
  const reply = (await engine.run('workers', ['list'])) as string[];
  return reply.flatMap(parseWorkerList);
}
