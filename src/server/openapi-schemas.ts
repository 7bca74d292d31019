/**
 * zod schemas of the HTTP API's answers, for the OpenAPI document
 * (docs/openapi.json). The requests' schemas are in `schemas.ts`; these
 * describe what the server sends back.
 */
import { z } from 'zod';
import { JOB_STATUSES } from '../core/report.js';
import { jobOptionsJsonSchema } from '../core/options-table.js';

const errorInfo = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
});

/** `{"error":{"code","message"}}`: every error answer. */
export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A job as `GET /v1/jobs/:id` shows it. */
export const jobViewSchema = z.object({
  id: z.string(),
  task: z.string(),
  queue: z.string(),
  args: z.array(z.unknown()),
  status: z.enum(JOB_STATUSES),
  attempt: z.int(),
  priority: z.int(),
  key: z.string().nullable(),
  options: z.object({
    retries: z.int(),
    timeout: z.int().nullable(),
    backoff: z.object({
      type: z.enum(['fixed', 'exponential']),
      delay: z.int(),
      max: z.int(),
      jitter: z.boolean().optional(),
    }),
  }),
  progress: z.unknown(),
  result: z.unknown(),
  error: errorInfo.nullable(),
  createdAt: z.number(),
  runAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  workerId: z.string().nullable(),
  flowId: z.string().nullable(),
});

/** A job in a listing: big fields may be left out (`null` / `[]`) and named in `truncated`. */
export const listedJobSchema = jobViewSchema.extend({
  truncated: z.array(z.enum(['args', 'result', 'progress', 'error'])).optional(),
});

/** `GET /v1/jobs`. */
export const jobPageSchema = z.object({ jobs: z.array(listedJobSchema), next: z.string().nullable() });

/** `POST /v1/jobs`, per job. */
export const enqueuedSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  duplicate: z.literal(true).optional(),
});

/** `DELETE /v1/jobs/:id`. */
export const cancelledSchema = z.object({ id: z.string(), status: z.literal('cancelled'), wasRunning: z.boolean() });

/** `GET /v1/queues`. */
export const queuesSchema = z.object({
  queues: z.array(
    z.object({
      queue: z.string(),
      waiting: z.int(),
      active: z.int(),
      delayed: z.int(),
      succeeded: z.int(),
      failed: z.int(),
      paused: z.boolean().optional(),
      limited: z.int().optional(),
    }),
  ),
  truncated: z.boolean().optional(),
});

/** `GET /v1/jobs/:id/logs`. */
export const jobLogsSchema = z.object({
  lines: z.array(
    z.object({
      at: z.number(),
      attempt: z.int(),
      level: z.enum(['info', 'warn', 'error', 'fatal']),
      msg: z.string(),
    }),
  ),
  supported: z.boolean().describe('false when the store keeps no log lines'),
});

/** `GET /v1/workers`. */
export const workersSchema = z.object({
  workers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      tasks: z.array(z.string()),
      concurrency: z.int(),
      active: z.int(),
      lastSeen: z.number(),
      connectedAt: z.number(),
      address: z.string(),
      instance: z.string().describe('The server process the worker is connected to'),
    }),
  ),
  herd: z.object({ name: z.string(), tasks: z.array(z.string()), concurrency: z.int(), active: z.int() }).nullable(),
  herds: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        instance: z.string(),
        tasks: z.array(z.string()),
        concurrency: z.int(),
        active: z.int(),
        lastSeen: z.number(),
      }),
    )
    .describe('Herds of other processes on the same broker (other servers, drover worker), from its worker directory'),
});

/** `GET|PATCH /herd`. */
export const herdSchema = z.object({ num: z.int() });

/** `GET /healthz`. */
export const healthSchema = z.object({ ok: z.literal(true) });

/** One step of a flow in `POST /v1/flows` (the route checks the shape itself, naming the path). */
const flowStepSchema = z.strictObject({
  task: z.string().min(1).max(200),
  args: z.array(z.unknown()).optional(),
  options: jobOptionsJsonSchema.optional(),
});

/** The body of `POST /v1/flows`: a step, or a chain, group or chord of flows, nested. */
export const flowSpecSchema: z.ZodType = z.union([
  flowStepSchema,
  z.strictObject({
    get chain() {
      return z.array(flowSpecSchema).min(1);
    },
  }),
  z.strictObject({
    get group() {
      return z.array(flowSpecSchema).min(1);
    },
  }),
  z.strictObject({
    chord: z.strictObject({
      get group() {
        return z.array(flowSpecSchema).min(1);
      },
      get callback() {
        return flowSpecSchema;
      },
    }),
  }),
]);

/** `POST /v1/flows`. */
export const flowStartedSchema = z.object({ id: z.string(), status: z.literal('active') });
