import type { FastifyInstance } from 'fastify';
import { jobNotFound } from '../http-error.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { idParamsSchema, noQuerySchema } from '../schemas.js';

/**
 * `GET /v1/jobs/:id/logs`: the lines the job's handler logged with
 * `currentJob().log` (info and above, the last 200), oldest first.
 * `supported: false` when the store keeps no log lines.
 */
export function registerJobLogsRoute(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.get('/v1/jobs/:id/logs', async (request) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    const broker = await ctx.broker();
    if (typeof broker.jobLogs !== 'function') {
      if (!(await broker.getJob(id))) throw jobNotFound(id);
      return { lines: [], supported: false };
    }
    const lines = await broker.jobLogs(id);
    if (!lines) throw jobNotFound(id);
    return { lines, supported: true };
  });
}
