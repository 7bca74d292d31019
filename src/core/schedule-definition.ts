/**
 * Turning `app.schedule(name, spec, task, args, options)` into the
 * definition a broker stores: every part checked, with a message naming
 * what was wrong. The HTTP and CLI paths parse their input with zod first
 * and then come through here too, so every path keeps the same rules.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ScheduleDefinition } from './contract/index.js';
import { InvalidArgumentError } from './errors.js';
import { jobOptionsToJson, validateJobOptions } from './options-table.js';
import { assertPayloadArgs } from './payload-rules.js';
import { scheduleTicks } from './schedule-timing.js';
import type { Ticks } from './schedule-timing.js';
import { checkKnownKeys, checkName, checkObject, fail } from './validate.js';

/** Longest schedule name. */
export const MAX_SCHEDULE_NAME = 200;

/**
 * When a schedule fires and how: exactly one of `cron` (5 fields, or 6 with
 * seconds first) and `every` (ms, fires on its multiples since the epoch);
 * `tz` (an IANA time zone) only with `cron`; `overlap: false` skips a tick
 * while the previous fire is still queued or running (default true).
 */
export interface ScheduleSpec {
  cron?: string;
  every?: number;
  tz?: string;
  overlap?: boolean;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(['cron', 'every', 'tz', 'overlap']);
/** Job options that make no sense for a fire: its time is the tick, its id is the tick's. */
const REFUSED_OPTIONS = ['delay', 'runAt', 'key'] as const;

/** A checked schedule definition and its ticks. */
export interface CheckedSchedule {
  definition: ScheduleDefinition;
  ticks: Ticks;
}

/** Checks every part of a schedule; throws InvalidArgumentError or InvalidScheduleError naming the bad one. */
export function checkSchedule(
  name: unknown,
  spec: unknown,
  task: string,
  args: unknown,
  options: unknown,
): CheckedSchedule {
  checkName('name', name, MAX_SCHEDULE_NAME);
  const s = checkObject('spec', spec) as ScheduleSpec;
  checkKnownKeys('spec', s as Record<string, unknown>, SPEC_KEYS);
  if ((s.cron === undefined) === (s.every === undefined))
    throw new InvalidArgumentError(`Schedule ${JSON.stringify(name)}: give exactly one of \`cron\` and \`every\``);
  if (s.tz !== undefined && s.cron === undefined)
    throw new InvalidArgumentError(`Schedule ${JSON.stringify(name)}: \`tz\` applies to \`cron\` only`);
  if (s.overlap !== undefined && typeof s.overlap !== 'boolean') fail('spec.overlap', 'a boolean', s.overlap);
  const ticks = scheduleTicks(
    name as string,
    s.cron !== undefined ? { cron: s.cron, tz: s.tz } : { every: s.every as number },
  );
  if (!Array.isArray(args)) fail('args', 'an array of arguments', args);
  assertPayloadArgs(args as unknown[], `Arguments of schedule ${name as string}`);
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(args)), args))
    fail('args', 'JSON values (a schedule is stored as JSON)', args);
  const jobOptions = validateJobOptions(options, 'jobOptions');
  for (const key of REFUSED_OPTIONS)
    if (jobOptions[key] !== undefined)
      throw new InvalidArgumentError(
        `Schedule ${JSON.stringify(name)}: job option \`${key}\` does not apply to a schedule's fires`,
      );
  const definition: ScheduleDefinition = {
    name: name as string,
    ...(s.cron !== undefined ? { cron: s.cron } : { every: s.every }),
    ...(s.tz !== undefined ? { tz: s.tz } : {}),
    overlap: s.overlap ?? true,
    task,
    args: args as unknown[],
    options: jobOptionsToJson(jobOptions),
  };
  return { definition, ticks };
}

/** The ticks of a stored definition (checked when it was stored). */
export function ticksOf(definition: ScheduleDefinition): Ticks {
  return scheduleTicks(
    definition.name,
    definition.cron !== undefined ? { cron: definition.cron, tz: definition.tz } : { every: definition.every! },
  );
}
