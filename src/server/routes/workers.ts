import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/**
 * `GET /v1/workers`: the remote workers connected over the WebSocket
 * gateway (id, name, tasks, concurrency, active, last seen), and the
 * server's own herd when it runs one.
 */
export function registerWorkerRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/workers', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    const herd = ctx.herd();
    return {
      workers: ctx.gateway()?.workers() ?? [],
      herd: herd
        ? { name: herd.name, tasks: [...herd.queues], concurrency: herd.concurrency, active: herd.active }
        : null,
    };
  });
}
