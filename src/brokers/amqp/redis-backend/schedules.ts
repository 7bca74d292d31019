/**
 * The schedules part of the Redis result backend (`BackendSchedules` in
 * `../backend.ts`): a hash per schedule and a set of names under the
 * prefix, laid out as the Redis broker's (`lua/sched.lua`). Every change is
 * one script; a fire (`lua/sfire.lua`) is the compare-and-set of the
 * schedule's `last` tick with the insert of its job, whose ticket the broker
 * confirmed before (`../schedule-fire.ts`).
 */
import type { FireOutcome, FireRequest, ScheduleDefinition, SchedulePut, ScheduleRecord } from '../../contract.js';
import { definitionJson } from '../../../core/contract/schedule-rules.js';
import { scheduleRecord } from '../../redis/schedules.js';
import type { Changed, NewJob } from '../backend.js';
import { insertArgs } from './flows.js';
import type { Reply } from './records.js';
import { toNotes } from './records.js';

/** What the schedules use of the backend. */
export interface RedisSchedulesHost {
  run(name: 'sched' | 'sfire', args: (string | number)[]): Promise<Reply>;
  /** Every schedule's hash, by name. */
  hashes(): Promise<Record<string, string>[]>;
}

/** Stores a definition. */
export async function putSchedule(host: RedisSchedulesHost, definition: ScheduleDefinition): Promise<SchedulePut> {
  const overlap = definition.overlap ? '1' : '0';
  return String(await host.run('sched', ['put', definition.name, definitionJson(definition), overlap])) as SchedulePut;
}

/** Removes a schedule; false if unknown. */
export async function removeSchedule(host: RedisSchedulesHost, name: string): Promise<boolean> {
  return Number(await host.run('sched', ['remove', name])) === 1;
}

/** Pauses or resumes a schedule; false if unknown. */
export async function pauseSchedule(host: RedisSchedulesHost, name: string, paused: boolean): Promise<boolean> {
  return Number(await host.run('sched', [paused ? 'pause' : 'resume', name])) === 1;
}

/** Every schedule, by name. */
export async function listSchedules(host: RedisSchedulesHost): Promise<ScheduleRecord[]> {
  const records = (await host.hashes()).map(scheduleRecord);
  return records.filter((r): r is ScheduleRecord => r !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The compare-and-set of the tick and, when it fires, the insert of `job`, in one script. */
export async function fireSchedule(
  host: RedisSchedulesHost,
  request: FireRequest,
  job: NewJob,
): Promise<Changed<FireOutcome>> {
  const args = [request.name, request.rev, request.tick, ...insertArgs(job)];
  const [[value], notes] = (await host.run('sfire', args)) as [[FireOutcome], Reply[]];
  return { value, notes: toNotes(notes) };
}
