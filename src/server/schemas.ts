/**
 * The zod schemas of every request body, query and path parameter of the
 * HTTP API. Objects are strict: an unknown key is a 400 that names it, so a
 * typo never passes silently.
 */
import { z } from 'zod';
import { jobOptionsJsonSchema } from '../core/options-table.js';
import { NO_CONTROL_CHARS } from '../core/validate.js';
import { JOB_STATUSES } from '../core/report.js';
import type { ServerLimits } from './limits.js';

const NO_CONTROL = NO_CONTROL_CHARS;

/** A task or queue name: what `task()` accepts. */
export const nameSchema = z.string().min(1).max(200).regex(NO_CONTROL, 'must not contain control characters');

/** A job id in a path. */
export const idSchema = z.string().min(1).max(256).regex(NO_CONTROL, 'must not contain control characters');

/** `:id` path parameters. */
export const idParamsSchema = z.strictObject({ id: idSchema });

/** Job options as JSON: from the options table, with `runAt` an ISO 8601 date-time. */
export const jobOptionsSchema = jobOptionsJsonSchema;

/** One job in `POST /v1/jobs`. */
export const jobRequestSchema = z.strictObject({
  task: nameSchema,
  args: z.array(z.unknown()).default([]),
  options: jobOptionsSchema.optional(),
});

/** A parsed job request. */
export type JobRequest = z.output<typeof jobRequestSchema>;

/** Query of `GET /v1/jobs`: without `status`, jobs of every status. */
export function listQuerySchema(limits: ServerLimits) {
  return z.strictObject({
    status: z.enum(JOB_STATUSES).optional(),
    queue: nameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(limits.listLimit).default(Math.min(100, limits.listLimit)),
    cursor: z.string().min(1).max(500).regex(NO_CONTROL, 'must not contain control characters').optional(),
  });
}

/** Query of `GET /v1/jobs/:id/result`. */
export function resultQuerySchema(limits: ServerLimits, defaultMs: number) {
  return z.strictObject({
    timeout: z.coerce
      .number()
      .int()
      .min(0)
      .max(limits.resultTimeoutMs)
      .default(Math.min(defaultMs, limits.resultTimeoutMs)),
  });
}

/**
 * Query of `POST /v1/jobs`: `wait` (ms) asks to hold the answer until the
 * job ends, at most the server's long-poll limit (a longer wait is
 * shortened to it, never refused: it is a hint).
 */
export function enqueueQuerySchema(limits: ServerLimits) {
  return z.strictObject({
    wait: z.coerce
      .number()
      .int()
      .min(0)
      .transform((ms) => Math.min(ms, limits.resultTimeoutMs))
      .optional(),
  });
}

/** An empty query (routes that take none). */
export const noQuerySchema = z.strictObject({});

/** Body of `PATCH /herd` (gofherd: `{"num": N}`), up to `limits.herdSize`. */
export function herdBodySchema(limits: ServerLimits) {
  return z.strictObject({ num: z.int().min(0).max(limits.herdSize) });
}
