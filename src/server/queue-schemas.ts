/**
 * Schemas of the queue-control routes (`/v1/queues/:queue/...`,
 * docs/http.md): their inputs, validated by the routes, and their answers,
 * described in the OpenAPI document. The settings come from the options
 * table (`queueSettingsJsonSchema`), so bounds agree with the API.
 */
import { z } from 'zod';
import { QUEUE_SETTINGS, queueSettingsJsonSchema } from '../core/options-table.js';
import { nameSchema } from './schemas.js';

/** `:queue` in the path. */
export const queueParamsSchema = z.strictObject({ queue: nameSchema });

/** `PATCH /v1/queues/:queue`: a settings patch; `null` puts a setting back to its default. */
export const queuePatchSchema = queueSettingsJsonSchema;

/** `POST /v1/queues/:queue/purge`: optional `olderThan` (ms); without it every finished job goes. */
export const purgeBodySchema = z.union([
  z.undefined(),
  z.null(),
  z.strictObject({ olderThan: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
]);

/** A body that must be empty (`{}` or none). */
export const emptyBodySchema = z.union([z.undefined(), z.null(), z.strictObject({})]);

/** The settings of a queue as answered (over the defaults). */
export const queueSettingsViewSchema = z.object({
  rateLimit: QUEUE_SETTINGS.rateLimit.json.optional(),
  groupConcurrency: QUEUE_SETTINGS.groupConcurrency.json.optional(),
  retention: QUEUE_SETTINGS.retention.json.optional(),
  paused: z.boolean(),
});

/** A queue's flow state. */
export const queueLimitsSchema = z.object({
  paused: z.boolean(),
  limitedUntil: z.number().optional(),
  limited: z.int(),
});

/** `GET /v1/queues/:queue`. */
export const queueViewSchema = z.object({
  queue: z.string(),
  settings: queueSettingsViewSchema,
  limits: queueLimitsSchema.optional(),
});

/** Answer of a bulk action (`drain`, `retry-failed`, `purge`). */
export const queueActionSchema = z.object({ queue: z.string(), count: z.int() });
