import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';
import type { QueueLimits } from '../../core/contract/index.js';

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
    const limits = broker.queueLimits?.bind(broker);
    const listed = limits
      ? await Promise.all(queues.map(async (q) => ({ ...q, ...pick(await limits(q.queue)) })))
      : queues;
    return { queues: listed, truncated: counts.length > MAX_QUEUES_LISTED };
  });
}

function pick(limits: QueueLimits): { paused: boolean; limited: number } {
  return { paused: limits.paused, limited: limits.limited };
}
