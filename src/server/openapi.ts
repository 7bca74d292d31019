/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the same zod
 * schemas the routes validate with (`z.toJSONSchema`), so the document
 * cannot drift from the server. Served at `GET /v1/openapi.json` and checked
 * in as docs/openapi.json (a test keeps the two equal).
 */
import { z } from 'zod';
import type { ServerLimits } from './limits.js';
import { DEFAULT_RESULT_TIMEOUT_MS } from './limits.js';
import {
  jobLogsSchema,
  cancelledSchema,
  enqueuedSchema,
  errorBodySchema,
  flowSpecSchema,
  flowStartedSchema,
  healthSchema,
  herdSchema,
  jobPageSchema,
  jobViewSchema,
  queuesSchema,
  workersSchema,
} from './openapi-schemas.js';
import {
  enqueueQuerySchema,
  herdBodySchema,
  jobRequestSchema,
  listQuerySchema,
  nameSchema,
  resultQuerySchema,
} from './schemas.js';
import { queueOperations } from './queue-operations.js';
import { scheduleBodySchema, schedulePutSchema, schedulesSchema, scheduleStateSchema } from './schedule-schemas.js';

/** An OpenAPI document (plain JSON). */
export type OpenApiDocument = Record<string, unknown>;

type Access = 'protected' | 'metrics' | 'public';

/** One operation of the document. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  access: Access;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyRequired?: boolean;
  /** Status → [description, schema, media type]. */
  responses: Record<number, [string, z.ZodType?, string?]>;
}

const json = (schema: z.ZodType): Record<string, unknown> => {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
};

