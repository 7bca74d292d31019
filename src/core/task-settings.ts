/**
 * Queue settings given on a task (`app.task(name, fn, { rateLimit,
 * groupConcurrency })`): written as its queue's settings in the broker when
 * the app connects (or at once, when it already is), so they hold across
 * every process sharing the broker. Last write wins; a process that finds
 * another value stored warns, naming both.
 */
import type { Logger } from 'pino';
import type { Broker, QueueSettings } from './contract/index.js';
import type { JobOptions } from './options-table.js';
import { validateJobOptions, validateQueueSettings } from './options-table.js';
import { checkObject } from './validate.js';

/** The queue settings a task may carry. */
export interface TaskQueueSettings {
  /** At most `max` jobs of the task's queue leased in any `per` ms, across all workers. @default none */
  rateLimit?: { max: number; per: number };
  /** At most this many jobs of one `group` (job option) active at once, across all workers. @default none */
  groupConcurrency?: number;
}

/** Options of a task: job options, plus the settings of its queue. */
export type TaskOptions = JobOptions & TaskQueueSettings;

const SETTING_KEYS = ['rateLimit', 'groupConcurrency'] as const;

/** Splits and checks task options; throws InvalidArgumentError naming the bad one. */
export function splitTaskOptions(
  options: unknown,
  name = 'options',
): { job: JobOptions; settings: TaskQueueSettings | undefined } {
  if (options === undefined) return { job: {}, settings: undefined };
  const o = { ...checkObject(name, options) };
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    if (o[key] !== undefined) settings[key] = o[key];
    delete o[key];
  }
  const job = validateJobOptions(o, name);
  if (Object.keys(settings).length === 0) return { job, settings: undefined };
  return { job, settings: validateQueueSettings(settings, name) as TaskQueueSettings };
}

/**
 * Writes a task's queue settings to the broker, warning when another
 * process stored different ones (last write wins) or when the broker cannot
 * enforce them.
 */
export async function writeTaskSettings(
  broker: Broker,
  queue: string,
  settings: TaskQueueSettings,
  logger: Logger,
): Promise<void> {
  if (!broker.getQueueSettings || !broker.setQueueSettings || !broker.limitQueue) {
    logger.warn(
      { queue, broker: broker.name },
      `queue ${queue}: the ${broker.name} broker does not enforce queue settings; rateLimit and groupConcurrency are ignored`,
    );
    return;
  }
  const stored: QueueSettings = await broker.getQueueSettings(queue);
  for (const key of SETTING_KEYS) {
    const before = stored[key];
    if (before !== undefined && JSON.stringify(before) !== JSON.stringify(settings[key])) {
      logger.warn(
        { queue, setting: key, stored: before, given: settings[key] },
        `queue ${queue}: ${key} was ${JSON.stringify(before)} (set elsewhere), now ${JSON.stringify(settings[key] ?? null)} from this process (last write wins)`,
      );
    }
  }
  await broker.setQueueSettings(queue, { rateLimit: settings.rateLimit, groupConcurrency: settings.groupConcurrency });
}
