import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/**
 * `GET /v1/workers`: the remote workers connected over the WebSocket
 * gateway (id, name, tasks, concurrency, active, last seen) of this server
 * and of every other server on the same broker, the server's own herd when
 * it runs one, and the herds of other processes on the broker (when the
 * broker keeps a worker directory).
 */
export function registerWorkerRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/workers', async (request) => {
    parseInput(noQuerySchema, request.query, 'query');
    return ctx.workers();
  });
}
