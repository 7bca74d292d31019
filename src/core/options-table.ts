/**
 * The options table: every job option and every queue setting, written
 * once. From it come the `JobOptions` and `QueueSettings` types, their
 * validation in the JavaScript API, the zod schemas of HTTP bodies and wire
 * frames, the options a broker stores with a job, and the defaults. Bounds
 * therefore agree on every path. To add an option, add a row here; a
 * stored option also travels through every broker that keeps options as
 * one object (all of drover's do), see docs/architecture.md, "Options".
 *
 * Payload rules (argument depth, sizes, forbidden keys) are not options and
 * live in `payload-rules.ts`.
 */
import { z } from 'zod';
import type { BackoffOptions } from './backoff.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { FieldValue, OptionField, PartialOf } from './option-field.js';
import {
  booleanField,
  dateField,
  intField,
  msField,
  nameField,
  objectField,
  oneOfField,
  requiredObjectField,
} from './option-field.js';
import { checkKnownKeys, checkObject } from './validate.js';

/** Most retries a job may have. */
export const MAX_RETRIES = 1_000;
/** Priorities run from −this to this. */
export const MAX_PRIORITY = 1_000_000;
/** Longest idempotency key. */
export const MAX_KEY_LENGTH = 500;
/** Longest task, queue or group name. */
export const MAX_NAME_LENGTH = 200;

/** The fields of `backoff`. */
const BACKOFF_FIELDS = {
  type: oneOfField(['fixed', 'exponential']),
  delay: msField(0),
  max: msField(0),
  jitter: booleanField(),
} as const;

/** A row of the job-options table: the rule, and how a stored option is resolved and sent to workers. */
interface JobOptionRow {
  field: { readonly expected: string; readonly json: z.ZodType };
  /** Present when the broker keeps the option with the job and hands it to the worker. */
  stored?: { wire: z.ZodType; resolve(value: never): unknown };
}

/** The job options (see {@link JobOptions} for what each does). */
export const JOB_OPTIONS = {
  retries: {
    field: intField(0, MAX_RETRIES),
    stored: { wire: intField(0, MAX_RETRIES).json, resolve: (v: number | undefined) => v ?? 3 },
  },
  timeout: {
    field: msField(1),
    stored: { wire: msField(1).json.optional(), resolve: (v: number | undefined) => v },
  },
  backoff: {
    field: objectField(BACKOFF_FIELDS),
    stored: {
      wire: z.object({
        type: BACKOFF_FIELDS.type.json,
        delay: BACKOFF_FIELDS.delay.json,
        max: BACKOFF_FIELDS.max.json,
        jitter: BACKOFF_FIELDS.jitter.json.optional(),
      }),
      resolve: (v: Partial<BackoffOptions> | undefined): BackoffOptions =>
        v ? { ...DEFAULT_BACKOFF, ...v } : DEFAULT_BACKOFF,
    },
  },
  delay: { field: msField(0) },
  runAt: { field: dateField() },
  priority: { field: intField(-MAX_PRIORITY, MAX_PRIORITY) },
  key: { field: nameField(MAX_KEY_LENGTH) },
  queue: { field: nameField(MAX_NAME_LENGTH) },
  group: {
    field: nameField(MAX_NAME_LENGTH),
    stored: { wire: nameField(MAX_NAME_LENGTH).json.optional(), resolve: (v: string | undefined) => v },
  },
} as const satisfies Record<string, JobOptionRow>;

type JobTable = typeof JOB_OPTIONS;
type StoredKey = { [K in keyof JobTable]: JobTable[K] extends { stored: object } ? K : never }[keyof JobTable];

/**
 * Options of one job (per task, per call, or both; the call wins).
 * - `retries`: retries after the first attempt. @default 3
 * - `timeout`: ms per attempt; the attempt fails at the deadline even if the handler ignores its signal. @default none
 * - `backoff`: between attempts. @default { type: 'exponential', delay: 1000, max: 60000 } with full jitter
 * - `delay`: run no earlier than this many ms from now. @default 0
 * - `runAt`: run no earlier than this Date (turned into a relative delay when enqueued).
 * - `priority`: higher runs first. @default 0
 * - `key`: idempotency key: while a job with this key is queued or active, calling again returns that job.
 * - `queue`: the queue to put the job on. @default the task name
 * - `group`: a group key; the queue setting `groupConcurrency` bounds how many jobs of one group run at once. @default none
 */
export type JobOptions = { -readonly [K in keyof JobTable]?: FieldValue<JobTable[K]['field']> };

/** What `backoff` accepts: any of {@link BackoffOptions}' fields. */
export type BackoffInput = PartialOf<typeof BACKOFF_FIELDS>;

/** The job options a broker stores with a job and hands to whoever leases it (wire frames carry the same). */
export const storedJobOptionsSchema = z.object(
  Object.fromEntries(
    Object.entries(JOB_OPTIONS).flatMap(([k, row]) => ('stored' in row ? [[k, row.stored.wire]] : [])),
  ) as { [K in StoredKey]: JobTable[K]['stored']['wire'] },
);

/** Per-job options a broker stores and hands to whoever leases the job. */
export type StoredJobOptions = z.output<typeof storedJobOptionsSchema>;

const STORED_KEYS = Object.keys(JOB_OPTIONS).filter((k) => 'stored' in JOB_OPTIONS[k as keyof JobTable]) as StoredKey[];
const JOB_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(JOB_OPTIONS));

