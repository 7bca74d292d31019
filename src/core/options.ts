/**
 * Resolving job options: the task's and the call's merged over the
 * defaults, once per call (or batch). The options themselves, their rules
 * and defaults are in the options table (`options-table.ts`).
 */
import type { EnqueueRequest } from './contract/index.js';
import type { JobOptions, StoredJobOptions } from './options-table.js';
import { JOB_DEFAULTS, resolveStoredOptions } from './options-table.js';

export { JOB_DEFAULTS, validateJobOptions } from './options-table.js';
export type { JobOptions } from './options-table.js';

/** Options resolved once per call (or batch) and shared by its jobs. */
export interface ResolvedJobOptions {
  queue: string;
  priority: number;
  delayMs: number;
  key: string | undefined;
  stored: StoredJobOptions;
}

/** Merges task and call options over the defaults. Both must already be validated. */
export function resolveJobOptions(
  taskName: string,
  taskOptions: JobOptions,
  callOptions: JobOptions,
  now = Date.now(),
): ResolvedJobOptions {
  const o = callOptions === EMPTY ? taskOptions : { ...taskOptions, ...callOptions };
  const delayMs = o.runAt ? Math.max(0, o.runAt.getTime() - now) : (o.delay ?? JOB_DEFAULTS.delay);
  return {
    queue: o.queue ?? taskName,
    priority: o.priority ?? JOB_DEFAULTS.priority,
    delayMs,
    key: o.key,
    stored: resolveStoredOptions(o),
  };
}

/** A frozen empty options object: lets the hot path skip merging. */
export const EMPTY: JobOptions = Object.freeze({});

const NO_ARGS: unknown[] = Object.freeze([]) as unknown as unknown[];

/** Builds the broker request for one job. */
export function toEnqueueRequest(id: string, task: string, args: unknown[], r: ResolvedJobOptions): EnqueueRequest {
  // One shared empty array for calls without arguments: nothing per job for a broker that keeps them.
  if (args.length === 0) args = NO_ARGS;
  return { id, task, queue: r.queue, args, priority: r.priority, delayMs: r.delayMs, key: r.key, options: r.stored };
}
