import type { FastifyInstance } from 'fastify';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/** `GET /metrics` (Prometheus text, §6) and `GET /healthz`. */
export function registerOpsRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/metrics', { config: { access: 'metrics' } }, async (request, reply) => {
    parseInput(noQuerySchema, request.query, 'query');
    const registry = ctx.app.metrics.registry;
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  fastify.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
}