function operations(limits: ServerLimits): Operation[] {
  const job = z.union([jobRequestSchema, z.array(jobRequestSchema).min(1).max(limits.batchJobs)]);
  const jobOr404: Operation['responses'] = { 200: ['The job', jobViewSchema], 404: ['No such job', errorBodySchema] };
  return [
    {
      method: 'post',
      path: '/v1/jobs',
      summary:
        `Enqueue a job, or an array of up to ${limits.batchJobs} jobs (one transaction). Options go under "options". ` +
        `With \`wait\` (ms, one job only; longer than ${limits.resultTimeoutMs} is shortened to it), the answer waits ` +
        'for the job to end: 200 with the ended job, or the usual 201 receipt when it has not ended by then.',
      access: 'protected',
      query: enqueueQuerySchema(limits),
      body: job,
      bodyRequired: true,
      responses: {
        200: [
          'A live job with the same options.key exists; nothing new was made (with `wait`: the ended job, `duplicate` when so)',
          z.union([enqueuedSchema, jobViewSchema]),
        ],
        201: ['Enqueued (an array body answers an array)', z.union([enqueuedSchema, z.array(enqueuedSchema)])],
        413: [`Body over ${limits.bodyBytes} bytes, or a batch over ${limits.batchJobs} jobs`, errorBodySchema],
        415: ['Body is not application/json', errorBodySchema],
      },
    },
    {
      method: 'post',
      path: '/v1/flows',
      summary:
        'Start a flow (docs/flows.md): {"chain":[…]}, {"group":[…]} or {"chord":{"group":[…],"callback":{…}}}, ' +
        'nested, of steps {"task","args","options"}. Its id works on every /v1/jobs/{id} route.',
      access: 'protected',
      body: flowSpecSchema,
      bodyRequired: true,
      responses: {
        201: ['Started: the flow job is active and its first steps are queued', flowStartedSchema],
        413: [`Body over ${limits.bodyBytes} bytes`, errorBodySchema],
        415: ['Body is not application/json', errorBodySchema],
      },
    },
    {
      method: 'get',
      path: '/v1/jobs',
      summary:
        'List jobs, newest first: of one status, or of every status without `status`. Paged by `limit` and by ' +
        `${limits.listBytes} bytes; fields over ${limits.listFieldBytes} bytes are left out and named in \`truncated\`.`,
      access: 'protected',
      query: listQuerySchema(limits),
      responses: { 200: ['A page; pass `next` back as `cursor`', jobPageSchema] },
    },
    { method: 'get', path: '/v1/jobs/{id}', summary: 'One job, in full', access: 'protected', responses: jobOr404 },
    {
      method: 'delete',
      path: '/v1/jobs/{id}',
      summary: 'Cancel a job: queued → removed; running → its signal aborts',
      access: 'protected',
      responses: {
        200: ['Cancelled', cancelledSchema],
        404: jobOr404[404]!,
        409: ['Already finished', errorBodySchema],
      },
    },
    {
      method: 'post',
      path: '/v1/jobs/{id}/retry',
      summary: 'Re-run a failed or cancelled job',
      access: 'protected',
      responses: { ...jobOr404, 409: ['The job is not failed or cancelled', errorBodySchema] },
    },
    {
      method: 'get',
      path: '/v1/jobs/{id}/result',
      summary:
        `Long-poll until the job is finished: waits \`timeout\` ms (default ${DEFAULT_RESULT_TIMEOUT_MS}, ` +
        `at most ${limits.resultTimeoutMs}); 200 when finished, 202 with the job still unfinished`,
      access: 'protected',
      query: resultQuerySchema(limits, DEFAULT_RESULT_TIMEOUT_MS),
      responses: { ...jobOr404, 202: ['Not finished within the wait', jobViewSchema] },
    },
    {
      method: 'get',
      path: '/v1/jobs/{id}/logs',
      summary: 'The lines the job’s handler logged with currentJob().log (info and above, the last 200), oldest first',
      access: 'protected',
      responses: { 200: ['The kept lines', jobLogsSchema], 404: jobOr404[404]! },
    },
    {
      method: 'get',
      path: '/v1/jobs/{id}/events',
      summary: 'Server-Sent Events: one event per report of the job; resume with Last-Event-ID',
      access: 'protected',
      responses: { 200: ['An event stream', z.string(), 'text/event-stream'], 404: jobOr404[404]! },
    },
    {
      method: 'get',
      path: '/v1/events',
      summary:
        'Server-Sent Events for the whole server (what the dashboard reads): hello, reports (batched summaries, ' +
        'numbered: resume with Last-Event-ID), rate (each second), counts, workers, worker, herd; docs/operations.md',
      access: 'protected',
      responses: {
        200: ['An event stream', z.string(), 'text/event-stream'],
        400: ['A Last-Event-ID that is not an id of this stream', errorBodySchema],
      },
    },
    {
      method: 'get',
      path: '/v1/queues',
      summary: 'Counts per queue',
      access: 'protected',
      responses: { 200: ['Counts, with `paused` and `limited` on a broker with flow control', queuesSchema] },
    },
    ...queueOperations(),
    {
      method: 'get',
      path: '/v1/schedules',
      summary: 'The schedules stored in the broker, by name, with nextAt / lastAt (epoch ms); docs/scheduling.md',
      access: 'protected',
      responses: { 200: ['Schedules', schedulesSchema] },
    },
    {
      method: 'put',
      path: '/v1/schedules/{name}',
      summary:
        'Store a schedule (an upsert by name: the same definition again changes nothing). Exactly one of ' +
        '`cron` (5 fields, or 6 with seconds; `tz` an IANA zone) and `every` (ms); `options` are the job options of its fires',
      access: 'protected',
      body: scheduleBodySchema,
      bodyRequired: true,
      responses: {
        200: ['Replaced, or unchanged', schedulePutSchema],
        201: ['Created', schedulePutSchema],
        404: ['No route: a name that is not one path segment (such as `..`)', errorBodySchema],
      },
    },
    {
      method: 'delete',
      path: '/v1/schedules/{name}',
      summary: 'Remove a schedule (jobs it already enqueued stay)',
      access: 'protected',
      responses: { 200: ['Removed', scheduleStateSchema], 404: ['No such schedule', errorBodySchema] },
    },
    {
      method: 'post',
      path: '/v1/schedules/{name}/pause',
      summary: 'Pause a schedule: its ticks are skipped until it is resumed',
      access: 'protected',
      responses: { 200: ['Paused', scheduleStateSchema], 404: ['No such schedule', errorBodySchema] },
    },
    {
      method: 'post',
      path: '/v1/schedules/{name}/resume',
      summary: 'Resume a schedule from its next tick (ticks missed while paused do not fire)',
      access: 'protected',
      responses: { 200: ['Resumed', scheduleStateSchema], 404: ['No such schedule', errorBodySchema] },
    },
    {
      method: 'get',
      path: '/v1/workers',
      summary: "Connected remote workers and the server's own herd",
      access: 'protected',
      responses: { 200: ['Workers', workersSchema] },
    },
    {
      method: 'get',
      path: '/v1/openapi.json',
      summary: 'This document',
      access: 'protected',
      responses: { 200: ['The OpenAPI 3.1 document', z.record(z.string(), z.unknown())] },
    },
    {
      method: 'get',
      path: '/herd',
      summary: "The size of the server's own herd (gofherd-compatible)",
      access: 'protected',
      responses: { 200: ['The size', herdSchema] },
    },
    {
      method: 'patch',
      path: '/herd',
      summary: `Resize the server's own herd, 0–${limits.herdSize} (gofherd-compatible: text/plain and form bodies are read as JSON)`,
      access: 'protected',
      body: herdBodySchema(limits),
      bodyRequired: true,
      responses: { 200: ['The new size', herdSchema], 409: ['The server runs no herd', errorBodySchema] },
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (open unless the server protects them)',
      access: 'metrics',
      responses: { 200: ['Prometheus text format', z.string(), 'text/plain'] },
    },
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness (always open)',
      access: 'public',
      responses: { 200: ['Alive', healthSchema] },
    },
  ];
}

