/**
 * The schedules part of the Redis result backend (`BackendSchedules` in
 * `../backend.ts`). Schedules are kept as the Redis broker keeps them
 * (`../../redis/schedules.ts`, its `sched.lua`), under the backend's prefix
 * plus `sc:`: a hash `{prefix}:sc:s:<name>` per schedule, the set
 * `{prefix}:sc:sched`. A fire (`lua/sfire.lua`) is the compare-and-set of
 * the schedule's `last` tick with the insert of its job, whose ticket the
 * broker confirmed before (`../schedule-fire.ts`).
 */
import type { FireOutcome, FireRequest } from '../../contract.js';
import type { Changed, NewJob } from '../backend.js';
import { insertArgs } from './flows.js';
import type { Reply } from './records.js';
import { toNotes } from './records.js';

/** The key prefix of the backend's schedules, under its own. */
export const SCHEDULES_PREFIX = 'sc:';

/** The compare-and-set of the tick and, when it fires, the insert of `job`, in one script. */
export async function fireSchedule(
  run: (name: 'sfire', args: (string | number)[]) => Promise<Reply>,
  request: FireRequest,
  job: NewJob,
): Promise<Changed<FireOutcome>> {
  const [[value], notes] = (await run('sfire', [request.name, request.rev, request.tick, ...insertArgs(job)])) as [
    [FireOutcome],
    Reply[],
  ];
  return { value, notes: toNotes(notes) };
}
