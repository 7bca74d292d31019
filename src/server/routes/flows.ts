import type { FastifyInstance } from 'fastify';
import { flowFromSpec, parseFlowSpec } from '../../core/flow/flow-spec.js';
import { isDroverError } from '../../core/errors.js';
import { task } from '../../core/task.js';
import { createIdMaker } from '../../core/id.js';
import { startFlow } from '../../core/flow/start-flow.js';
import { HttpError, HttpErrorCodes } from '../http-error.js';
import { parseInput } from '../parse-input.js';
import type { RouteContext } from '../route-context.js';
import { noQuerySchema } from '../schemas.js';

/**
 * `POST /v1/flows`: starts a flow given as JSON (docs/flows.md) and answers
 * `201 {id, status}`; the id then works on every `/v1/jobs/:id` route.
 * Tasks the server does not know are accepted, as on `POST /v1/jobs`.
 */
export function registerFlowRoutes(fastify: FastifyInstance, ctx: RouteContext): void {
  const ids = createIdMaker();
  fastify.post('/v1/flows', async (request, reply) => {
    parseInput(noQuerySchema, request.query, 'query');
    const spec = parseFlowSpec(request.body, 'body');
    const app = ctx.app;
    try {
      const flow = flowFromSpec(spec, (name) => app.getTask(name) ?? task(name, remoteOnly));
      const job = await startFlow(app, ids, undefined, flow);
      return await reply.code(201).send({ id: job.id, status: 'active' });
    } catch (error) {
      // A codec's refusal of an argument is a TypeError: bad input, not a fault.
      if (error instanceof TypeError && !isDroverError(error))
        throw new HttpError(400, HttpErrorCodes.BAD_REQUEST, error.message);
      throw error;
    }
  });
}

function remoteOnly(): never {
  throw new Error('this task has no function in this process');
}
