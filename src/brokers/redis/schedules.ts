/**
 * Schedules on Redis: a hash per schedule and a set of names under the
 * prefix (layout in `lua/sched.lua`). Every change is one script, so it
 * follows the store's rules atomically; the fire is `lua/sfire.lua`, called
 * by the broker. A listing reads the set, then the hashes, in one pipeline.
 */
import type { ScheduleDefinition, SchedulePut, ScheduleRecord } from '../../core/contract/index.js';
import { definitionJson } from '../../core/contract/schedule-rules.js';
import type { RedisEngine } from './redis-engine.js';

/** Stores a definition (see ScheduleStore.putSchedule). */
export async function putSchedule(engine: RedisEngine, definition: ScheduleDefinition): Promise<SchedulePut> {
  const overlap = definition.overlap ? '1' : '0';
  return String(
    await engine.run('sched', ['put', definition.name, definitionJson(definition), overlap]),
  ) as SchedulePut;
}

/** Removes a schedule; false if unknown. */
export async function removeSchedule(engine: RedisEngine, name: string): Promise<boolean> {
  return Number(await engine.run('sched', ['remove', name])) === 1;
}

/** Pauses or resumes a schedule; false if unknown. */
export async function pauseSchedule(engine: RedisEngine, name: string, paused: boolean): Promise<boolean> {
  return Number(await engine.run('sched', [paused ? 'pause' : 'resume', name])) === 1;
}

/** Every schedule, by name. */
export async function listSchedules(engine: RedisEngine): Promise<ScheduleRecord[]> {
  const { client, kp, guard } = engine;
  const names = (await guard.run(client.smembers(`${kp}sched`))).sort();
  if (names.length === 0) return [];
  const pipeline = client.pipeline();
  for (const name of names) pipeline.hgetall(`${kp}s:${name}`);
  const replies = (await guard.run(pipeline.exec())) ?? [];
  const records: ScheduleRecord[] = [];
  for (const [error, value] of replies) {
    if (error) throw error;
    const record = scheduleRecord(value as Record<string, string>);
    // Removed between the two reads: not listed.
    if (record) records.push(record);
  }
  return records;
}

/** A schedule's hash (layout in `lua/sched.lua`) as its record; undefined when it is gone. */
export function scheduleRecord(h: Record<string, string>): ScheduleRecord | undefined {
  if (h.d === undefined) return undefined;
  return {
    ...(JSON.parse(h.d) as ScheduleDefinition),
    rev: Number(h.rev),
    since: Number(h.since),
    lastAt: h.last === undefined ? undefined : Number(h.last),
    lastJobId: h.job,
    paused: h.paused === '1',
  };
}
