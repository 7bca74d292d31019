/**
 * Schedules on Redis: a hash per schedule and a set of names under the
 * prefix (layout in `lua/sched.lua`). Every change is one script, so it
 * follows the store's rules atomically; the fire is `lua/sfire.lua`, called
 * by the broker. A listing reads the set, then the hashes, in one pipeline.
 * The AMQP broker's Redis result backend keeps its schedules the same way,
 * through these functions, under its own prefix plus `sc:`.
 */
import type { ScheduleDefinition, SchedulePut, ScheduleRecord } from '../../core/contract/index.js';
import { definitionJson } from '../../core/contract/schedule-rules.js';
import type { RedisEngine } from './redis-engine.js';

/** What the schedules use of an engine. */
export type ScheduleEngine = Pick<RedisEngine, 'run' | 'client' | 'kp' | 'guard'>;

/** Stores a definition (see ScheduleStore.putSchedule). */
export async function putSchedule(engine: ScheduleEngine, definition: ScheduleDefinition): Promise<SchedulePut> {
  const overlap = definition.overlap ? '1' : '0';
  return String(
    await engine.run('sched', ['put', definition.name, definitionJson(definition), overlap]),
  ) as SchedulePut;
}

/** Removes a schedule; false if unknown. */
export async function removeSchedule(engine: ScheduleEngine, name: string): Promise<boolean> {
  return Number(await engine.run('sched', ['remove', name])) === 1;
}

/** Pauses or resumes a schedule; false if unknown. */
export async function pauseSchedule(engine: ScheduleEngine, name: string, paused: boolean): Promise<boolean> {
  return Number(await engine.run('sched', [paused ? 'pause' : 'resume', name])) === 1;
}

/** Every schedule, by name. */
export async function listSchedules(engine: ScheduleEngine): Promise<ScheduleRecord[]> {
  const { client, kp, guard } = engine;
  const names = (await guard.run(client.smembers(`${kp}sched`))).sort();
  if (names.length === 0) return [];
  const pipeline = client.pipeline();
  for (const name of names) pipeline.hgetall(`${kp}s:${name}`);
  const replies = (await guard.run(pipeline.exec())) ?? [];
  const records: ScheduleRecord[] = [];
  for (const [error, value] of replies) {
    if (error) throw error;
    const h = value as Record<string, string>;
    // Removed between the two reads: not listed.
    if (h.d === undefined) continue;
    records.push({
      ...(JSON.parse(h.d) as ScheduleDefinition),
      rev: Number(h.rev),
      since: Number(h.since),
      lastAt: h.last === undefined ? undefined : Number(h.last),
      lastJobId: h.job,
      paused: h.paused === '1',
    });
  }
  return records;
}
