import type { FastifyInstance } from 'fastify';
import type { QueueSettingsPatch } from '../../core/contract/index.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { emptyBodySchema, purgeBodySchema, queueParamsSchema, queuePatchSchema } from '../queue-schemas.js';
import { noQuerySchema } from '../schemas.js';

/**
 * One queue's controls (docs/http.md, "Queues"): `GET|PATCH /v1/queues/:queue`
 * (settings and limits), `POST /v1/queues/:queue/pause|resume|drain|retry-failed|purge`.
 * Each goes through `app.queue(name)`, so the rules are the API's.
 */
export function registerQueueControlRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const queueOf = (request: { params: unknown; query: unknown }): string => {
    parseInput(noQuerySchema, request.query, 'query');
    return parseInput(queueParamsSchema, request.params, 'path').queue;
  };

  fastify.get('/v1/queues/:queue', async (request) => {
    const name = queueOf(request);
    const queue = ctx.app.queue(name);
    const broker = await ctx.broker();
    const settings = await queue.settings();
    return broker.queueLimits ? { queue: name, settings, limits: await queue.limits() } : { queue: name, settings };
  });

  fastify.patch('/v1/queues/:queue', async (request) => {
    const name = queueOf(request);
    const body = parseInput(queuePatchSchema, request.body ?? {}, 'body');
    // JSON null puts a setting back to its default: the API's `undefined`.
    const patch = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v ?? undefined])) as QueueSettingsPatch;
    return { queue: name, settings: await ctx.app.queue(name).set(patch) };
  });

  for (const paused of [true, false]) {
    fastify.post(`/v1/queues/:queue/${paused ? 'pause' : 'resume'}`, async (request) => {
      const name = queueOf(request);
      parseInput(emptyBodySchema, request.body, 'body');
      const settings = await ctx.app.queue(name).set({ paused: paused ? true : undefined });
      return { queue: name, settings };
    });
  }

  fastify.post('/v1/queues/:queue/drain', async (request) => {
    const name = queueOf(request);
    parseInput(emptyBodySchema, request.body, 'body');
    return { queue: name, count: await ctx.app.queue(name).drain() };
  });

  fastify.post('/v1/queues/:queue/retry-failed', async (request) => {
    const name = queueOf(request);
    parseInput(emptyBodySchema, request.body, 'body');
    return { queue: name, count: await ctx.app.queue(name).retryFailed() };
  });

  fastify.post('/v1/queues/:queue/purge', async (request) => {
    const name = queueOf(request);
    const body = parseInput(purgeBodySchema, request.body, 'body');
    const olderThan = body?.olderThan ?? 0;
    return { queue: name, count: await ctx.app.queue(name).purge({ olderThan }) };
  });
}
