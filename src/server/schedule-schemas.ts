/**
 * The zod schemas of the schedule routes (`/v1/schedules`): the request
 * body and path of `PUT`, and the views answered. The body's parts are then
 * checked by core (`checkSchedule`), as `app.schedule()` checks them, so a
 * bad cron expression or time zone is a 400 naming it on every path.
 */
import { z } from 'zod';
import { MAX_SCHEDULE_NAME } from '../core/schedule-definition.js';
import { MAX_EVERY_MS, MIN_EVERY_MS } from '../core/schedule-timing.js';
import { NO_CONTROL_CHARS } from '../core/validate.js';
import { jobOptionsSchema, nameSchema } from './schemas.js';

/** A schedule name in a path. */
export const scheduleNameSchema = z
  .string()
  .min(1)
  .max(MAX_SCHEDULE_NAME)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters');

/** `:name` path parameters. */
export const scheduleParamsSchema = z.strictObject({ name: scheduleNameSchema });

/** The body of `PUT /v1/schedules/:name`: exactly one of `cron` and `every`. */
export const scheduleBodySchema = z.strictObject({
  cron: z.string().min(1).max(200).optional(),
  every: z.int().min(MIN_EVERY_MS).max(MAX_EVERY_MS).optional(),
  tz: z.string().min(1).max(100).optional(),
  overlap: z.boolean().optional(),
  task: nameSchema,
  args: z.array(z.unknown()).default([]),
  options: jobOptionsSchema.optional(),
});

/** A parsed schedule body. */
export type ScheduleBody = z.output<typeof scheduleBodySchema>;

/** One schedule as the routes show it (times are epoch ms; `null` when unset). */
export const scheduleViewSchema = z.object({
  name: z.string(),
  cron: z.string().optional(),
  every: z.int().optional(),
  tz: z.string().optional(),
  overlap: z.boolean(),
  task: z.string(),
  args: z.array(z.unknown()),
  options: z.record(z.string(), z.unknown()),
  nextAt: z.number().nullable(),
  lastAt: z.number().nullable(),
  lastJobId: z.string().nullable(),
  paused: z.boolean(),
});

/** `GET /v1/schedules`. */
export const schedulesSchema = z.object({ schedules: z.array(scheduleViewSchema), truncated: z.boolean().optional() });

/** `PUT /v1/schedules/:name`. */
export const schedulePutSchema = z.object({
  put: z.enum(['created', 'replaced', 'unchanged']),
  schedule: scheduleViewSchema,
});

/** `DELETE`, pause and resume of `/v1/schedules/:name`. */
export const scheduleStateSchema = z.object({
  name: z.string(),
  removed: z.boolean().optional(),
  paused: z.boolean().optional(),
});
