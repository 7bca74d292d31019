/**
 * When a schedule fires: cron expressions (5 fields, or 6 with seconds;
 * time zones and DST through croner) and fixed periods (`every` ms, on
 * multiples of the period since the epoch).
 */
import { Cron } from 'croner';
import type { ScheduleTiming } from './contract/index.js';
import { InvalidScheduleError } from './errors.js';

/** The shortest `every` (ms). */
export const MIN_EVERY_MS = 1000;
/** The longest `every` (ms): a year. */
export const MAX_EVERY_MS = 366 * 86_400_000;

/** A schedule's ticks: the latest at or before a time, and the next after one. */
export interface Ticks {
  /** The latest tick at or before `now`, or undefined if there is none. */
  latest(now: number): number | undefined;
  /** The first tick after `after`, or undefined if there is none (a cron that never fires again). */
  next(after: number): number | undefined;
}

/**
 * Checks a timing and returns its ticks. Throws InvalidScheduleError naming
 * the expression, time zone or period and why it was refused.
 */
export function scheduleTicks(name: string, timing: ScheduleTiming): Ticks {
  if (timing.cron !== undefined) return cronTicks(name, timing.cron, timing.tz);
  const every = timing.every;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < MIN_EVERY_MS || every > MAX_EVERY_MS)
    throw new InvalidScheduleError(
      `Schedule ${JSON.stringify(name)}: \`every\` must be an integer number of ms in [${MIN_EVERY_MS}, ${MAX_EVERY_MS}], got ${JSON.stringify(every)}`,
    );
  return {
    latest: (now) => Math.floor(now / every) * every,
    next: (after) => (Math.floor(after / every) + 1) * every,
  };
}

function cronTicks(name: string, cron: string, tz: string | undefined): Ticks {
  const where = `Schedule ${JSON.stringify(name)}`;
  if (typeof cron !== 'string' || cron.trim().length === 0 || cron.length > 200)
    throw new InvalidScheduleError(`${where}: \`cron\` must be a non-empty expression, got ${JSON.stringify(cron)}`);
  if (tz !== undefined && (typeof tz !== 'string' || tz.length === 0 || !isTimeZone(tz)))
    throw new InvalidScheduleError(
      `${where}: unknown time zone ${JSON.stringify(tz)} (expected an IANA name such as Europe/Berlin)`,
    );
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, ...(tz === undefined ? {} : { timezone: tz }) });
    job.nextRun();
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw new InvalidScheduleError(`${where}: bad cron expression ${JSON.stringify(cron)}: ${why}`, { cause: error });
  }
  return {
    // croner's previous runs are strictly before the reference's whole second; ticks fall on whole seconds.
    latest: (now) => job.previousRuns(1, new Date(Math.floor(now / 1000) * 1000 + 1000))[0]?.getTime(),
    next: (after) => job.nextRun(new Date(after))?.getTime(),
  };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
