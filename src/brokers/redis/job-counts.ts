import type { QueueCounts } from '../contract.js';
import type { RedisEngine } from './redis-engine.js';

/**
 * Counts per queue that has, or had, jobs: waiting from the queue's list and
 * priority set, active and delayed from the counters the scripts keep,
 * succeeded and failed from the retained finished sets (so they count what
 * is kept, after retention). One pipelined round trip.
 */
export async function countJobs(engine: RedisEngine): Promise<QueueCounts[]> {
  const { client, kp, guard } = engine;
  const queues = (await guard.run(client.smembers(`${kp}queues`))).sort();
  if (queues.length === 0) return [];
  const pipeline = client.pipeline();
  pipeline.hgetall(`${kp}cnt`);
  for (const q of queues) {
    pipeline.llen(`${kp}w:${q}`);
    pipeline.zcard(`${kp}z:${q}`);
    pipeline.zcard(`${kp}f:${q}:succeeded`);
    pipeline.zcard(`${kp}f:${q}:failed`);
  }
  const replies = (await guard.run(pipeline.exec())) ?? [];
  for (const [error] of replies) if (error) throw error;
  const counters = (replies[0]?.[1] ?? {}) as Record<string, string>;
  return queues.map((queue, i) => {
    const at = (k: number): number => Number(replies[1 + i * 4 + k]?.[1] ?? 0);
    return {
      queue,
      waiting: at(0) + at(1),
      active: Math.max(0, Number(counters[`a:${queue}`] ?? 0)),
      delayed: Math.max(0, Number(counters[`d:${queue}`] ?? 0)),
      succeeded: at(2),
      failed: at(3),
    };
  });
}
