import type { FastifyInstance } from 'fastify';
import { HttpError, HttpErrorCodes } from '../http-error.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { herdBodySchema, noQuerySchema } from '../schemas.js';

/**
 * `GET /herd` and `PATCH /herd`, compatible with gofherd: `{"num": N}` reads
 * and sets the concurrency of the server's own herd, live. As with gofherd,
 * `curl -XPATCH host/herd -d '{"num": 10}'` works: curl's form content type
 * and text/plain are read as JSON here too.
 */
export function registerHerdRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const bodySchema = herdBodySchema(ctx.limits);
  void fastify.register((scope, _options, done) => {
    const json = scope.getDefaultJsonParser('error', 'error');
    scope.addContentTypeParser(['application/x-www-form-urlencoded', 'text/plain'], { parseAs: 'string' }, json);

    scope.get('/herd', async (request) => {
      parseInput(noQuerySchema, request.query, 'query');
      return { num: ctx.herd()?.concurrency ?? 0 };
    });

    scope.patch('/herd', async (request) => {
      parseInput(noQuerySchema, request.query, 'query');
      const { num } = parseInput(bodySchema, request.body, 'body');
      const herd = ctx.herd();
      if (!herd)
        throw new HttpError(
          409,
          HttpErrorCodes.NO_HERD,
          'This server runs no herd; start it with --tasks <module> to run one',
        );
      herd.concurrency = num;
      ctx.logger.info({ num }, 'herd resized');
      return { num: herd.concurrency };
    });
    done();
  });
}
