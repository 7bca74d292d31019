import type { FastifyInstance } from 'fastify';
import { jobNotFound } from '../http-error.js';
import { isTerminalStatus, toJobView } from '../../protocol/job-view.js';
import { DEFAULT_RESULT_TIMEOUT_MS } from '../limits.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { idParamsSchema, resultQuerySchema } from '../schemas.js';
import { awaitJobEnd } from '../await-job-end.js';

/**
 * `GET /v1/jobs/:id/result?timeout=ms`: long-polls until the job is
 * terminal (200 with the job) or the timeout passes (202 with the job as it
 * is). The wait is capped; it ends early when the client goes away or the
 * server shuts down.
 */
export function registerJobResultRoute(fastify: FastifyInstance, ctx: RouteContext): void {
  const querySchema = resultQuerySchema(ctx.limits, DEFAULT_RESULT_TIMEOUT_MS);

  fastify.get('/v1/jobs/:id/result', async (request, reply) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    const { timeout } = parseInput(querySchema, request.query, 'query');
    const broker = await ctx.broker();
    const first = await broker.getJob(id);
    if (!first) throw jobNotFound(id);
    if (isTerminalStatus(first.status) || timeout === 0)
      return reply.code(isTerminalStatus(first.status) ? 200 : 202).send(toJobView(first));

    const waited = await awaitJobEnd(ctx, broker, id, timeout, reply);
    if (waited.gone) return reply;
    if (!waited.job) throw jobNotFound(id);
    return reply.code(isTerminalStatus(waited.job.status) ? 200 : 202).send(toJobView(waited.job));
  });
}
