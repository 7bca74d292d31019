import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HttpError, HttpErrorCodes, jobNotFound } from '../http-error.js';
import { isTerminalStatus, toEnqueuedView, toJobView } from '../../protocol/job-view.js';
import type { JobSnapshot } from '../../core/contract/index.js';
import { awaitJobEnd } from '../await-job-end.js';
import { listJobs } from '../job-listing.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { enqueueQuerySchema, idParamsSchema, jobRequestSchema, listQuerySchema, noQuerySchema } from '../schemas.js';

const emptyBodySchema = z.union([z.undefined(), z.null(), z.strictObject({})]);

/** `POST /v1/jobs`, `GET /v1/jobs`, `GET|DELETE /v1/jobs/:id`, `POST /v1/jobs/:id/retry`. */
export function registerJobRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const listQuery = listQuerySchema(ctx.limits);
  const enqueueQuery = enqueueQuerySchema(ctx.limits);

  fastify.post('/v1/jobs', async (request, reply) => {
    const { wait } = parseInput(enqueueQuery, request.query, 'query');
    const body = request.body;
    if (Array.isArray(body)) {
      if (wait !== undefined)
        throw new HttpError(
          400,
          HttpErrorCodes.BAD_REQUEST,
          'query.wait: only a single job (not a batch) can be waited for',
        );
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
    const enqueued = toEnqueuedView(result!);
    if (wait !== undefined && wait > 0) {
      const ended = await endedWithin(ctx, enqueued.id, wait, reply);
      if (ended === 'gone') return reply;
      if (ended)
        return reply.code(200).send(enqueued.duplicate ? { ...toJobView(ended), duplicate: true } : toJobView(ended));
    }
    return reply.code(enqueued.duplicate ? 200 : 201).send(enqueued);
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

/**
 * The job once it ended within `waitMs` (`POST /v1/jobs?wait=`); undefined
 * when it did not, or when the wait could not be held (every long-poll slot
 * taken, the server closing, the broker failing): the enqueue stands, so the
 * caller gets its receipt, never an error that would invite a second
 * enqueue. `gone` when the client went away.
 */
async function endedWithin(
  ctx: RouteContext,
  id: string,
  waitMs: number,
  reply: FastifyReply,
): Promise<JobSnapshot | undefined | 'gone'> {
  let waited;
  try {
    waited = await awaitJobEnd(ctx, await ctx.broker(), id, waitMs, reply);
  } catch (error) {
    // Slots full (429), closing (503) or a broker error while watching: the receipt is still the truth.
    if (!(error instanceof HttpError)) reply.log.warn({ err: error, jobId: id }, 'waiting for an enqueued job failed');
    return undefined;
  }
  if (waited.gone) return 'gone';
  return waited.job && isTerminalStatus(waited.job.status) ? waited.job : undefined;
}
