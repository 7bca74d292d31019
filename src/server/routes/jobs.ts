import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, HttpErrorCodes, jobNotFound } from '../http-error.js';
import { toEnqueuedView, toJobView } from '../../protocol/job-view.js';
import { listJobs } from '../job-listing.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { idParamsSchema, jobRequestSchema, listQuerySchema, noQuerySchema } from '../schemas.js';

const emptyBodySchema = z.union([z.undefined(), z.null(), z.strictObject({})]);

/** `POST /v1/jobs`, `GET /v1/jobs`, `GET|DELETE /v1/jobs/:id`, `POST /v1/jobs/:id/retry`. */
export function registerJobRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const listQuery = listQuerySchema(ctx.limits);

  fastify.post('/v1/jobs', async (request, reply) => {
    parseInput(noQuerySchema, request.query, 'query');
    const body = request.body;
    if (Array.isArray(body)) {
      if (body.length === 0)
        throw new HttpError(400, HttpErrorCodes.BAD_REQUEST, 'body: a batch needs at least one job');
      if (body.length > ctx.limits.batchJobs) {
        throw new HttpError(
          413,
          HttpErrorCodes.TOO_LARGE,
          `body: a batch holds at most ${ctx.limits.batchJobs} jobs, got ${body.length}`,
        );
      }
      const jobs = body.map((item, i) => parseInput(jobRequestSchema, item, `body[${i}]`));
      const results = await ctx.enqueuer.enqueue(jobs, (i) => `body[${i}]`);
      return reply.code(201).send(results.map(toEnqueuedView));
    }
    if (body === undefined || body === null)
      throw new HttpError(400, HttpErrorCodes.BAD_REQUEST, 'body: expected a job {"task","args"} or an array of them');
    const job = parseInput(jobRequestSchema, body, 'body');
    const [result] = await ctx.enqueuer.enqueue([job], () => 'body');
    return reply.code(result!.duplicate ? 200 : 201).send(toEnqueuedView(result!));
  });

  fastify.get('/v1/jobs', async (request) => {
    const query = parseInput(listQuery, request.query, 'query');
    return listJobs(await ctx.broker(), {
      status: query.status,
      queue: query.queue,
      limit: query.limit,
      cursor: query.cursor,
      maxBytes: ctx.limits.listBytes,
      maxFieldBytes: ctx.limits.listFieldBytes,
    });
  });

  fastify.get('/v1/jobs/:id', async (request) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    const job = await (await ctx.broker()).getJob(id);
    if (!job) throw jobNotFound(id);
    return toJobView(job);
  });

  fastify.delete('/v1/jobs/:id', async (request) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    parseInput(emptyBodySchema, request.body, 'body');
    const broker = await ctx.broker();
    const outcome = await broker.cancel(id);
    switch (outcome) {
      case 'not_found':
        throw jobNotFound(id);
      case 'finished': {
        const job = await broker.getJob(id);
        throw new HttpError(
          409,
          HttpErrorCodes.CONFLICT,
          `Job ${id} already finished${job ? ` (${job.status})` : ''}; nothing to cancel`,
        );
      }
      default:
        // 'cancelled': it was waiting and is gone; 'aborted': it was running and its signal aborted.
        return { id, status: 'cancelled', wasRunning: outcome === 'aborted' };
    }
  });

  fastify.post('/v1/jobs/:id/retry', async (request) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    parseInput(noQuerySchema, request.query, 'query');
    parseInput(emptyBodySchema, request.body, 'body');
    const broker = await ctx.broker();
    const job = await broker.retry(id);
    if (job) return toJobView(job);
    const current = await broker.getJob(id);
    if (!current) throw jobNotFound(id);
    throw new HttpError(
      409,
      HttpErrorCodes.CONFLICT,
      `Job ${id} is ${current.status}; only failed or cancelled jobs can be re-run`,
    );
  });
}