/** Answers every route may give (and the conditions), added to each operation. */
function commonResponses(access: Access): Operation['responses'] {
  const out: Operation['responses'] = {
    400: ['Bad input: the message names the field', errorBodySchema],
    413: ['Body too large', errorBodySchema],
    415: ['A body that is not application/json', errorBodySchema],
    403: ['Server without a secret: a Host or Origin that is not loopback (DNS rebinding)', errorBodySchema],
    503: ['Shutting down, or the store is unavailable', errorBodySchema],
  };
  if (access !== 'public') {
    out[401] = ['Missing or wrong Authorization: Bearer <secret>', errorBodySchema];
    out[429] = [
      'Too many failed authentications from this address (see Retry-After), or too many open long-polls/streams',
      errorBodySchema,
    ];
  }
  return out;
}

/** Builds the OpenAPI 3.1 document for a server with these limits. */
export function buildOpenApi(limits: ServerLimits, version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations(limits)) {
    const parameters: Record<string, unknown>[] = [];
    if (op.path.includes('{queue}'))
      parameters.push({ name: 'queue', in: 'path', required: true, schema: json(nameSchema) });
    if (op.path.includes('{id}'))
      parameters.push({
        name: 'id',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      });
    if (op.path.includes('{name}'))
      parameters.push({
        name: 'name',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      });
    if (op.query) {
      const schema = json(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, [description, schema, media]] of Object.entries({
      ...commonResponses(op.access),
      ...op.responses,
    }))
      responses[status] = schema
        ? { description, content: { [media ?? 'application/json']: { schema: json(schema) } } }
        : { description };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      operationId: `${op.method} ${op.path}`,
      ...(op.access === 'public' ? { security: [] } : {}),
      ...(op.access === 'metrics' ? { security: [{}, { bearer: [] }] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: op.bodyRequired ?? false,
              content: { 'application/json': { schema: json(op.body) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'drover server HTTP API',
      version,
      description: 'Errors are {"error":{"code","message"}}; docs/http.md explains every route with curl examples.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
