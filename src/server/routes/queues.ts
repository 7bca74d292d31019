import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/** Most queues one answer lists (S20: a flood of queue names cannot blow up a response). */
export const MAX_QUEUES_LISTED = 1000;

/** `GET /v1/queues`: per queue `waiting, active, delayed, succeeded, failed` (gowork's QueueSize). */
export function registerQueueRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/queues', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    const counts = await (await ctx.broker()).counts();
    const queues = [...counts].sort((a, b) => a.queue.localeCompare(b.queue)).slice(0, MAX_QUEUES_LISTED);
    return { queues, truncated: counts.length > MAX_QUEUES_LISTED };
  });
}