/** Defaults of {@link JobOptions}, in one place. */
export const JOB_DEFAULTS = Object.freeze({ retries: 3, priority: 0, delay: 0, backoff: DEFAULT_BACKOFF });

/** Checks job options from the JavaScript API; throws InvalidArgumentError naming the bad one. */
export function validateJobOptions(options: unknown, name = 'options'): JobOptions {
  if (options === undefined) return {};
  const o = checkObject(name, options);
  checkKnownKeys(name, o, JOB_OPTION_KEYS);
  for (const key in o) {
    const value = o[key];
    if (value !== undefined)
      (JOB_OPTIONS[key as keyof JobTable].field as OptionField<unknown>).check(`${name}.${key}`, value);
  }
  return o;
}

/** The stored options of a job whose options (task's and call's, merged) are `o`. */
export function resolveStoredOptions(o: JobOptions): StoredJobOptions {
  const out: Record<string, unknown> = {};
  for (const key of STORED_KEYS) {
    const value = (JOB_OPTIONS[key].stored.resolve as (v: unknown) => unknown)(o[key]);
    if (value !== undefined) out[key] = value;
  }
  return out as StoredJobOptions;
}

/** Job options as JSON in an HTTP body (`runAt` an ISO 8601 date-time); unknown keys are a 400. */
export const jobOptionsJsonSchema = z.strictObject(
  Object.fromEntries(Object.entries(JOB_OPTIONS).map(([k, row]) => [k, row.field.json.optional()])) as {
    [K in keyof JobTable]: z.ZodOptional<JobTable[K]['field']['json']>;
  },
);

/** Job options as JSON. */
export type JobOptionsJson = z.output<typeof jobOptionsJsonSchema>;

/** JSON job options (already checked by {@link jobOptionsJsonSchema}) to {@link JobOptions}. */
export function jobOptionsFromJson(json: JobOptionsJson | undefined): JobOptions {
  const out: Record<string, unknown> = {};
  if (!json) return out;
  for (const [key, value] of Object.entries(json))
    if (value !== undefined)
      out[key] = (JOB_OPTIONS[key as keyof JobTable].field.fromJson as (v: unknown) => unknown)(value);
  return out;
}

/** {@link JobOptions} to JSON for an HTTP body. */
export function jobOptionsToJson(options: JobOptions): JobOptionsJson {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options))
    if (value !== undefined)
      out[key] = (JOB_OPTIONS[key as keyof JobTable].field.toJson as (v: unknown) => unknown)(value);
  return out;
}

/** The settings of a rate limit: at most `max` jobs leased per `per` ms (a sliding window). */
const RATE_LIMIT_FIELDS = { max: intField(1, 1_000_000), per: msField(1) } as const;

/**
 * Per-queue settings, stored in the broker so every process sharing it sees
 * the same (the `QueueSettingsStore` part of the broker contract).
 */
export const QUEUE_SETTINGS = {
  /** At most `max` jobs of the queue leased in any `per` ms window, across all workers. @default none */
  rateLimit: requiredObjectField(RATE_LIMIT_FIELDS),
  /** At most this many jobs of one `group` active at once, across all workers. @default none */
  groupConcurrency: intField(1, 1_000_000),
  /** How long finished jobs of the queue are kept (ms). @default the broker's `resultTtl` */
  retention: msField(1),
  /** A paused queue keeps its jobs but leases none. @default false */
  paused: booleanField(),
} as const;

type SettingsTable = typeof QUEUE_SETTINGS;

/** The settings of one queue (see {@link QUEUE_SETTINGS} for each). */
export type QueueSettings = { -readonly [K in keyof SettingsTable]?: FieldValue<SettingsTable[K]> };

/** A change to a queue's settings: a key set to `undefined` goes back to its default. */
export type QueueSettingsPatch = { [K in keyof QueueSettings]?: QueueSettings[K] | undefined };

/** Defaults of {@link QueueSettings}: what an unset queue has. */
export const QUEUE_SETTINGS_DEFAULTS: Readonly<QueueSettings> = Object.freeze({ paused: false });

const SETTING_KEYS: ReadonlySet<string> = new Set(Object.keys(QUEUE_SETTINGS));

/** Checks a queue-settings patch from the JavaScript API; throws InvalidArgumentError naming the bad one. */
export function validateQueueSettings(patch: unknown, name = 'settings'): QueueSettingsPatch {
  const o = checkObject(name, patch);
  checkKnownKeys(name, o, SETTING_KEYS);
  for (const key in o) {
    const value = o[key];
    if (value !== undefined)
      (QUEUE_SETTINGS[key as keyof SettingsTable] as OptionField<unknown>).check(`${name}.${key}`, value);
  }
  return o;
}

/** A queue-settings patch as JSON (`PATCH /v1/queues/:name`); `null` puts a setting back to its default. */
export const queueSettingsJsonSchema = z.strictObject(
  Object.fromEntries(Object.entries(QUEUE_SETTINGS).map(([k, f]) => [k, f.json.nullable().optional()])) as {
    [K in keyof SettingsTable]: z.ZodOptional<z.ZodNullable<SettingsTable[K]['json']>>;
  },
);

/** Merges a patch into stored settings: `undefined` (or JSON `null`) removes a key. */
export function mergeQueueSettings(stored: QueueSettings, patch: QueueSettingsPatch): QueueSettings {
  const out: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Stored settings over the defaults. */
export function withSettingsDefaults(stored: QueueSettings): QueueSettings {
  return { ...QUEUE_SETTINGS_DEFAULTS, ...stored };
}
