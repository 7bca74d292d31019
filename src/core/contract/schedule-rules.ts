/**
 * The rules of the schedule store, as pure functions, so every broker that
 * keeps schedules in JavaScript state (memory; SQLite inside its write
 * transaction) decides exactly the same way. The Redis broker follows the
 * same rules in Lua (`lua/sfire.lua`, `lua/sput.lua`).
 */
import type { FireOutcome, FireRequest, ScheduleDefinition, SchedulePut, ScheduleRecord } from './schedules.js';

/** The definition as stored and compared: JSON of the definition's fields in a fixed order. */
export function definitionJson(d: ScheduleDefinition): string {
  return JSON.stringify({
    name: d.name,
    cron: d.cron,
    every: d.every,
    tz: d.tz,
    overlap: d.overlap,
    task: d.task,
    args: d.args,
    options: d.options,
  });
}

/** The record after storing `definition` over `existing` at `now`, and what that was. */
export function putRecord(
  existing: ScheduleRecord | undefined,
  definition: ScheduleDefinition,
  now: number,
): { record: ScheduleRecord; put: SchedulePut } {
  if (existing === undefined) return { record: { ...definition, rev: 1, since: now, paused: false }, put: 'created' };
  if (definitionJson(existing) === definitionJson(definition)) return { record: existing, put: 'unchanged' };
  const { lastAt, lastJobId, paused } = existing;
  return { record: { ...definition, rev: existing.rev + 1, since: now, lastAt, lastJobId, paused }, put: 'replaced' };
}

/**
 * Whether a fire may go ahead. `stale`: the schedule is gone, paused, of
 * another revision, or the tick is not after both `since` and `lastAt`.
 * `skipped`: overlap is refused and the previous fire still runs.
 */
export function fireOutcome(
  record: ScheduleRecord | undefined,
  request: FireRequest,
  stillRuns: (jobId: string) => boolean,
): FireOutcome {
  if (record === undefined || record.paused || record.rev !== request.rev) return 'stale';
  if (request.tick <= record.since || (record.lastAt !== undefined && request.tick <= record.lastAt)) return 'stale';
  if (!record.overlap && record.lastJobId !== undefined && stillRuns(record.lastJobId)) return 'skipped';
  return 'fired';
}
