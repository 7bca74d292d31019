import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';
import { withFlowState } from '../../core/queue-flow-counts.js';

/** Most queues one answer lists (S20: a flood of queue names cannot blow up a response). */
export const MAX_QUEUES_LISTED = 1000;

/**
 * `GET /v1/queues`: per queue `waiting, active, delayed, succeeded, failed`
 * (gowork's QueueSize), and on a broker with flow control `paused` and
 * `limited` (waiting jobs a limit holds back).
 */
export function registerQueueRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/queues', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    const broker = await ctx.broker();
    const counts = await broker.counts();
    const queues = [...counts].sort((a, b) => a.queue.localeCompare(b.queue)).slice(0, MAX_QUEUES_LISTED);
    return { queues: await withFlowState(broker, queues), truncated: counts.length > MAX_QUEUES_LISTED };
  });
}
