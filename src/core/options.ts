import type { BackoffOptions } from './backoff.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { EnqueueRequest, StoredJobOptions } from '../brokers/contract.js';
import { checkInt, checkKnownKeys, checkMs, checkName, checkObject, fail } from './validate.js';

/** Options of one job (per task, per call, or both; the call wins). */
export interface JobOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** Milliseconds per attempt; the attempt fails at the deadline even if the handler ignores its signal. @default none */
  timeout?: number;
  /** Backoff between attempts. @default { type: 'exponential', delay: 1000, max: 60000 } with full jitter */
  backoff?: Partial<BackoffOptions>;
  /** Run no earlier than this many ms from now. @default 0 */
  delay?: number;
  /** Run no earlier than this time (converted to a relative delay when enqueued). */
  runAt?: Date;
  /** Higher runs first. @default 0 */
  priority?: number;
  /** Idempotency key: while a job with this key is queued or active, calling again returns that job. */
  key?: string;
  /** Queue to put the job on. @default the task name */
  queue?: string;
}

/** Defaults of {@link JobOptions}, in one place. */
export const JOB_DEFAULTS = Object.freeze({ retries: 3, priority: 0, backoff: DEFAULT_BACKOFF });

const JOB_OPTION_KEYS: ReadonlySet<string> = new Set([
  'retries',
  'timeout',
  'backoff',
  'delay',
  'runAt',
  'priority',
  'key',
  'queue',
]);
const BACKOFF_KEYS: ReadonlySet<string> = new Set(['type', 'delay', 'max', 'jitter']);
const MAX_PRIORITY = 1_000_000;

/** Checks job options from outside; throws InvalidArgumentError naming the bad one. */
export function validateJobOptions(options: unknown, name = 'options'): JobOptions {
  if (options === undefined) return {};
  const o = checkObject(name, options);
  checkKnownKeys(name, o, JOB_OPTION_KEYS);
  if (o.retries !== undefined) checkInt(`${name}.retries`, o.retries, 0, 1000);
  if (o.timeout !== undefined) checkMs(`${name}.timeout`, o.timeout, 1);
  if (o.delay !== undefined) checkMs(`${name}.delay`, o.delay, 0);
  if (o.runAt !== undefined && (!(o.runAt instanceof Date) || Number.isNaN(o.runAt.getTime()))) {
    fail(`${name}.runAt`, 'a valid Date', o.runAt);
  }
  if (o.priority !== undefined) checkInt(`${name}.priority`, o.priority, -MAX_PRIORITY, MAX_PRIORITY);
  if (o.key !== undefined) checkName(`${name}.key`, o.key, 500);
  if (o.queue !== undefined) checkName(`${name}.queue`, o.queue);
  if (o.backoff !== undefined) {
    const b = checkObject(`${name}.backoff`, o.backoff);
    checkKnownKeys(`${name}.backoff`, b, BACKOFF_KEYS);
    if (b.type !== undefined && b.type !== 'fixed' && b.type !== 'exponential')
      fail(`${name}.backoff.type`, "'fixed' or 'exponential'", b.type);
    if (b.delay !== undefined) checkMs(`${name}.backoff.delay`, b.delay, 0);
    if (b.max !== undefined) checkMs(`${name}.backoff.max`, b.max, 0);
    if (b.jitter !== undefined && typeof b.jitter !== 'boolean') fail(`${name}.backoff.jitter`, 'a boolean', b.jitter);
  }
  return o;
}

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
  const backoff = o.backoff ? { ...DEFAULT_BACKOFF, ...o.backoff } : DEFAULT_BACKOFF;
  const delayMs = o.runAt ? Math.max(0, o.runAt.getTime() - now) : (o.delay ?? 0);
  return {
    queue: o.queue ?? taskName,
    priority: o.priority ?? 0,
    delayMs,
    key: o.key,
    stored: { retries: o.retries ?? JOB_DEFAULTS.retries, timeout: o.timeout, backoff },
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
